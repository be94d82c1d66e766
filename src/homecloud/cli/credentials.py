"""``homecloud apikey`` and ``homecloud cardtoken``: API keys and card access tokens."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.table import Table

from homecloud.cli.common import (
    current_settings,
    fail,
    out,
    print_json,
    run_on_database,
    shown,
)
from homecloud.core.database import Database
from homecloud.core.users import (
    find_by_login,
    list_users,
)
from homecloud.settings import Settings

apikey_app = typer.Typer(
    help="smart-me API keys for users' scripts (Authorization: ApiKey <key>).",
    no_args_is_help=True,
)
cardtoken_app = typer.Typer(
    help="smart-me card access tokens (NFC cards); made through the API.", no_args_is_help=True
)

T = TypeVar("T")


# Only smart-me reads API keys and card tokens; the service functions are face-neutral.
CREDENTIALS_FACE = "smartme"


async def _owner_id(session: Any, login: str | None) -> int | None:
    from homecloud.identity.credentials import CredentialError

    if login is None:
        return None
    user = await find_by_login(session, login)
    if user is None:
        raise CredentialError(f"no account {login!r}")
    return user.id


async def _owner_emails(session: Any) -> dict[int, str]:
    return {user.id: user.email for user in await list_users(session)}


def _api_key_record(api_key: Any, owner: str, key: str | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": api_key.id,
        "owner": owner,
        "name": api_key.name,
        "scope": api_key.scope,
        "created_at": api_key.created_at,
    }
    if key is not None:
        record["api_key"] = key
    return record


def _card_token_record(card_token: Any, owner: str) -> dict[str, Any]:
    return {
        "id": card_token.id,
        "owner": owner,
        "card_id": card_token.card_id,
        "created_at": card_token.created_at,
    }


def run_refusing_bad_input(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """``run_on_database``, with a refused credential (unknown owner, key or token) as one
    line and exit code 2."""
    from homecloud.identity.credentials import CredentialError

    try:
        return run_on_database(settings, work)
    except CredentialError as exc:
        fail(str(exc), code=2)


def print_records(records: list[dict[str, Any]], as_json: bool, columns: tuple[str, ...]) -> None:
    if as_json:
        print_json(records)
        return
    table = Table(*(column.replace("_", " ") for column in columns))
    for record in records:
        table.add_row(*(str(record[column]) for column in columns))
    out.print(table)


@apikey_app.command("add")
def apikey_add(
    ctx: typer.Context,
    owner: Annotated[str, typer.Option(help="E-mail or user name of the key's account.")],
    name: Annotated[str, typer.Option(help="What the key is for, to tell keys apart.")],
    scope: Annotated[
        str,
        typer.Option(
            help="Space-separated permissions: user.read device.read device.readwrite "
            "device.readswitch."
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the new key as JSON.")] = False,
) -> None:
    """Make an API key; prints the key once (only its digest is stored)."""
    from homecloud.identity.credentials import CredentialError, create_api_key

    settings = current_settings(ctx)

    async def work(database: Database) -> dict[str, Any]:
        async with database.session(write=True) as session:
            user = await find_by_login(session, owner)
            if user is None:
                raise CredentialError(f"no account {owner!r}")
            issued = await create_api_key(
                session,
                face=CREDENTIALS_FACE,
                user_id=user.id,
                name=name,
                scopes=scope.replace(",", " ").split(),
            )
            return _api_key_record(issued.api_key, user.email, issued.key)

    record = run_refusing_bad_input(settings, work)
    if as_json:
        print_json(record)
        return
    table = Table("field", "value", show_header=False)
    for key, value in record.items():
        table.add_row(key, shown(key, value))
    out.print(table)
    out.print("The key is shown only now; it is stored hashed.")


@apikey_app.command("list")
def apikey_list(
    ctx: typer.Context,
    owner: Annotated[
        str | None, typer.Option(help="Only this account's keys (e-mail or user name).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List API keys (never the keys themselves)."""
    from homecloud.identity.credentials import list_api_keys

    settings = current_settings(ctx)

    async def work(database: Database) -> list[dict[str, Any]]:
        async with database.session() as session:
            user_id = await _owner_id(session, owner)
            emails = await _owner_emails(session)
            keys = await list_api_keys(session, face=CREDENTIALS_FACE, user_id=user_id)
            return [_api_key_record(key, emails.get(key.user_id, "")) for key in keys]

    records = run_refusing_bad_input(settings, work)
    print_records(records, as_json, ("id", "owner", "name", "scope"))


@apikey_app.command("remove")
def apikey_remove(
    ctx: typer.Context,
    key_id: Annotated[int, typer.Argument(metavar="ID", help="The key's id (see `list`).")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete an API key; it stops working at once."""
    from homecloud.identity.credentials import CredentialError, get_api_key, remove_api_key

    settings = current_settings(ctx)
    if not yes:
        typer.confirm(f"Delete API key {key_id}?", abort=True)

    async def work(database: Database) -> None:
        async with database.session(write=True) as session:
            api_key = await get_api_key(session, face=CREDENTIALS_FACE, key_id=key_id)
            if api_key is None:
                raise CredentialError(f"no API key {key_id}")
            await remove_api_key(session, api_key)

    run_refusing_bad_input(settings, work)
    out.print(f"removed API key {key_id}")


@cardtoken_app.command("list")
def cardtoken_list(
    ctx: typer.Context,
    owner: Annotated[
        str | None, typer.Option(help="Only this account's tokens (e-mail or user name).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List card access tokens (never the tokens themselves)."""
    from homecloud.identity.credentials import list_card_tokens

    settings = current_settings(ctx)

    async def work(database: Database) -> list[dict[str, Any]]:
        async with database.session() as session:
            user_id = await _owner_id(session, owner)
            emails = await _owner_emails(session)
            tokens = await list_card_tokens(session, face=CREDENTIALS_FACE, user_id=user_id)
            return [_card_token_record(token, emails.get(token.user_id, "")) for token in tokens]

    records = run_refusing_bad_input(settings, work)
    print_records(records, as_json, ("id", "owner", "card_id"))


@cardtoken_app.command("remove")
def cardtoken_remove(
    ctx: typer.Context,
    token_id: Annotated[int, typer.Argument(metavar="ID", help="The token's id (see `list`).")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a card access token; the card stops working at once."""
    from homecloud.identity.credentials import CredentialError, get_card_token, remove_card_token

    settings = current_settings(ctx)
    if not yes:
        typer.confirm(f"Delete card token {token_id}?", abort=True)

    async def work(database: Database) -> None:
        async with database.session(write=True) as session:
            card_token = await get_card_token(session, face=CREDENTIALS_FACE, token_id=token_id)
            if card_token is None:
                raise CredentialError(f"no card token {token_id}")
            await remove_card_token(session, card_token)

    run_refusing_bad_input(settings, work)
    out.print(f"removed card token {token_id}")
