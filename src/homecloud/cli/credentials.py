"""``homecloud apikey`` and ``homecloud cardtoken``: API keys and card access tokens.

No ``from __future__ import annotations``: Typer reads the commands' parameter types when
they are added, and ``list`` and ``remove`` are built per kind of credential."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar, cast

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


@dataclass(frozen=True, slots=True)
class CredentialKind:
    """What ``list`` and ``remove`` say of one kind of credential."""

    model: str  # its class in homecloud.identity.credentials
    what: str  # "API key"
    items: str  # "keys"
    columns: tuple[str, ...]
    record: Callable[[Any, str], dict[str, Any]]
    list_help: str
    remove_help: str

    def load(self) -> type[Any]:
        # Imported when a command runs, not when the CLI starts.
        from homecloud.identity import credentials

        return cast(type[Any], getattr(credentials, self.model))


def add_list_and_remove(app: typer.Typer, kind: CredentialKind) -> None:
    """Adds ``list`` (of one account's credentials of ``kind``, else all) and ``remove`` (one
    of them, after asking unless ``--yes``; an unknown id is refused) to ``app``."""
    owner_help = f"Only this account's {kind.items} (e-mail or user name)."
    id_help = f"The {kind.items[:-1]}'s id (see `list`)."

    @app.command("list", help=kind.list_help)
    def list_(
        ctx: typer.Context,
        owner: Annotated[str | None, typer.Option(help=owner_help)] = None,
        as_json: AsJson = False,
    ) -> None:
        from homecloud.identity.credentials import list_credentials

        settings = current_settings(ctx)
        model = kind.load()

        async def work(database: Database) -> list[dict[str, Any]]:
            async with database.session() as session:
                user_id = await account_id(session, owner)
                emails = await _owner_emails(session)
                listed = await list_credentials(
                    session, model, face=CREDENTIALS_FACE, user_id=user_id
                )
                return [kind.record(item, emails.get(item.user_id, "")) for item in listed]

        records = run_refusing_bad_input(settings, work)
        headers = [column.replace("_", " ") for column in kind.columns]
        print_records(
            records, as_json, headers, lambda record: [str(record[c]) for c in kind.columns]
        )

    @app.command("remove", help=kind.remove_help)
    def remove(
        ctx: typer.Context,
        item_id: Annotated[int, typer.Argument(metavar="ID", help=id_help)],
        yes: Yes = False,
    ) -> None:
        from homecloud.identity.credentials import (
            CredentialError,
            get_credential,
            remove_credential,
        )

        model = kind.load()
        remove_after_asking(
            ctx,
            f"Delete {kind.what} {item_id}?",
            yes,
            lambda session: get_credential(
                session, model, face=CREDENTIALS_FACE, credential_id=item_id
            ),
            remove_credential,
            CredentialError(f"no {kind.what} {item_id}"),
            f"removed {kind.what} {item_id}",
        )


add_list_and_remove(
    apikey_app,
    CredentialKind(
        model="ApiKey",
        what="API key",
        items="keys",
        columns=("id", "owner", "name", "scope"),
        record=_api_key_record,
        list_help="List API keys (never the keys themselves).",
        remove_help="Delete an API key; it stops working at once.",
    ),
)
add_list_and_remove(
    cardtoken_app,
    CredentialKind(
        model="CardAccessToken",
        what="card token",
        items="tokens",
        columns=("id", "owner", "card_id"),
        record=_card_token_record,
        list_help="List card access tokens (never the tokens themselves).",
        remove_help="Delete a card access token; the card stops working at once.",
    ),
)
