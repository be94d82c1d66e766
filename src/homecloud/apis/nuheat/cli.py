"""``homecloud nuheat ...``: thermostats and account settings of the Nuheat face."""

from __future__ import annotations

from typing import Annotated

import typer

from homecloud.apis.nuheat import repository
from homecloud.apis.nuheat.preferences import PreferenceError, update_preferences
from homecloud.apis.nuheat.provision import add_group, add_thermostat
from homecloud.cli.common import Login, account, current_settings, out, run_on_database
from homecloud.core.database import Database
from homecloud.core.models import now_ms

app = typer.Typer(help="Nuheat thermostats and account settings.", no_args_is_help=True)


@app.command("add-thermostat")
def add(
    ctx: typer.Context,
    email: Login,
    serial: Annotated[str, typer.Option(help="Serial number, unique among Nuheat thermostats.")],
    name: Annotated[str, typer.Option(help="Room name.")],
    group: Annotated[
        str, typer.Option(help="Group (house) name; made if the owner has none.")
    ] = "Home",
    timezone: Annotated[
        str | None, typer.Option(help="IANA time zone [default: the owner's].")
    ] = None,
) -> None:
    """Add a simulated thermostat with the default weekly schedule."""
    settings = current_settings(ctx)

    async def work(database: Database) -> None:
        async with database.session(write=True) as session:
            user = await account(session, email)
            groups = [g for g in await repository.groups(session, user.id) if g.name == group]
            home = groups[0] if groups else await add_group(session, user.id, group)
            await add_thermostat(
                session,
                user.id,
                serial,
                name,
                group_id=home.id,
                tz=timezone or user.timezone,
                started_ms=now_ms(),
            )

    # A taken serial (DeviceError) or a name that is no time zone (ValueError).
    run_on_database(settings, work, refusing=ValueError)
    out.print(f"thermostat {serial} ({name}) added for {email}", markup=False)


@app.command("energy-settings")
def energy_settings(
    ctx: typer.Context,
    email: Login,
    kwh_rate: Annotated[
        float | None, typer.Option(min=0, help="Price of a kWh, in cents (chargeKWattHour).")
    ] = None,
    floor_area: Annotated[
        float | None, typer.Option(min=0, help="Heated floor area (e.g. in ft² or m²).")
    ] = None,
    watt_density: Annotated[
        float | None,
        typer.Option(min=0, help="Heating mat power per unit of that area (e.g. 12 W/ft²)."),
    ] = None,
    monday_first: Annotated[
        bool | None,
        typer.Option("--monday-first/--sunday-first", help="Where the energy log's weeks begin."),
    ] = None,
) -> None:
    """Set what the energy log estimates kWh and cost from (people set the same on the
    settings page, /nuheat/console/settings); prints the settings in force."""
    settings = current_settings(ctx)
    options = {
        "kwhRate": kwh_rate,
        "floorArea": floor_area,
        "wattDensity": watt_density,
        "mondayIsFirstDay": monday_first,
    }
    given = {key: value for key, value in options.items() if value is not None}

    async def work(database: Database) -> dict[str, object]:
        async with database.session(write=True) as session:
            return update_preferences(await account(session, email), given)

    stored = run_on_database(settings, work, refusing=PreferenceError)
    for key in ("kwhRate", "floorArea", "wattDensity", "mondayIsFirstDay"):
        out.print(f"{key}: {stored.get(key, '-')}", markup=False)
