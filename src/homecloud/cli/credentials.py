"""``homecloud apikey`` and ``homecloud cardtoken``: API keys and card access tokens."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer

from homecloud.apis.smartme import ISSUER as SMARTME_ISSUER
from homecloud.cli.common import (
    AsJson,
    Yes,
    account,
    account_id,
    current_settings,
    print_record,
    print_records,
    remove_after_asking,
    run_on_database,
)
from homecloud.core.database import Database
from homecloud.core.users import (
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
CREDENTIALS_ISSUER = SMARTME_ISSUER
CREDENTIALS_FACE = CREDENTIALS_ISSUER.face


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

    return run_on_database(settings, work, refusing=CredentialError)


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
    from homecloud.identity.credentials import create_api_key

    settings = current_settings(ctx)

    async def work(database: Database) -> dict[str, Any]:
        async with database.session(write=True) as session:
            user = await account(session, owner)
            issued = await create_api_key(
                session,
                issuer=CREDENTIALS_ISSUER,
                user_id=user.id,
                name=name,
                scopes=scope.replace(",", " ").split(),
            )
            return _api_key_record(issued.api_key, user.email, issued.key)

    record = run_refusing_bad_input(settings, work)
    print_record(record, as_json, "The key is shown only now; it is stored hashed.")


def print_credentials(
    ctx: typer.Context,
    kind: type[Any],
    owner: str | None,
    as_json: bool,
    columns: tuple[str, ...],
    record: Callable[[Any, str], dict[str, Any]],
) -> None:
    """Prints the credentials of ``kind`` (of ``owner``'s account, else of all), each as
    ``record`` makes it, as a table of ``columns`` or as JSON."""
    from homecloud.identity.credentials import list_credentials

    settings = current_settings(ctx)

    async def work(database: Database) -> list[dict[str, Any]]:
        async with database.session() as session:
            user_id = await account_id(session, owner)
            emails = await _owner_emails(session)
            listed = await list_credentials(session, kind, face=CREDENTIALS_FACE, user_id=user_id)
            return [record(item, emails.get(item.user_id, "")) for item in listed]

    records = run_refusing_bad_input(settings, work)
    headers = [column.replace("_", " ") for column in columns]
    print_records(records, as_json, headers, lambda record: [str(record[c]) for c in columns])


def delete_credential(
    ctx: typer.Context, kind: type[Any], what: str, item_id: int, yes: bool
) -> None:
    """Deletes the credential of ``kind`` with ``item_id`` (after asking, unless ``yes``); an
    unknown id is refused."""
    from homecloud.identity.credentials import CredentialError, get_credential, remove_credential

    remove_after_asking(
        ctx,
        f"Delete {what} {item_id}?",
        yes,
        lambda session: get_credential(session, kind, face=CREDENTIALS_FACE, credential_id=item_id),
        remove_credential,
        CredentialError(f"no {what} {item_id}"),
        f"removed {what} {item_id}",
    )


@apikey_app.command("list")
def apikey_list(
    ctx: typer.Context,
    owner: Annotated[
        str | None, typer.Option(help="Only this account's keys (e-mail or user name).")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """List API keys (never the keys themselves)."""
    from homecloud.identity.credentials import ApiKey

    columns = ("id", "owner", "name", "scope")
    print_credentials(ctx, ApiKey, owner, as_json, columns, _api_key_record)


@apikey_app.command("remove")
def apikey_remove(
    ctx: typer.Context,
    key_id: Annotated[int, typer.Argument(metavar="ID", help="The key's id (see `list`).")],
    yes: Yes = False,
) -> None:
    """Delete an API key; it stops working at once."""
    from homecloud.identity.credentials import ApiKey

    delete_credential(ctx, ApiKey, "API key", key_id, yes)


@cardtoken_app.command("list")
def cardtoken_list(
    ctx: typer.Context,
    owner: Annotated[
        str | None, typer.Option(help="Only this account's tokens (e-mail or user name).")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """List card access tokens (never the tokens themselves)."""
    from homecloud.identity.credentials import CardAccessToken

    columns = ("id", "owner", "card_id")
    print_credentials(ctx, CardAccessToken, owner, as_json, columns, _card_token_record)


@cardtoken_app.command("remove")
def cardtoken_remove(
    ctx: typer.Context,
    token_id: Annotated[int, typer.Argument(metavar="ID", help="The token's id (see `list`).")],
    yes: Yes = False,
) -> None:
    """Delete a card access token; the card stops working at once."""
    from homecloud.identity.credentials import CardAccessToken

    delete_credential(ctx, CardAccessToken, "card token", token_id, yes)
