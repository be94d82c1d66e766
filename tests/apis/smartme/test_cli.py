"""``homecloud smartme meters``, ``add-meter`` and ``switch``."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from typer.testing import CliRunner

from homecloud.cli.main import app
from tests.conftest import add_ann


def test_add_list_and_switch_meters(cli_data_dir: Path) -> None:
    asyncio.run(add_ann(cli_data_dir))
    runner = CliRunner()
    ann = ["--email", "ann@example.com"]
    added = runner.invoke(app, ["smartme", "add-meter", *ann, "--family", "three_phase"])
    assert added.exit_code == 0, added.output
    assert "added for ann@example.com" in added.stdout
    taken = runner.invoke(
        app, ["smartme", "add-meter", *ann, "--family", "water", "--serial", "77", "--name", "W"]
    )
    assert taken.exit_code == 0, taken.output
    again = runner.invoke(app, ["smartme", "add-meter", *ann, "--family", "gas", "--serial", "77"])
    assert again.exit_code == 2
    assert "the serial 77 is taken" in again.stderr
    unknown = runner.invoke(app, ["smartme", "add-meter", *ann, "--family", "nuclear"])
    assert unknown.exit_code == 2
    assert "no meter family 'nuclear'" in unknown.stderr
    listed = runner.invoke(app, ["smartme", "meters", *ann, "--json"])
    assert listed.exit_code == 0, listed.output
    body = json.loads(listed.stdout)
    assert [meter["family"] for meter in body["meters"]] == ["three_phase", "water"]
    assert body["meters"][1]["serial"] == 77
    house = body["meters"][0]["id"]
    assert body["meters"][0]["switched_on"] == 1.0
    off = runner.invoke(app, ["smartme", "switch", *ann, "--meter", house, "--off", "--phase", "2"])
    assert off.exit_code == 0, off.output
    listed = json.loads(runner.invoke(app, ["smartme", "meters", *ann, "--json"]).stdout)
    assert listed["meters"][0]["switched_on"] == 0.0
    water = runner.invoke(
        app, ["smartme", "switch", *ann, "--meter", body["meters"][1]["id"], "--off"]
    )
    assert water.exit_code == 2
    assert "no action" in water.stderr
    table = runner.invoke(app, ["smartme", "meters", *ann])
    assert "root folder:" in table.stdout
    nobody = runner.invoke(app, ["smartme", "meters", "--email", "nobody@example.com"])
    assert nobody.exit_code == 2
