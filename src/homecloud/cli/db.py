"""``homecloud db``: the database schema."""

from __future__ import annotations

import typer

from homecloud.cli.common import (
    current_settings,
    database_display,
    out,
    run_on_database,
)
from homecloud.core import migrations
from homecloud.core.database import Database

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply every pending migration."""
    settings = current_settings(ctx)

    async def work(database: Database) -> str | None:
        await migrations.upgrade(database)
        return await migrations.current_revision(database)

    revision = run_on_database(settings, work, migrate=False)
    out.print(f"database {database_display(settings)} is at revision {revision}")


@db_app.command("current")
def db_current(ctx: typer.Context) -> None:
    """Print the schema revision of the database and the newest one known."""
    settings = current_settings(ctx)
    revision = run_on_database(settings, migrations.current_revision, migrate=False)
    out.print(f"current: {revision or 'none (empty database)'}; head: {migrations.head_revision()}")
