"""The demo account's CKW household: two years of deliveries back-filled through the core
series writer, the seed's "PKCE optional" client, and nothing done twice."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from homecloud.apis.ckw import demo
from homecloud.apis.ckw.demo import SEED_CLIENT_ID, LateProgress, history_start, seed_demo
from homecloud.apis.ckw.query import ZONE
from homecloud.apis.ckw.settings import CkwSettings
from homecloud.apis.ckw.simulation import delivery_horizon
from homecloud.cli.main import app as cli_app
from homecloud.core.models import now_ms
from homecloud.core.users import create_user
from homecloud.identity.clients import get_client
from homecloud.services import Services


@pytest.mark.slow
async def test_the_demo_backfills_two_years_once(core: Services) -> None:
    async with core.database.session(write=True) as session:
        user = await create_user(session, "demo@example.com", "demo-password-1", username="demo")
    await seed_demo(core.database, core.settings, user)
    now = now_ms()
    rows = await core.database.fetch(
        "SELECT energy_direction, valid_from, delivered_until FROM ckw_metering_points ORDER BY id"
    )
    horizon = delivery_horizon(now, core.settings.face_settings(CkwSettings))
    assert [row[0] for row in rows] == ["consumption", "production"]
    for _, valid_from, delivered_until in rows:
        assert valid_from == history_start(now)
        assert delivered_until == horizon
    start = datetime.fromtimestamp(rows[0][1] / 1000, ZONE)
    assert (start.hour, start.minute) == (0, 0)
    assert (datetime.now(ZONE).date() - start.date()).days == demo.HISTORY_DAYS
    [(points,)] = await core.database.fetch("SELECT COUNT(*) FROM series_points")
    quarter_hours = 2 * (horizon - history_start(now)) // 900_000
    assert quarter_hours * 0.98 < points <= quarter_hours * 1.01  # values plus estimate marks
    async with core.database.session() as session:
        client = await get_client(session, SEED_CLIENT_ID)
    assert client is not None
    assert client.secret_hash is None
    assert client.pkce_optional
    # Again: nothing new, nothing twice.
    await seed_demo(core.database, core.settings, user)
    assert await core.database.fetch("SELECT COUNT(*) FROM series_points") == [(points,)]
    assert len(await core.database.fetch("SELECT id FROM ckw_customers")) == 1


def test_the_progress_bar_appears_only_for_long_work(monkeypatch: pytest.MonkeyPatch) -> None:
    quick = LateProgress("history", 100)
    quick.advance(50)
    assert quick.bar is None  # under a second: no bar
    quick.close()
    monkeypatch.setattr(demo, "PROGRESS_AFTER_SECONDS", 0.0)
    slow = LateProgress("history", 100)
    slow.advance(50)
    slow.advance(25)
    assert slow.bar is not None
    assert slow.bar.tasks[0].completed == 75
    slow.close()


def test_the_cli_makes_an_account_a_customer_with_a_month_of_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("HOMECLOUD_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOMECLOUD_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    made = runner.invoke(
        cli_app, ["user", "add", "ann@example.com", "--password-stdin"], input="password-1\n"
    )
    assert made.exit_code == 0, made.output + made.stderr
    added = runner.invoke(
        cli_app,
        ["ckw", "add-customer", "--email", "ann@example.com", "--pv", "--history-days", "3"],
    )
    assert added.exit_code == 0, added.output + added.stderr
    assert added.stdout.count("metering point CH10021012345") == 2
    again = runner.invoke(cli_app, ["ckw", "add-customer", "--email", "ann@example.com"])
    assert again.exit_code == 2
    assert "customer already" in again.stderr
    nobody = runner.invoke(cli_app, ["ckw", "add-customer", "--email", "bob@example.com"])
    assert nobody.exit_code == 2
    assert "no account" in nobody.stderr
