"""The demo's thermostats and history, and ``homecloud nuheat energy-settings``."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from homecloud.apis.nuheat import demo, repository
from homecloud.cli.main import app
from homecloud.core.database import Database
from homecloud.core.models import SeriesPoint, User
from homecloud.core.users import create_user, find_by_login
from homecloud.settings import Settings
from tests.conftest import add_ann


def test_the_demo_keeps_at_least_thirteen_months_of_history() -> None:
    assert demo.HISTORY_DAYS >= 396


async def test_the_demo_seeder_is_idempotent(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "HISTORY_DAYS", 10)  # the shape of the history, quickly
    async with database.session(write=True) as session:
        user = await create_user(
            session, "demo@example.com", "password-1", timezone="Europe/Zurich"
        )
    settings = Settings(data_dir=tmp_path)
    await demo.seed_demo(database, settings, user)

    async def counts() -> tuple[list[str], int, int]:
        async with database.session() as session:
            thermostats = await repository.thermostats(session, user.id)
            groups = await repository.groups(session, user.id)
            points = await session.scalar(select(func.count()).select_from(SeriesPoint))
        return [t.name for t in thermostats], len(groups), int(points or 0)

    names, groups, points = await counts()
    assert (names, groups) == (list(demo.ROOMS), 1)
    assert 3 * 10 * 24 <= points <= 3 * 11 * 24
    await demo.seed_demo(database, settings, user)
    assert await counts() == (names, groups, points)


async def _preferences_of_ann(data: Path) -> dict[str, object]:
    database = Database(Settings(data_dir=data).effective_database_url)
    async with database.session() as session:
        user = await find_by_login(session, "ann@example.com")
        assert isinstance(user, User)
        preferences = dict(user.preferences)
    await database.dispose()
    return preferences


def test_energy_settings_are_stored_in_the_accounts_preferences(cli_data_dir: Path) -> None:
    asyncio.run(add_ann(cli_data_dir))
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "nuheat",
            "energy-settings",
            "--email",
            "ann@example.com",
            "--kwh-rate",
            "12.5",
            "--floor-area",
            "40",
            "--watt-density",
            "12",
            "--sunday-first",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "kwhRate: 12.5" in result.stdout
    partial = runner.invoke(
        app, ["nuheat", "energy-settings", "--email", "ann@example.com", "--kwh-rate", "9"]
    )
    assert partial.exit_code == 0
    assert asyncio.run(_preferences_of_ann(cli_data_dir))["nuheat"] == {
        "kwhRate": 9.0,
        "floorArea": 40.0,
        "wattDensity": 12.0,
        "mondayIsFirstDay": False,
    }
    unknown = runner.invoke(app, ["nuheat", "energy-settings", "--email", "nobody@example.com"])
    assert unknown.exit_code == 2
    assert "no account 'nobody@example.com'" in unknown.stderr
    negative = runner.invoke(
        app, ["nuheat", "energy-settings", "--email", "ann@example.com", "--kwh-rate", "-1"]
    )
    assert negative.exit_code == 2
    absurd = runner.invoke(
        app, ["nuheat", "energy-settings", "--email", "ann@example.com", "--floor-area", "1e9"]
    )
    assert absurd.exit_code == 2
    assert "Heated floor area must be between 0 and 1,000,000." in absurd.stderr
    assert (
        asyncio.run(_preferences_of_ann(cli_data_dir))["nuheat"]["floorArea"] == 40.0
    )  # unchanged


def test_add_thermostat(cli_data_dir: Path) -> None:
    asyncio.run(add_ann(cli_data_dir))
    runner = CliRunner()
    arguments = ["nuheat", "add-thermostat", "--email", "ann@example.com", "--serial", "12345678"]
    added = runner.invoke(app, [*arguments, "--name", "Bathroom", "--timezone", "America/Chicago"])
    assert added.exit_code == 0, added.output
    assert "thermostat 12345678 (Bathroom) added" in added.stdout
    again = runner.invoke(app, [*arguments, "--name", "Kitchen"])
    assert again.exit_code == 2
    assert "registered already" in again.stderr
    zone = runner.invoke(
        app, [*arguments[:-1], "87654321", "--name", "Hall", "--timezone", "Mars/Olympus"]
    )
    assert zone.exit_code == 2
    assert "not an IANA time zone" in zone.stderr

    async def stored() -> list[tuple[str, str, str]]:
        database = Database(Settings(data_dir=cli_data_dir).effective_database_url)
        async with database.session() as session:
            user = await find_by_login(session, "ann@example.com")
            assert user is not None
            devices = await repository.thermostats(session, user.id)
            result = [(d.serial, d.name, d.attributes["time_zone"]) for d in devices]
        await database.dispose()
        return result

    assert asyncio.run(stored()) == [("12345678", "Bathroom", "America/Chicago")]
