"""The demo user's devices (one controller of each type, a geofence), readable through the
API with the demo's own credentials; and ``homecloud mclimate add-controller`` / ``list``."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from typer.testing import CliRunner

from homecloud.cli.main import app
from homecloud.demo import DEMO_EMAIL, prepare_demo
from homecloud.services import Services
from tests.apis.mclimate.conftest import API
from tests.conftest import add_ann


async def test_the_demo_user_owns_one_device_of_each_type(
    face: httpx.AsyncClient, services: Services
) -> None:
    await prepare_demo(services.database, services.settings, ["mclimate"])
    demo = await prepare_demo(services.database, services.settings, ["mclimate"])  # idempotent
    client = next(client for client in demo.clients if client.client_id.endswith("mclimate"))
    login = await face.post(
        API + "/auth/login",
        data={
            "client_id": client.client_id,
            "client_secret": client.client_secret,
            "username": DEMO_EMAIL,
            "password": demo.password,
        },
    )
    assert login.status_code == 200, login.text
    auth = {"Authorization": f"Bearer {login.json()['auth']['access_token']}"}
    listed = (await face.get(API + "/controllers", headers=auth)).json()
    assert sorted(item["type"] for item in listed["_embedded"]["controller"]) == [
        "bobbie",
        "melissa",
        "smart_plug",
        "vicki",
    ]
    geofences = (await face.get(API + "/geofences", headers=auth)).json()
    [melissa] = [i for i in listed["_embedded"]["controller"] if i["type"] == "melissa"]
    assert [g["controller_id"] for g in geofences["_embedded"]["geofence"]] == [
        melissa["serial_number"]
    ]


def test_add_and_list_controllers(cli_data_dir: Path) -> None:
    asyncio.run(add_ann(cli_data_dir))
    runner = CliRunner()
    base = ["mclimate", "add-controller", "--email", "ann@example.com"]
    added = runner.invoke(app, [*base, "--serial", "ABCD1234EFGH"])
    assert added.exit_code == 0, added.output
    assert "melissa ABCD1234EFGH added for ann@example.com" in added.stdout
    plug = runner.invoke(app, [*base, "--serial", "PLUG1", "--type", "smart_plug", "--name", "Fan"])
    assert plug.exit_code == 0, plug.output
    again = runner.invoke(app, [*base, "--serial", "ABCD1234EFGH"])
    assert again.exit_code == 2
    assert "registered already" in again.stderr
    unknown = runner.invoke(app, [*base, "--serial", "X1", "--type", "toaster"])
    assert unknown.exit_code == 2
    assert "unknown type" in unknown.stderr
    nobody = runner.invoke(app, ["mclimate", "add-controller", "--email", "x@y.z", "--serial", "Q"])
    assert nobody.exit_code == 2
    listed = runner.invoke(app, ["mclimate", "list", "--email", "ann@example.com"])
    assert listed.exit_code == 0, listed.output
    assert [line.split(None, 2) for line in listed.stdout.splitlines()] == [
        ["ABCD1234EFGH", "melissa", "Melissa ABCD1234EFGH"],
        ["PLUG1", "smart_plug", "Fan"],
    ]
