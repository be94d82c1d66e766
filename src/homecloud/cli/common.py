"""What every command shares: settings, the database, one-line errors, output."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import orjson
import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from homecloud.core import migrations
from homecloud.core.database import Database, DatabaseUnavailable, describe_connection_error
from homecloud.core.models import User
from homecloud.core.users import find_by_login
from homecloud.settings import ConfigurationError, Settings, load_settings

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
T = TypeVar("T")

# Options many commands take, declared once so that they read and behave alike everywhere.
Login = Annotated[str, typer.Option("--email", help="The account's e-mail address or user name.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


def fail(message: str, code: int = 1) -> NoReturn:
    # Plain write, not Rich: the message stays on one line whatever the terminal width.
    sys.stderr.write(f"homecloud: {message}\n")
    raise typer.Exit(code)


class Refused(Exception):
    """What a command was asked to do and cannot (an account that does not exist): one line
    and exit code 2, from :func:`run_on_database`."""


async def account(session: AsyncSession, login: str) -> User:
    """The account ``login`` (an e-mail address or user name) names; :class:`Refused` when
    none does."""
    user = await find_by_login(session, login)
    if user is None:
        raise Refused(f"no account {login!r}")
    return user


async def account_id(session: AsyncSession, login: str | None) -> int | None:
    """The id of the account ``login`` names, or None when no login is given (an option left
    out); :class:`Refused` when it names none."""
    return (await account(session, login)).id if login is not None else None


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
    settings: Settings,
    work: Callable[[Database], Awaitable[T]],
    *,
    migrate: bool = True,
    refusing: type[Exception] | tuple[type[Exception], ...] = (),
) -> T:
    """Runs ``work`` on the configured database, turning an unreachable one into one line, and
    a refusal ``work`` raises (:class:`Refused`, or one of ``refusing``: an unknown client or
    key, a serial taken, a bad value) into one line and exit code 2. A refusal raised in a
    write session rolls it back: a command refused halfway leaves nothing behind."""

    refused: tuple[type[Exception], ...] = (Refused, *as_tuple(refusing))

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
    except refused as exc:
        fail(str(exc), code=2)
    except DatabaseUnavailable as exc:
        fail(f"cannot reach the database at {database_display(settings)}: {exc}")
    except OSError as exc:
        fail(
            f"cannot open the database at {database_display(settings)}: {describe_connection_error(exc)}"
        )


def as_tuple(
    kinds: type[Exception] | tuple[type[Exception], ...],
) -> tuple[type[Exception], ...]:
    return kinds if isinstance(kinds, tuple) else (kinds,)


def database_display(settings: Settings) -> str:
    return Database.display_url_of(settings.effective_database_url)


def read_password(from_stdin: bool, *, confirm: bool = True) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            fail("no password on standard input", code=2)
        return password
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=confirm))


def iso_utc(milliseconds: int) -> str:
    """A stored Unix-millisecond time as ISO 8601 in UTC, to the second."""
    moment = datetime.fromtimestamp(milliseconds / 1000, UTC).replace(microsecond=0)
    return moment.isoformat().replace("+00:00", "Z")


def shown(key: str, value: Any) -> str:
    """A record's field as a table shows it: lists space-separated, ``*_at`` times in ISO 8601
    (JSON output keeps the stored milliseconds for scripts)."""
    if isinstance(value, list):
        return " ".join(str(item) for item in value)
    if key.endswith("_at") and isinstance(value, int):
        return iso_utc(value)
    return str(value)


def print_json(value: Any) -> None:
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")


def print_records(
    records: list[dict[str, Any]],
    as_json: bool,
    headers: Sequence[str],
    row: Callable[[dict[str, Any]], Sequence[str]],
) -> None:
    """A listing: the records as JSON, or a table of ``headers`` with a ``row`` a record."""
    if as_json:
        print_json(records)
        return
    table = Table(*headers)
    for record in records:
        table.add_row(*row(record))
    out.print(table)


def remove_after_asking(
    ctx: typer.Context,
    question: str,
    yes: bool,
    found: Callable[[Any], Awaitable[Any]],
    remove: Callable[[Any, Any], Awaitable[None]],
    missing: Exception,
    done: str,
) -> None:
    """Asks ``question`` (unless ``yes``), then removes what ``found`` finds in one write
    session; nothing found is refused with ``missing`` (exit code 2)."""
    settings = current_settings(ctx)
    if not yes:
        typer.confirm(question, abort=True)

    async def work(database: Database) -> None:
        async with database.session(write=True) as session:
            item = await found(session)
            if item is None:
                raise missing
            await remove(session, item)

    run_on_database(settings, work, refusing=type(missing))
    out.print(done)


def print_record(record: dict[str, Any], as_json: bool, note: str | None = None) -> None:
    """One record: as JSON, or as a table of its fields followed by ``note``."""
    if as_json:
        print_json(record)
        return
    table = Table("field", "value", show_header=False)
    for key, value in record.items():
        table.add_row(key, shown(key, value))
    out.print(table)
    if note:
        out.print(note)
