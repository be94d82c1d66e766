"""``homecloud ckw ...``: make an account a CKW customer with simulated smart meters."""

from __future__ import annotations

import zlib
from typing import Annotated

import typer

from homecloud.apis.ckw import service
from homecloud.apis.ckw.demo import LateProgress, history_start
from homecloud.apis.ckw.settings import CkwSettings
from homecloud.apis.ckw.simulation import deliver, delivery_horizon
from homecloud.cli.common import Login, account, current_settings, out, run_on_database
from homecloud.core.database import Database
from homecloud.core.errors import ApiError
from homecloud.core.events import InProcessBus
from homecloud.core.models import now_ms
from homecloud.core.unit_of_work import UnitOfWork

app = typer.Typer(help="CKW customers and their smart meters.", no_args_is_help=True)


@app.command("add-customer")
def add_customer(
    ctx: typer.Context,
    email: Login,
    pv: Annotated[bool, typer.Option("--pv", help="Also a PV plant (a production meter).")] = False,
    history_days: Annotated[
        int, typer.Option(min=0, max=3660, help="Days of past values the meters have sent.")
    ] = 30,
    street: Annotated[str, typer.Option(help="The installation's street.")] = "Musterweg 1",
    zip_code: Annotated[str, typer.Option("--zip", help="Its postal code.")] = "6003",
    city: Annotated[str, typer.Option(help="Its town.")] = "Luzern",
) -> None:
    """Make the account a CKW customer: an installation with a simulated household meter
    (and a PV meter with --pv), whose past values are delivered at once; the server delivers
    the following days as they end."""
    settings = current_settings(ctx)
    face_settings = settings.face_settings(CkwSettings)

    async def work(database: Database) -> list[str]:
        async with database.session() as session:
            user = await account(session, email)
        now = now_ms()
        # From local midnight history_days ago; with none, from the next delivery on.
        start = history_start(now, history_days)
        async with UnitOfWork.begin(database, InProcessBus()) as unit:
            points = await service.provision_customer(
                unit,
                user.id,
                valid_from_ms=start,
                with_pv=pv,
                seed=zlib.crc32(user.email_key.encode()),
                street=street,
                zip_code=zip_code,
                city=city,
            )
        span = max(0, delivery_horizon(now, face_settings) - start)
        progress = LateProgress("CKW meter history", span * len(points))
        try:
            await deliver(database, now, face_settings, on_progress=progress.advance)
        finally:
            progress.close()
        return [point.metering_point_id for point in points]

    for point in run_on_database(settings, work, refusing=ApiError):
        out.print(f"metering point {point} added for {email}", markup=False)
