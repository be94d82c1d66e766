"""The ``homecloud`` command: serve, migrate, manage accounts.

Every command reads the same settings as ``serve`` (``HOMECLOUD_*`` variables and the optional
``--config`` TOML file), so ``homecloud user add`` works on the database the server uses.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import orjson
import typer
from rich.console import Console
from rich.table import Table

from homecloud import __version__
from homecloud.apis.nuheat import cli as nuheat_cli
from homecloud.apis.thingplus import simulator as thingplus_simulator
from homecloud.app import FACE_FACTORIES
from homecloud.core import migrations
from homecloud.core.database import Database, DatabaseUnavailable, describe_connection_error
from homecloud.core.models import User
from homecloud.core.users import (
    UserError,
    create_user,
    find_by_login,
    list_users,
    remove_user,
    set_password,
)
from homecloud.demo import DEMO_REDIRECT_URIS, Demo, prepare_demo
from homecloud.settings import ConfigurationError, Settings, load_settings

# Where each face's sign-in is described: its discovery document, or its login endpoint.
FACE_IDENTITY_LINKS = {
    "nuheat": "/nuheat/identity/.well-known/openid-configuration",
    "ckw": "/ckw/auth/realms/CKW/.well-known/openid-configuration",
    "mclimate": "/mclimate/v1/auth/login",
    "thingplus": "/thingplus/v2/oauth2/token",
    "smartme": "/smartme/.well-known/openid-configuration",
}
# Where the faces whose resource APIs have landed can be tried out.
FACE_API_LINKS: dict[str, tuple[tuple[str, str], ...]] = {
    "nuheat": (
        ("API", "/nuheat/api/v1/Thermostat"),
        ("Swagger UI", "/nuheat/swagger"),
        ("SignalR hub", "/nuheat/notificationsHost"),
        ("settings page", "/nuheat/console/settings"),
    ),
    "thingplus": (("API", "/thingplus/v2/gateways"),),
}

app = typer.Typer(
    name="homecloud",
    help="A self-hosted cloud for thermostats, AC controllers, IoT gateways and energy meters.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(
    help="User accounts (one per person, shared by every face).", no_args_is_help=True
)
client_app = typer.Typer(help="Client applications allowed to sign users in.", no_args_is_help=True)
keys_app = typer.Typer(help="Token signing keys.", no_args_is_help=True)
apikey_app = typer.Typer(
    help="smart-me API keys for users' scripts (Authorization: ApiKey <key>).",
    no_args_is_help=True,
)
cardtoken_app = typer.Typer(
    help="smart-me card access tokens (NFC cards); made through the API.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(client_app, name="client")
app.add_typer(keys_app, name="keys")
app.add_typer(apikey_app, name="apikey")
app.add_typer(cardtoken_app, name="cardtoken")
app.add_typer(thingplus_simulator.simulate_app, name="simulate")
app.add_typer(nuheat_cli.app, name="nuheat")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
T = TypeVar("T")


def fail(message: str, code: int = 1) -> NoReturn:
    # Plain write, not Rich: the message stays on one line whatever the terminal width.
    sys.stderr.write(f"homecloud: {message}\n")
    raise typer.Exit(code)


def current_settings(ctx: typer.Context, **overrides: Any) -> Settings:
    config: Path | None = ctx.find_root().obj
    try:
        return load_settings(config, **overrides)
    except ConfigurationError as exc:
        fail(str(exc), code=2)


async def ensure_schema(database: Database, settings: Settings) -> None:
    """The embedded SQLite database migrates itself; a PostgreSQL schema is the operator's
    to upgrade (``homecloud db upgrade``), since several nodes share it."""
    if settings.is_sqlite:
        await migrations.upgrade(database)
    elif await migrations.current_revision(database) != migrations.head_revision():
        fail("the PostgreSQL schema is not up to date: run `homecloud db upgrade` first")


def run_on_database(
    settings: Settings, work: Callable[[Database], Awaitable[T]], *, migrate: bool = True
) -> T:
    """Runs ``work`` on the configured database, turning an unreachable one into one line."""

    async def runner() -> T:
        database = Database(settings.effective_database_url)
        try:
            await database.ping()
            if migrate:
                await ensure_schema(database, settings)
            return await work(database)
        finally:
            await database.dispose()

    try:
        return asyncio.run(runner())
    except DatabaseUnavailable as exc:
        fail(f"cannot reach the database at {_display(settings)}: {exc}")
    except OSError as exc:
        fail(f"cannot open the database at {_display(settings)}: {describe_connection_error(exc)}")


def _display(settings: Settings) -> str:
    return Database.display_url_of(settings.effective_database_url)


def read_password(from_stdin: bool, *, confirm: bool = True) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            fail("no password on standard input", code=2)
        return password
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=confirm))


def version_callback(value: bool) -> None:
    if value:
        out.print(f"homecloud {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", help="TOML file with settings (overridden by HOMECLOUD_* variables)."
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=version_callback, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    ctx.obj = config


# ---------------------------------------------------------------------------------------- serve


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option(help="Interface to listen on [default: 127.0.0.1].")
    ] = None,
    port: Annotated[int | None, typer.Option(help="TCP port [default: 8080].")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    reload: Annotated[
        bool, typer.Option(help="Restart when the source changes (development).")
    ] = False,
    demo: Annotated[
        bool,
        typer.Option(
            help="Create the demo account (demo@homecloud.local; password from "
            "HOMECLOUD_DEMO_PASSWORD or generated) and print every URL and credential."
        ),
    ] = False,
) -> None:
    """Run the server. On SQLite the schema is brought up to date first."""
    overrides: dict[str, Any] = {}
    if host is not None:
        overrides["host"] = host
    if port is not None:
        overrides["port"] = port
    settings = current_settings(ctx, **overrides)
    from homecloud.core.observability import configure_logging

    configure_logging(settings.log_level, settings.log_format)

    async def prepare(database: Database) -> Demo | None:
        if demo:
            mounted = [face for face in settings.faces.enabled() if face in FACE_FACTORIES]
            return await prepare_demo(database, settings, mounted)
        return None

    demo_setup = run_on_database(settings, prepare)
    if workers > 1 and not settings.redis_url:
        err.print(
            "homecloud: note: without HOMECLOUD_REDIS_URL each worker keeps its own rate limits "
            "and change notifications reach only clients of the same worker",
            markup=False,
        )
    print_banner(settings, demo_setup)

    # Workers (and the reloader) build the app from the environment: hand them these settings.
    config: Path | None = ctx.find_root().obj
    if config is not None:
        os.environ["HOMECLOUD_CONFIG"] = str(config.resolve())
    for name, value in overrides.items():
        os.environ[f"HOMECLOUD_{name.upper()}"] = str(value)
    import uvicorn

    from homecloud.app import WEBSOCKET_IMPLEMENTATION

    uvicorn.run(
        "homecloud.app:create_app_from_environment",
        factory=True,
        ws=WEBSOCKET_IMPLEMENTATION,
        host=settings.host,
        port=settings.port,
        workers=workers if not reload else None,
        reload=reload,
        log_config=None,
        access_log=False,
        server_header=False,
        proxy_headers=True,
    )


def print_banner(settings: Settings, demo: Demo | None) -> None:
    base = settings.base_url
    table = Table(title=f"homecloud {__version__} at {base}", show_lines=False)
    table.add_column("what")
    # Long URLs wrap on a narrow terminal instead of being cut short with an ellipsis.
    table.add_column("where", overflow="fold")
    for name in settings.faces.enabled():
        if name in FACE_FACTORIES:
            table.add_row(f"{name} sign-in", base + FACE_IDENTITY_LINKS[name])
            for label, path in FACE_API_LINKS.get(name, ()):
                table.add_row(f"{name} {label}", base + path)
    table.add_row("health", f"{base}/healthz")
    table.add_row("readiness", f"{base}/readyz")
    table.add_row("metrics", f"{base}/metrics")
    table.add_row("database", _display(settings))
    if demo is not None:
        table.add_row("demo user", demo.user.email)
        table.add_row("demo password", demo.password)
        for client in demo.clients:
            table.add_row(f"{client.face} client", f"{client.client_id} / {client.client_secret}")
        table.add_row("demo redirect URIs", ", ".join(DEMO_REDIRECT_URIS))
    out.print(table)


# ------------------------------------------------------------------------------------------- db


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply every pending migration."""
    settings = current_settings(ctx)

    async def work(database: Database) -> str | None:
        await migrations.upgrade(database)
        return await migrations.current_revision(database)

    revision = run_on_database(settings, work, migrate=False)
    out.print(f"database {_display(settings)} is at revision {revision}")


@db_app.command("current")
def db_current(ctx: typer.Context) -> None:
    """Print the schema revision of the database and the newest one known."""
    settings = current_settings(ctx)
    revision = run_on_database(settings, migrations.current_revision, migrate=False)
    out.print(f"current: {revision or 'none (empty database)'}; head: {migrations.head_revision()}")


# ----------------------------------------------------------------------------------------- user


def user_record(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "timezone": user.timezone,
        "active": user.is_active,
        "created_at": user.created_at,
    }


def print_json(value: Any) -> None:
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="E-mail address; unique regardless of case.")],
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin", help="Read the password from the first line of standard input."
        ),
    ] = False,
    username: Annotated[
        str | None, typer.Option(help="Optional user name, a second login.")
    ] = None,
    first_name: Annotated[str, typer.Option(help="First name.")] = "",
    last_name: Annotated[str, typer.Option(help="Last name.")] = "",
    timezone: Annotated[str, typer.Option(help="IANA time zone of the account.")] = "UTC",
    as_json: Annotated[bool, typer.Option("--json", help="Print the new account as JSON.")] = False,
) -> None:
    """Create an account."""
    settings = current_settings(ctx)
    password = read_password(password_stdin)

    async def work(database: Database) -> User:
        async with database.session(write=True) as session:
            return await create_user(
                session,
                email,
                password,
                username=username,
                first_name=first_name,
                last_name=last_name,
                timezone=timezone,
            )

    try:
        user = run_on_database(settings, work)
    except UserError as exc:
        fail(str(exc), code=2)
    if as_json:
        print_json(user_record(user))
    else:
        out.print(f"created user {user.id} {user.email}")


@user_app.command("list")
def user_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List the accounts."""
    settings = current_settings(ctx)

    async def work(database: Database) -> list[dict[str, Any]]:
        async with database.session() as session:
            return [user_record(user) for user in await list_users(session)]

    records = run_on_database(settings, work)
    if as_json:
        print_json(records)
        return
    table = Table("id", "email", "username", "name", "time zone", "active")
    for record in records:
        name = f"{record['first_name']} {record['last_name']}".strip()
        table.add_row(
            str(record["id"]),
            record["email"],
            record["username"] or "",
            name,
            record["timezone"],
            "yes" if record["active"] else "no",
        )
    out.print(table)


async def _require_user(database: Database, login: str) -> None:
    async with database.session() as session:
        if await find_by_login(session, login) is None:
            raise UserError(f"no account {login!r}")


@user_app.command("passwd")
def user_passwd(
    ctx: typer.Context,
    login: Annotated[str, typer.Argument(help="E-mail address or user name.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the new password from standard input.")
    ] = False,
) -> None:
    """Set an account's password."""
    settings = current_settings(ctx)
    try:
        run_on_database(settings, lambda database: _require_user(database, login))
    except UserError as exc:
        fail(str(exc), code=2)
    password = read_password(password_stdin)

    async def work(database: Database) -> None:
        async with database.session(write=True) as session:
            user = await find_by_login(session, login)
            if user is None:
                raise UserError(f"no account {login!r}")
            await set_password(session, user, password)

    try:
        run_on_database(settings, work)
    except UserError as exc:
        fail(str(exc), code=2)
    out.print(f"password of {login} changed")


@user_app.command("remove")
def user_remove(
    ctx: typer.Context,
    login: Annotated[str, typer.Argument(help="E-mail address or user name.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete an account with all its devices and their data."""
    settings = current_settings(ctx)
    if not yes:
        typer.confirm(f"Delete {login} with all its devices and data?", abort=True)

    async def work(database: Database) -> None:
        async with database.session(write=True) as session:
            user = await find_by_login(session, login)
            if user is None:
                raise UserError(f"no account {login!r}")
            await remove_user(session, user)

    try:
        run_on_database(settings, work)
    except UserError as exc:
        fail(str(exc), code=2)
    out.print(f"removed {login}")


# --------------------------------------------------------------------------------------- client


def _print_client(record: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(record)
        return
    table = Table("field", "value", show_header=False)
    for key, value in record.items():
        table.add_row(key, " ".join(value) if isinstance(value, list) else str(value))
    out.print(table)
    if "client_secret" in record:
        out.print("The secret is shown only now; it is stored hashed.")


@client_app.command("add")
def client_add(
    ctx: typer.Context,
    face: Annotated[str, typer.Option(help="nuheat, mclimate, thingplus, ckw or smartme.")],
    name: Annotated[str, typer.Option(help="Shown to users on the consent page.")],
    redirect_uri: Annotated[
        list[str] | None, typer.Option("--redirect-uri", help="Exact redirect URI (repeatable).")
    ] = None,
    grant: Annotated[
        list[str] | None,
        typer.Option(
            "--grant",
            help="authorization_code, refresh_token, client_credentials, password or implicit (repeatable).",
        ),
    ] = None,
    scope: Annotated[
        str | None, typer.Option(help="Space-separated scopes [default: the face's usual set].")
    ] = None,
    public: Annotated[bool, typer.Option("--public", help="No secret; PKCE required.")] = False,
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
    from homecloud.identity.clients import ClientError, client_record, register_client
    from homecloud.identity.profiles import PROFILES

    settings = current_settings(ctx)
    if face not in PROFILES:
        fail(f"unknown face {face!r}; one of {', '.join(PROFILES)}", code=2)

    async def work(database: Database) -> dict[str, Any]:
        async with database.session(write=True) as session:
            owner_id = None
            if owner is not None:
                user = await find_by_login(session, owner)
                if user is None:
                    raise ClientError(f"no account {owner!r}")
                owner_id = user.id
            issued = await register_client(
                session,
                face=face,
                name=name,
                redirect_uris=redirect_uri or [],
                grant_types=grant or ["authorization_code", "refresh_token"],
                scope=PROFILES[face].default_client_scope if scope is None else scope,
                public=public,
                owner_id=owner_id,
                require_consent=not no_consent,
            )
            return client_record(issued.client, issued.client_secret)

    try:
        record = run_on_database(settings, work)
    except ClientError as exc:
        fail(str(exc), code=2)
    _print_client(record, as_json)


@client_app.command("list")
def client_list(
    ctx: typer.Context,
    face: Annotated[str | None, typer.Option(help="Only this face's clients.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List client applications (never their secrets)."""
    from homecloud.identity.clients import client_record, list_clients

    settings = current_settings(ctx)

    async def work(database: Database) -> list[dict[str, Any]]:
        async with database.session() as session:
            return [client_record(client) for client in await list_clients(session, face=face)]

    records = run_on_database(settings, work)
    if as_json:
        print_json(records)
        return
    table = Table("client_id", "face", "name", "grants", "redirect URIs")
    for record in records:
        table.add_row(
            record["client_id"],
            record["face"],
            record["name"],
            " ".join(record["grant_types"]),
            " ".join(record["redirect_uris"]),
        )
    out.print(table)


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

    try:
        return run_on_database(settings, work)
    except ClientError as exc:
        fail(str(exc), code=2)


@client_app.command("show")
def client_show(
    ctx: typer.Context,
    client_id: Annotated[str, typer.Argument(help="The client's id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
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
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
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
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
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


# ----------------------------------------------------------------------------------------- keys


@keys_app.command("list")
def keys_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List signing keys: active ones sign, retired ones only verify until they expire."""
    from homecloud.identity.keys import KeyStore
    from homecloud.identity.provider import REQUIRED_KEYS

    settings = current_settings(ctx)

    async def work(database: Database) -> list[dict[str, Any]]:
        store = KeyStore(database)
        await store.load(ensure=REQUIRED_KEYS)
        return [
            {
                "kid": k.kid,
                "purpose": k.purpose,
                "alg": k.alg,
                "created_at": k.created_at,
                "retired_at": k.retired_at,
            }
            for k in store.all_keys()
        ]

    records = run_on_database(settings, work)
    if as_json:
        print_json(records)
        return
    table = Table("kid", "purpose", "alg", "state")
    for record in records:
        table.add_row(
            record["kid"],
            record["purpose"],
            record["alg"],
            "retired" if record["retired_at"] else "active",
        )
    out.print(table)


@keys_app.command("rotate")
def keys_rotate(
    ctx: typer.Context,
    purpose: Annotated[
        str, typer.Option(help="shared (RS256, the OIDC faces) or thingplus (HS256).")
    ] = "shared",
    keep_hours: Annotated[
        int | None,
        typer.Option(
            help="Hours the old key keeps verifying (default: as long as its longest token)."
        ),
    ] = None,
) -> None:
    """Start signing with a new key; the old one stays published until its tokens expire."""
    from homecloud.identity.keys import KeyStore
    from homecloud.identity.profiles import PROFILES

    settings = current_settings(ctx)
    if purpose not in ("shared", "thingplus"):
        fail("purpose must be shared or thingplus", code=2)
    if keep_hours is not None and keep_hours < 1:
        fail("--keep-hours must be at least 1", code=2)
    alg = "RS256" if purpose == "shared" else "HS256"
    signed_by_it = [
        p
        for p in PROFILES.values()
        if (p.signing_alg == "RS256") == (purpose == "shared") and p.token_format == "jwt"
    ]
    longest = max(
        max([p.access_token_lifetime, *p.lifetime_by_grant.values()]) for p in signed_by_it
    )
    keep = keep_hours * 3600 if keep_hours else max(longest, 3600)

    async def work(database: Database) -> str:
        return await KeyStore(database).rotate(purpose, alg, keep_published_seconds=keep)

    kid = run_on_database(settings, work)
    out.print(
        f"new {alg} key {kid} signs from now on; the previous one verifies for {keep // 3600} more hours"
    )


# ------------------------------------------------------------------------ apikey, cardtoken

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

    try:
        record = run_on_database(settings, work)
    except CredentialError as exc:
        fail(str(exc), code=2)
    if as_json:
        print_json(record)
        return
    table = Table("field", "value", show_header=False)
    for key, value in record.items():
        table.add_row(key, str(value))
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
    from homecloud.identity.credentials import CredentialError, list_api_keys

    settings = current_settings(ctx)

    async def work(database: Database) -> list[dict[str, Any]]:
        async with database.session() as session:
            user_id = await _owner_id(session, owner)
            emails = await _owner_emails(session)
            keys = await list_api_keys(session, face=CREDENTIALS_FACE, user_id=user_id)
            return [_api_key_record(key, emails.get(key.user_id, "")) for key in keys]

    try:
        records = run_on_database(settings, work)
    except CredentialError as exc:
        fail(str(exc), code=2)
    if as_json:
        print_json(records)
        return
    table = Table("id", "owner", "name", "scope")
    for record in records:
        table.add_row(str(record["id"]), record["owner"], record["name"], record["scope"])
    out.print(table)


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

    try:
        run_on_database(settings, work)
    except CredentialError as exc:
        fail(str(exc), code=2)
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
    from homecloud.identity.credentials import CredentialError, list_card_tokens

    settings = current_settings(ctx)

    async def work(database: Database) -> list[dict[str, Any]]:
        async with database.session() as session:
            user_id = await _owner_id(session, owner)
            emails = await _owner_emails(session)
            tokens = await list_card_tokens(session, face=CREDENTIALS_FACE, user_id=user_id)
            return [_card_token_record(token, emails.get(token.user_id, "")) for token in tokens]

    try:
        records = run_on_database(settings, work)
    except CredentialError as exc:
        fail(str(exc), code=2)
    if as_json:
        print_json(records)
        return
    table = Table("id", "owner", "card id")
    for record in records:
        table.add_row(str(record["id"]), record["owner"], str(record["card_id"]))
    out.print(table)


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

    try:
        run_on_database(settings, work)
    except CredentialError as exc:
        fail(str(exc), code=2)
    out.print(f"removed card token {token_id}")


def main() -> None:
    app()
