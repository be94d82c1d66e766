"""``homecloud mclimate ...``: the MClimate face's simulated controllers."""

from __future__ import annotations

from typing import Annotated

import typer

from homecloud.apis.mclimate import repository
from homecloud.apis.mclimate.kinds import KINDS
from homecloud.apis.mclimate.provision import add_controller
from homecloud.apis.mclimate.settings import MClimateSettings
from homecloud.cli.common import Login, account, current_settings, fail, out, run_on_database
from homecloud.core.database import Database
from homecloud.core.devices import DeviceError, DeviceRegistry

app = typer.Typer(
    help="MClimate controllers (Melissa, Bobbie, smart plug, Vicki).", no_args_is_help=True
)


@app.command("add-controller")
def add(
    ctx: typer.Context,
    email: Login,
    serial: Annotated[str, typer.Option(help="Serial number, unique among MClimate controllers.")],
    kind: Annotated[
        str, typer.Option("--type", help=f"Device type: {', '.join(KINDS)}.")
    ] = "melissa",
    name: Annotated[str | None, typer.Option(help="Name [default: the vendor's].")] = None,
) -> None:
    """Add a simulated controller; its first state comes from the simulation seed."""
    settings = current_settings(ctx)
    if kind not in KINDS:
        fail(f"unknown type {kind!r}; one of {', '.join(KINDS)}", code=2)
    seed = settings.face_settings(MClimateSettings).simulation_seed

    async def work(database: Database) -> None:
        async with database.session(write=True) as session:
            user = await account(session, email)
            await add_controller(session, user.id, kind, serial, name=name, seed=seed)

    run_on_database(settings, work, refusing=DeviceError)
    out.print(f"{kind} {serial} added for {email}", markup=False)


@app.command("list")
def list_controllers(
    ctx: typer.Context,
    email: Login,
) -> None:
    """The owner's controllers: serial number, type and name."""
    settings = current_settings(ctx)

    async def work(database: Database) -> list[tuple[str, str, str]]:
        async with database.session() as session:
            user = await account(session, email)
            devices = await DeviceRegistry(session, user.id).list(repository.FACE)
            return [(device.serial, device.kind, device.name) for device in devices]

    for serial, kind, name in run_on_database(settings, work):
        out.print(f"{serial}  {kind}  {name}", markup=False)
