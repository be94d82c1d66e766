"""Devices and sensors of a gateway: create against model 52, list, get, update, delete."""

from __future__ import annotations

from typing import Any

import pytest

from homecloud.core.models import now_ms
from tests.apis.thingplus.conftest import TEMPERATURE, UserMaker, add_sensor, register

DEVICE = {"name": "Box", "model": "open-api-device-v1.0"}


def code_of(response: Any) -> str:
    return str(response.json()["errors"][0]["code"])


async def test_device_lifecycle(make_user: UserMaker) -> None:
    owner = await make_user()
    gateway_id = await register(owner)
    path = f"/gateways/{gateway_id}/devices"
    created = await owner.post(path, {"reqId": "dev-1", "address": "A1", **DEVICE})
    assert created.status_code == 201
    assert list(created.json()["data"]) == [
        "name",
        "model",
        "address",
        "owner",
        "mtime",
        "ctime",
        "id",
    ]
    assert (await owner.post(path, {"reqId": "dev-1", **DEVICE})).status_code == 409
    await owner.post(path, {"reqId": "dev-2", **DEVICE})
    listed = (await owner.get(path)).json()["data"]
    assert [device["id"] for device in listed] == ["dev-1", "dev-2"]
    assert listed[0]["ctime"].isdigit()
    one = (await owner.get(f"{path}/dev-1", fields="name")).json()["data"]
    assert one == {"name": "Box", "id": "dev-1"}
    changed = await owner.put(f"{path}/dev-1", {"name": "Crate", "address": "B2", "id": "dev-1"})
    assert changed.status_code == 200
    assert changed.json()["data"]["name"] == "Crate"
    assert changed.json()["data"]["address"] == "B2"
    assert code_of(await owner.put(f"{path}/dev-1", {"model": "other"})) == "INVALID_INPUT"
    assert code_of(await owner.put(f"{path}/dev-1", {"colour": "red"})) == "SCHEMA_VALIDATE"
    assert (await owner.delete(f"{path}/dev-1")).status_code == 204
    assert (await owner.get(f"{path}/dev-1")).status_code == 404
    assert (await owner.delete(f"{path}/dev-1")).status_code == 404


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"reqId": "d", "name": "x", "model": "open-api-gateway-v1.0"}, "INVALID_INPUT"),
        ({"reqId": "d", "name": "x"}, "SCHEMA_VALIDATE"),
        ({"reqId": "d e", **DEVICE}, "SCHEMA_VALIDATE"),
        ({"reqId": "d", **DEVICE, "test": "test"}, "SCHEMA_VALIDATE"),
    ],
)
async def test_device_refusals(make_user: UserMaker, body: dict[str, Any], code: str) -> None:
    owner = await make_user()
    gateway_id = await register(owner)
    response = await owner.post(f"/gateways/{gateway_id}/devices", body)
    assert response.status_code == 400
    assert code_of(response) == code


async def test_a_gateway_holds_at_most_the_models_99_devices(make_user: UserMaker) -> None:
    owner = await make_user()
    gateway_id = await register(owner)
    path = f"/gateways/{gateway_id}/devices"
    for index in range(99):
        assert (await owner.post(path, {"reqId": f"d{index}", **DEVICE})).status_code == 201
    over = await owner.post(path, {"reqId": "d99", **DEVICE})
    assert over.status_code == 400
    assert "99" in over.json()["errors"][0]["message"]


async def test_sensor_lifecycle(make_user: UserMaker) -> None:
    owner = await make_user()
    gateway_id = await register(owner)
    path = f"/gateways/{gateway_id}/sensors"
    await owner.post(f"/gateways/{gateway_id}/devices", {"reqId": "dev-1", **DEVICE})
    created = await owner.post(
        path, {"reqId": "t-1", **TEMPERATURE, "deviceId": "dev-1", "network": "daliworks"}
    )
    assert created.status_code == 201
    assert created.json()["data"]["network"] == "daliworks"
    assert (await owner.post(path, {"reqId": "t-1", **TEMPERATURE})).status_code == 409
    without_category = {key: value for key, value in TEMPERATURE.items() if key != "category"}
    made = await owner.post(path, {"reqId": "t-2", **without_category})
    assert made.json()["data"]["category"] == "sensor"
    listed = (await owner.get(path, **{"filter[id]": "t-2"})).json()
    assert [sensor["id"] for sensor in listed["data"]] == ["t-2"]
    changed = await owner.put(
        f"{path}/t-1",
        {**created.json()["data"], "name": "Inside", "options": {"notification": "true"}},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["data"]["name"] == "Inside"
    assert changed.json()["data"]["options"] == {"notification": "true"}
    assert code_of(await owner.put(f"{path}/t-1", {"type": "humidity"})) == "INVALID_INPUT"
    assert (await owner.put(f"{path}/t-1", {"deviceId": "nope"})).status_code == 404
    assert (await owner.delete(f"{path}/t-1")).status_code == 204
    assert [s["id"] for s in (await owner.get(path)).json()["data"]] == ["t-2"]


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"type": "teleport"}, 400, "INVALID_INPUT"),
        ({"model": "openApiHumi"}, 400, "INVALID_INPUT"),
        ({"driverName": "jsonrpcSensor"}, 400, "INVALID_INPUT"),
        ({"category": "actuator"}, 400, "INVALID_INPUT"),
        ({"category": "thing"}, 400, "SCHEMA_VALIDATE"),
        ({"deviceId": "nope"}, 404, "NOT_FOUND"),
        ({"name": 15}, 400, "SCHEMA_VALIDATE"),
        ({"extra": 1}, 400, "SCHEMA_VALIDATE"),
    ],
)
async def test_sensor_refusals(
    make_user: UserMaker, change: dict[str, Any], status: int, code: str
) -> None:
    owner = await make_user()
    gateway_id = await register(owner)
    response = await owner.post(
        f"/gateways/{gateway_id}/sensors", {"reqId": "s", **TEMPERATURE, **change}
    )
    assert response.status_code == status, response.text
    assert code_of(response) == code


async def test_every_sensor_of_the_model_registers(make_user: UserMaker, face: Any) -> None:
    owner = await make_user()
    gateway_id = await register(owner)
    model = (await face.get("/thingplus/v2/gatewayModels/52")).json()["data"]
    for entry in model["deviceModels"][0]["sensors"]:
        response = await owner.post(
            f"/gateways/{gateway_id}/sensors",
            {
                "reqId": entry["type"],
                "name": entry["type"],
                "type": entry["type"],
                "driverName": entry["driverName"],
                "model": entry["model"],
                "category": entry["category"],
            },
        )
        assert response.status_code == 201, response.text
    assert len((await owner.get(f"/gateways/{gateway_id}/sensors")).json()["data"]) == 63


async def test_sensor_embeds(make_user: UserMaker) -> None:
    owner = await make_user()
    gateway_id = await register(owner)
    sensor_id = await add_sensor(owner, gateway_id)
    path = f"/gateways/{gateway_id}/sensors/{sensor_id}"
    plain = (await owner.get(path, embed="series,status")).json()["data"]
    assert "series" not in plain
    assert "status" not in plain
    await owner.put(path + "/status", {"value": "on", "timeout": 90})
    await owner.put(path + "/series", {"value": "21.5", "time": now_ms()})
    data = (await owner.get(path, embed=["series", "status"])).json()["data"]
    assert data["series"]["value"] == "21.5"
    assert data["status"]["value"] == "on"
    assert (await owner.get(path, embed="rules")).status_code == 400
