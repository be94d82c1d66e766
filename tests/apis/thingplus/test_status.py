"""Gateway and sensor status: validDuration or timeout, expireAt, vtime, expiry."""

from __future__ import annotations

from typing import Any

import pytest

from homecloud.apis.thingplus.routes import status as status_routes
from tests.apis.thingplus.conftest import UserMaker, add_sensor, register


def code_of(response: Any) -> str:
    return str(response.json()["errors"][0]["code"])


async def test_vtime_moves_only_when_the_value_changes(make_user: UserMaker) -> None:
    owner = await make_user()
    gateway_id = await register(owner)
    path = f"/gateways/{gateway_id}/status"
    first = await owner.put(path, {"value": "on", "validDuration": 10})
    # The first report answers the gateway, now naming its status leaf.
    assert first.json()["data"]["id"] == gateway_id
    status_id = first.json()["data"]["status"]
    same = (await owner.put(path, {"value": "on", "validDuration": 10})).json()["data"]
    assert same["id"] == status_id
    assert same["vtime"] == same["ctime"]
    changed = (await owner.put(path, {"value": "err", "timeout": 20})).json()["data"]
    assert changed["value"] == "err"
    assert changed["vtime"] == changed["time"]
    assert int(changed["expireAt"]) == int(changed["time"]) + 20_000
    assert changed["ctime"] == same["ctime"]


async def test_reading_status_embeds_the_leaf_and_expiry_reads_off(
    make_user: UserMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await make_user()
    gateway_id = await register(owner)
    sensor_id = await add_sensor(owner, gateway_id)
    await owner.put(f"/gateways/{gateway_id}/status", {"value": "on", "validDuration": 450})
    sensor_path = f"/gateways/{gateway_id}/sensors/{sensor_id}/status"
    await owner.put(sensor_path, {"value": "on", "validDuration": 450})
    gateway = (await owner.get(f"/gateways/{gateway_id}/status")).json()["data"]
    assert gateway["id"] == gateway_id
    assert gateway["status"]["value"] == "on"
    assert gateway["status"]["gateway"] == gateway_id
    sensor = (await owner.get(sensor_path)).json()["data"]
    assert sensor["status"]["value"] == "on"
    expire_at = int(sensor["status"]["expireAt"])
    # Past expireAt nothing is known any more: the status reads off.
    monkeypatch.setattr(status_routes, "now_ms", lambda: expire_at)
    assert (await owner.get(sensor_path)).json()["data"]["status"]["value"] == "off"
    late = (await owner.get(f"/gateways/{gateway_id}/status")).json()["data"]["status"]
    assert late["value"] == "off"
    monkeypatch.setattr(status_routes, "now_ms", lambda: expire_at - 1)
    assert (await owner.get(sensor_path)).json()["data"]["status"]["value"] == "on"


async def test_minus_one_never_expires(
    make_user: UserMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await make_user()
    gateway_id = await register(owner)
    path = f"/gateways/{gateway_id}/status"
    await owner.put(path, {"value": "on", "validDuration": -1})
    leaf = (await owner.put(path, {"value": "on", "validDuration": -1})).json()["data"]
    assert leaf["expireAt"] == "-1"
    monkeypatch.setattr(status_routes, "now_ms", lambda: 2**50)
    assert (await owner.get(path)).json()["data"]["status"]["value"] == "on"


@pytest.mark.parametrize(
    "body",
    [
        {"value": "on"},
        {"validDuration": 10},
        {"value": "maybe", "validDuration": 10},
        {"value": "on", "validDuration": "90"},
        {"value": "on", "timeout": 1.5},
        {"value": "on", "validDuration": 0},
        {"value": "on", "validDuration": -2},
        {"value": "on", "validDuration": 10, "test": "test"},
        ["on"],
    ],
)
async def test_status_refusals(make_user: UserMaker, body: Any) -> None:
    owner = await make_user()
    gateway_id = await register(owner)
    response = await owner.put(f"/gateways/{gateway_id}/status", body)
    assert response.status_code == 400
    assert code_of(response) == "SCHEMA_VALIDATE"
    assert "status" not in (await owner.get(f"/gateways/{gateway_id}")).json()["data"]


async def test_status_of_a_missing_sensor(make_user: UserMaker) -> None:
    owner = await make_user()
    gateway_id = await register(owner)
    response = await owner.put(
        f"/gateways/{gateway_id}/sensors/nope/status", {"value": "on", "validDuration": 1}
    )
    assert response.status_code == 404
