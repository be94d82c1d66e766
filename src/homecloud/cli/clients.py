"""``homecloud client``: client applications."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import typer

from homecloud.cli.common import (
    AsJson,
    Yes,
    account_id,
    current_settings,
    fail,
    out,
    print_record,
    print_records,
    run_on_database,
)
from homecloud.core.database import Database

client_app = typer.Typer(help="Client applications allowed to sign users in.", no_args_is_help=True)


def _print_client(record: dict[str, Any], as_json: bool) -> None:
    secret_shown = "client_secret" in record
    note = "The secret is shown only now; it is stored hashed." if secret_shown else None
    print_record(record, as_json, note)


@client_app.command("add")
def client_add(
    ctx: typer.Context,
    face: Annotated[str, typer.Option(help="nuheat, mclimate, thingplus, ckw or smartme.")],
    name: Annotated[str, typer.Option(help="Shown to users on the consent page.")],
    redirect_uri: Annotated[
        list[str] | None,
        typer.Option("--redirect-uri", metavar="<uri>", help="Exact redirect URI (repeatable)."),
    ] = None,
    grant: Annotated[
        list[str] | None,
        typer.Option(
            "--grant",
            metavar="<grant>",
            help="authorization_code, refresh_token, client_credentials, password, implicit or"
            " device_code (repeatable).",
        ),
    ] = None,
    scope: Annotated[
        list[str] | None,
        typer.Option(
            "--scope",
            metavar="<scopes>",
            help="Scopes, space-separated or repeated (default: the face's usual set).",
        ),
    ] = None,
    public: Annotated[bool, typer.Option("--public", help="No secret; PKCE required.")] = False,
    pkce_optional: Annotated[
        bool,
        typer.Option(
            "--pkce-optional",
            help="A public client may exchange codes without PKCE (Keycloak's per-client"
            " setting, for apps that cannot do PKCE; weaker: see docs/identity.md).",
        ),
    ] = False,
    owner: Annotated[
        str | None,
        typer.Option(help="E-mail of the user the client acts for (CKW app credentials)."),
    ] = None,
    no_consent: Annotated[
        bool, typer.Option("--no-consent", help="Skip the consent page (first-party apps).")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print client_id and client_secret as JSON.")
    ] = False,
) -> None:
    """Register a client application; prints its id and (once) its secret."""
    from homecloud.apis import ISSUERS
    from homecloud.identity.clients import ClientError, client_record, register_client

    settings = current_settings(ctx)
    if face not in ISSUERS:
        fail(f"unknown face {face!r}; one of {', '.join(ISSUERS)}", code=2)

    async def work(database: Database) -> dict[str, Any]:
        async with database.session(write=True) as session:
            owner_id = await account_id(session, owner)
            issued = await register_client(
                session,
                face=face,
                name=name,
                redirect_uris=redirect_uri or [],
                grant_types=grant or ["authorization_code", "refresh_token"],
                scope=ISSUERS[face].default_client_scope if scope is None else " ".join(scope),
                public=public,
                pkce_optional=pkce_optional,
                owner_id=owner_id,
                require_consent=not no_consent,
            )
            return client_record(issued.client, issued.client_secret)

    record = run_on_database(settings, work, refusing=ClientError)
    _print_client(record, as_json)


@client_app.command("list")
def client_list(
    ctx: typer.Context,
    face: Annotated[str | None, typer.Option(help="Only this face's clients.")] = None,
    as_json: AsJson = False,
) -> None:
    """List client applications (never their secrets)."""
    from homecloud.identity.clients import client_record, list_clients

    settings = current_settings(ctx)

    async def work(database: Database) -> list[dict[str, Any]]:
        async with database.session() as session:
            return [client_record(client) for client in await list_clients(session, face=face)]

    records = run_on_database(settings, work)
    headers = ("client_id", "face", "name", "grants", "redirect URIs")
    print_records(records, as_json, headers, client_row)


def client_row(record: dict[str, Any]) -> list[str]:
    grants, redirects = " ".join(record["grant_types"]), " ".join(record["redirect_uris"])
    return [record["client_id"], record["face"], record["name"], grants, redirects]


def _with_client(
    ctx: typer.Context, client_id: str, action: Callable[[Any, Any], Awaitable[dict[str, Any]]]
) -> dict[str, Any]:
    from homecloud.identity.clients import ClientError, get_client

    settings = current_settings(ctx)

    async def work(database: Database) -> dict[str, Any]:
        async with database.session(write=True) as session:
            client = await get_client(session, client_id)
            if client is None:
                raise ClientError(f"no client {client_id!r}")
            return await action(session, client)

    return run_on_database(settings, work, refusing=ClientError)


@client_app.command("show")
def client_show(
    ctx: typer.Context,
    client_id: Annotated[str, typer.Argument(help="The client's id.")],
    as_json: AsJson = False,
) -> None:
    """Show a client application."""
    from homecloud.identity.clients import client_record

    async def show(_session: Any, client: Any) -> dict[str, Any]:
        return client_record(client)

    _print_client(_with_client(ctx, client_id, show), as_json)


@client_app.command("rotate-secret")
def client_rotate_secret(
    ctx: typer.Context,
    client_id: Annotated[str, typer.Argument(help="The client's id.")],
    as_json: AsJson = False,
) -> None:
    """Give a client a new secret; the old one stops working at once."""
    from homecloud.identity.clients import client_record, rotate_secret

    async def rotate(session: Any, client: Any) -> dict[str, Any]:
        secret = await rotate_secret(session, client)
        return client_record(client, secret)

    _print_client(_with_client(ctx, client_id, rotate), as_json)


@client_app.command("remove")
def client_remove(
    ctx: typer.Context,
    client_id: Annotated[str, typer.Argument(help="The client's id.")],
    yes: Yes = False,
) -> None:
    """Delete a client application with its codes, tokens and consents."""
    from homecloud.identity.clients import client_record, remove_client

    if not yes:
        typer.confirm(f"Delete client {client_id} and every token issued to it?", abort=True)

    async def remove(session: Any, client: Any) -> dict[str, Any]:
        record = client_record(client)
        await remove_client(session, client)
        return record

    _with_client(ctx, client_id, remove)
    out.print(f"removed client {client_id}")
