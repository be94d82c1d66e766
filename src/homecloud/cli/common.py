"""What every command shares: settings, the database, one-line errors, output."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import orjson
import typer
from rich.console import Console

from homecloud.core import migrations
from homecloud.core.database import Database, DatabaseUnavailable, describe_connection_error
from homecloud.settings import ConfigurationError, Settings, load_settings

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
        fail(f"cannot reach the database at {database_display(settings)}: {exc}")
    except OSError as exc:
        fail(
            f"cannot open the database at {database_display(settings)}: {describe_connection_error(exc)}"
        )


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
