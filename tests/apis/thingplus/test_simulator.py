"""The gateway simulator against a live server, through the public API only."""

from __future__ import annotations

from sqlalchemy import func, select
from typer.testing import CliRunner

from homecloud.apis.thingplus.simulation import simulate
from homecloud.cli.main import app
from homecloud.core.database import Database
from homecloud.core.models import SeriesPoint
from homecloud.core.users import create_user
from tests.conftest import LiveServer

PASSWORD = "simulated-1"


async def add_account(live_server: LiveServer) -> None:
    database = Database(live_server.settings.effective_database_url)
    try:
        async with database.session(write=True) as session:
            await create_user(session, "gw@example.com", PASSWORD, username="gw")
    finally:
        await database.dispose()


async def stored_values(live_server: LiveServer) -> int:
    database = Database(live_server.settings.effective_database_url)
    try:
        async with database.session() as session:
            return int(await session.scalar(select(func.count()).select_from(SeriesPoint)) or 0)
    finally:
        await database.dispose()


async def test_gateways_register_and_report_their_first_interval(live_server: LiveServer) -> None:
    await add_account(live_server)
    lines: list[str] = []
    stats = await simulate(
        live_server.url, "gw", PASSWORD, 2, 3, 1.0, 60, 0.0, seed=7, echo=lines.append
    )
    assert stats.errors == 0
    # A first report covers one to two report intervals of one value a second per sensor.
    assert 2 * 3 * 60 <= stats.values <= 2 * 3 * 120
    # Per gateway: its status, and each sensor's status and series.
    assert stats.requests == 2 * (1 + 3 * 2)
    assert lines[0].startswith("registered 2 gateways with 3 sensors each")
    # Every value acknowledged is stored.
    assert await stored_values(live_server) == stats.values
    # Run again: the simulator makes its client anew and adds two more gateways.
    again = await simulate(
        live_server.url, "gw", PASSWORD, 2, 1, 1.0, 60, 0.0, seed=8, echo=lines.append
    )
    assert again.errors == 0


def test_the_command_says_what_is_wrong(live_server: LiveServer) -> None:
    result = CliRunner().invoke(
        app,
        ["simulate", "thingplus", "--login", "nobody", "--url", live_server.url, "--duration", "0"],
        env={"HOMECLOUD_SIMULATE_PASSWORD": "wrong-password"},
    )
    assert result.exit_code == 1
    assert "cannot sign in as nobody" in result.output
