"""``homecloud smartme deliveries`` / ``receivers``: a user's deliveries and outcomes."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
from typer.testing import CliRunner

from homecloud.cli.main import app
from homecloud.core import migrations
from homecloud.core.database import Database
from homecloud.core.users import get_user

from .helpers import new_meter, new_user, reading, record, register, worker_for


async def test_deliveries_and_receivers_show_each_outcome(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'homecloud.db'}")
    await migrations.upgrade(database)
    owner = await new_user(database)
    meter = await new_meter(database, owner)
    made = await register(database, owner, {"ApiUrl": "http://127.0.0.1:9/hook"})
    await record(database, [reading(owner, meter, 0)])

    async def refuse(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(503)

    worker, sender = worker_for(database, refuse)
    await worker.deliver_due(sender)
    async with database.session() as session:
        user = await get_user(session, owner)
    assert user is not None
    await database.dispose()

    env = {
        "HOMECLOUD_DATA_DIR": str(tmp_path),
        "HOMECLOUD_DATABASE_URL": f"sqlite:///{tmp_path / 'homecloud.db'}",
    }
    runner = CliRunner()
    shown = await asyncio.to_thread(
        runner.invoke, app, ["smartme", "deliveries", "--email", user.email, "--json"], env=env
    )
    assert shown.exit_code == 0, shown.stderr
    (row,) = json.loads(shown.stdout)
    assert row["meter"] == str(meter)
    assert row["state"] == "Pending"
    assert row["status"] == 503
    assert row["attempts"] == 1
    listed = await asyncio.to_thread(
        runner.invoke, app, ["smartme", "receivers", "--email", user.email, "--json"], env=env
    )
    assert listed.exit_code == 0, listed.stderr
    (receiver,) = json.loads(listed.stdout)
    assert receiver["id"] == made.guid
    assert receiver["type"] == "UserRegistration"
    assert receiver["pending"] == 1
    assert receiver["failures"] == 1
    assert receiver["next_try_at"] is not None
    unknown = await asyncio.to_thread(
        runner.invoke, app, ["smartme", "deliveries", "--email", "nobody@example.com"], env=env
    )
    assert unknown.exit_code == 2
    assert "no account" in unknown.stderr
    bad_state = await asyncio.to_thread(
        runner.invoke,
        app,
        ["smartme", "deliveries", "--email", user.email, "--state", "x"],
        env=env,
    )
    assert bad_state.exit_code == 2
