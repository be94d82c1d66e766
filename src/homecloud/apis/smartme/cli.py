"""``homecloud smartme ...``: the smart-me meters of an account (list, add a simulated one,
switch one), and what became of its realtime webhooks (``deliveries``, ``receivers``)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from homecloud.apis.smartme import obis, service
from homecloud.apis.smartme.demo import add_simulated_meter
from homecloud.apis.smartme.families import SIMULATED
from homecloud.apis.smartme.webhooks.cli import add_commands
from homecloud.apis.smartme.wire import format_date
from homecloud.cli.common import (
    AsJson,
    Login,
    account,
    current_settings,
    fail,
    out,
    print_json,
    run_on_database,
)
from homecloud.core.database import Database
from homecloud.core.errors import ApiError
from homecloud.core.events import InProcessBus
from homecloud.core.unit_of_work import UnitOfWork

app = typer.Typer(help="smart-me meters and realtime webhooks.", no_args_is_help=True)
add_commands(app)

FAMILY_NAMES = [family.key for family in SIMULATED]


def _record(meter: service.Meter) -> dict[str, Any]:
    date = meter.row.value_date_us
    return {
        "id": meter.guid,
        "serial": meter.row.serial,
        "name": meter.device.name,
        "family": meter.device.kind,
        "value_date": format_date(date) if date is not None else "-",
        "switched_on": meter.row.latest.get(obis.SWITCH.hex, "-"),
    }


@app.command("meters")
def meters(
    ctx: typer.Context,
    email: Login,
    as_json: AsJson = False,
) -> None:
    """List the account's meters and its root folder (the id GET /Folder/{id} sums)."""

    async def work(database: Database) -> tuple[str, list[dict[str, Any]]]:
        async with UnitOfWork.begin(database, InProcessBus(), write=False) as unit:
            user = await account(await unit.session(), email)
            found = await service.meters(unit, user.id)
            return str(service.root_folder(user.id)), [_record(meter) for meter in found]

    folder, records = run_on_database(current_settings(ctx), work)
    if as_json:
        print_json({"folder": folder, "meters": records})
        return
    table = Table("id", "serial", "name", "family", "value date", "switched on")
    for record in records:
        table.add_row(*(str(value) for value in record.values()))
    out.print(table)
    out.print(f"root folder: {folder}", markup=False)


@app.command("add-meter")
def add_meter(
    ctx: typer.Context,
    email: Login,
    family: Annotated[str, typer.Option(help=f"What kind of meter: {', '.join(FAMILY_NAMES)}.")],
    name: Annotated[str | None, typer.Option(help="Its name [default: the family's].")] = None,
    serial: Annotated[int | None, typer.Option(min=0, help="Its serial [default: new].")] = None,
) -> None:
    """Add a simulated meter to the account; it reports from now on."""
    chosen = next((f for f in SIMULATED if f.key == family), None)
    if chosen is None:
        fail(f"no meter family {family!r}; there are {', '.join(FAMILY_NAMES)}", code=2)

    async def work(database: Database) -> dict[str, Any]:
        async with UnitOfWork.begin(database, InProcessBus()) as unit:
            user = await account(await unit.session(), email)
            zone = user.timezone if user.timezone != "UTC" else "Europe/Zurich"
            meter = await add_simulated_meter(
                unit, user.id, chosen, at=datetime.now(UTC), name=name, serial=serial, timezone=zone
            )
            return _record(meter)

    record = run_on_database(current_settings(ctx), work, refusing=ApiError)
    out.print(f"meter {record['id']} (serial {record['serial']}) added for {email}", markup=False)


@app.command("switch")
def switch(
    ctx: typer.Context,
    email: Login,
    meter: Annotated[str, typer.Option(help="The meter's id (GUID).")],
    on: Annotated[bool, typer.Option("--on/--off", help="Switch on or off.")],
    phase: Annotated[
        int | None, typer.Option(min=1, max=3, help="One phase only (1 = L1 ... 3 = L3).")
    ] = None,
) -> None:
    """Switch a meter, as POST /Actions does."""
    try:
        guid = uuid.UUID(meter)
    except ValueError:
        fail(f"{meter!r} is not a meter id (a GUID)", code=2)
    code = obis.SWITCH.hex if phase is None else f"63000C000{phase}FF"

    async def work(database: Database) -> None:
        async with UnitOfWork.begin(database, InProcessBus()) as unit:
            user = await account(await unit.session(), email)
            await service.switch(unit, user.id, guid, [(code, 1.0 if on else 0.0)])

    run_on_database(current_settings(ctx), work, refusing=ApiError)
    out.print(f"meter {guid} switched {'on' if on else 'off'}", markup=False)
