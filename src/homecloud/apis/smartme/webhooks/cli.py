"""``homecloud smartme deliveries`` and ``homecloud smartme receivers``: what became of a
user's realtime webhooks (the same as ``GET /RealtimeApiDeliveries`` and
``GET /RealtimeApiReceivers`` show them). The face's CLI group adds these commands with
:func:`add_commands`."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from homecloud.apis.smartme.webhooks import repository
from homecloud.apis.smartme.webhooks.models import WebhookRegistration
from homecloud.apis.smartme.webhooks.states import DELIVERY_STATES, STATE_NAMES, RegistrationType
from homecloud.cli.common import (
    Login,
    account,
    current_settings,
    fail,
    iso_utc,
    out,
    print_json,
    run_on_database,
)
from homecloud.core.database import Database
from homecloud.core.models import now_ms

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON (times in ms) for scripts.")]


def print_rows(rows: list[dict[str, Any]], as_json: bool, columns: tuple[str, ...]) -> None:
    if as_json:
        print_json(rows)
        return
    table = Table(*(column.replace("_", " ") for column in columns))
    for row in rows:
        table.add_row(
            *(
                iso_utc(row[c])
                if c.endswith("_at") and isinstance(row[c], int)
                else str(row[c] if row[c] is not None else "")
                for c in columns
            )
        )
    out.print(table)


async def owner_of(database: Database, login: str) -> int:
    async with database.session() as session:
        return (await account(session, login)).id


def deliveries(
    ctx: typer.Context,
    email: Login,
    state: Annotated[
        str | None, typer.Option(help=f"Only this state: {', '.join(DELIVERY_STATES)}.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="Most rows, newest first.")] = 50,
    as_json: AsJson = False,
) -> None:
    """The account's webhook deliveries, newest first, with their outcome."""
    wanted = None
    if state is not None:
        matches = [n for name, n in DELIVERY_STATES.items() if name.lower() == state.lower()]
        if not matches:
            fail(f"unknown state {state!r} (one of {', '.join(DELIVERY_STATES)})", code=2)
        wanted = matches[0]

    async def work(database: Database) -> list[dict[str, Any]]:
        owner = await owner_of(database, email)
        async with database.session() as session:
            found = await repository.deliveries_of(session, owner, state=wanted, limit=limit)
        return [
            {
                "id": item.id,
                "registration": item.registration_guid,
                "meter": item.device_guid,
                "reading_at": item.value_date_us // 1000,
                "state": STATE_NAMES.get(item.state, str(item.state)),
                "attempts": item.attempts,
                "status": item.last_status,
                "error": item.last_error,
                "finished_at": item.finished_at,
            }
            for item in found
        ]

    rows = run_on_database(current_settings(ctx), work)
    print_rows(
        rows,
        as_json,
        ("id", "meter", "reading_at", "state", "attempts", "status", "finished_at", "error"),
    )


def receivers(ctx: typer.Context, email: Login, as_json: AsJson = False) -> None:
    """The account's realtime registrations: backlog, failures, next try, disabled."""

    async def work(database: Database) -> list[dict[str, Any]]:
        owner = await owner_of(database, email)
        async with database.session() as session:
            pending = await repository.pending_counts(session, owner)
            found: list[WebhookRegistration] = await repository.registrations_of(session, owner)
        now = now_ms()
        return [
            {
                "id": item.guid,
                "url": item.api_url,
                "type": RegistrationType(item.registration_type).name,
                "pending": pending.get(item.id, 0),
                "failures": item.failures,
                "next_try_at": item.next_attempt_at if item.next_attempt_at > now else None,
                "disabled": item.disabled_reason,
            }
            for item in found
        ]

    rows = run_on_database(current_settings(ctx), work)
    print_rows(
        rows, as_json, ("id", "url", "type", "pending", "failures", "next_try_at", "disabled")
    )


def add_commands(app: typer.Typer) -> None:
    """Adds ``deliveries`` and ``receivers`` to the face's command group."""
    app.command("deliveries")(deliveries)
    app.command("receivers")(receivers)
