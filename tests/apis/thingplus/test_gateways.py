"""registerGateway and /gateways: validation against model 52, owner checks, updates, deletes,
the collection parameters and plan limits."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from homecloud.services import Services
from tests.apis.thingplus.conftest import (
    TEMPERATURE,
    UserMaker,
    add_sensor,
    new_gateway_id,
    register,
)


def error_of(response: Any) -> dict[str, Any]:
    body = response.json()
    assert body["statusCode"] == response.status_code
    [error] = body["errors"]
    return dict(error)


async def test_register_with_id_instead_of_reqid_and_options(make_user: UserMaker) -> None:
    owner = await make_user()
    gateway_id = new_gateway_id()
    response = await owner.post(
        "/registerGateway",
        {
            "id": gateway_id,
            "params": {
                "model": "52",
                "name": "Roof",
                "reportInterval": 60000,
                "location": {"latitude": 37.5, "longitude": 127.0},
                "virtual": "n",
            },
        },
    )
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert data["id"] == gateway_id
    assert data["_site"] == str(owner.user_id)
    # A number sent is echoed as a number; read back it is a string.
    assert data["reportInterval"] == 60000
    read = (await owner.get(f"/gateways/{gateway_id}")).json()["data"]
    assert read["reportInterval"] == "60000"
    assert read["location"] == {"latitude": 37.5, "longitude": 127.0}
    assert read["virtual"] == "n"
    assert read["devices"] == []
    assert read["sensors"] == []
    assert read["ctime"].isdigit()


async def test_register_with_devices_and_sensors_in_one_call(make_user: UserMaker) -> None:
    owner = await make_user()
    gateway_id = new_gateway_id()
    response = await owner.post(
        "/registerGateway",
        {
            "reqId": gateway_id,
            "params": {
                "model": "52",
                "name": "Barn",
                "devices": [{"reqId": "dev-1", "name": "Box", "model": "open-api-device-v1.0"}],
                "sensors": [{"reqId": "t-1", **TEMPERATURE, "deviceId": "dev-1"}],
            },
        },
    )
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert [device["id"] for device in data["devices"]] == ["dev-1"]
    assert data["sensors"][0]["deviceId"] == "dev-1"
    read = (await owner.get(f"/gateways/{gateway_id}")).json()["data"]
    assert read["devices"] == ["dev-1"]
    assert read["sensors"] == ["t-1"]


async def test_register_answers_207_when_a_sensor_fails(make_user: UserMaker) -> None:
    owner = await make_user()
    gateway_id = new_gateway_id()
    response = await owner.post(
        "/registerGateway",
        {
            "reqId": gateway_id,
            "params": {
                "model": "52",
                "name": "Half",
                "sensors": [
                    {"reqId": "t-1", **TEMPERATURE},
                    {"reqId": "t-1", **TEMPERATURE},
                    {"reqId": "h-1", **TEMPERATURE, "model": "openApiHumi"},
                ],
            },
        },
    )
    assert response.status_code == 207, response.text
    body = response.json()
    assert body["message"] == "Multi-Status"
    assert [sensor["id"] for sensor in body["data"]["sensors"]] == ["t-1"]
    assert [error["code"] for error in body["errors"]] == ["CONFLICT", "INVALID_INPUT"]
    read = (await owner.get(f"/gateways/{gateway_id}")).json()["data"]
    assert read["sensors"] == ["t-1"]


@pytest.mark.parametrize(
    ("body", "status", "code", "message"),
    [
        ({"params": {"model": "52", "name": "x"}}, 400, "SCHEMA_VALIDATE", "'reqId'"),
        ({"reqId": "ab"}, 400, "SCHEMA_VALIDATE", "'params'"),
        ({"reqId": "ab", "params": {"model": "52"}}, 400, "SCHEMA_VALIDATE", "'name'"),
        (
            {"reqId": "ab", "params": {"model": "52", "name": "x"}, "test": "test"},
            400,
            "SCHEMA_VALIDATE",
            "additional properties",
        ),
        (
            {"reqId": "ab", "params": {"model": "52", "name": "x", "virtual": "test"}},
            400,
            "SCHEMA_VALIDATE",
            "allowed values",
        ),
        (
            {"reqId": "ab", "params": {"model": "52", "name": 5}},
            400,
            "SCHEMA_VALIDATE",
            "should be string",
        ),
        (
            {"reqId": "a/b", "params": {"model": "52", "name": "x"}},
            400,
            "SCHEMA_VALIDATE",
            "pattern",
        ),
        ({"reqId": "ab", "params": {"model": "52", "name": "x"}}, 400, "INVALID_INPUT", "UUID"),
        ({"reqId": "ab", "params": {"model": "7", "name": "x"}}, 404, "NOT_FOUND", "gatewayModel"),
        (
            {"reqId": "ab", "params": {"model": "52", "name": "x", "reportInterval": 1000}},
            400,
            "SCHEMA_VALIDATE",
            ">= 60000",
        ),
    ],
)
async def test_register_refusals(
    make_user: UserMaker, body: dict[str, Any], status: int, code: str, message: str
) -> None:
    owner = await make_user()
    if body.get("reqId") == "ab" and code not in ("INVALID_INPUT", "NOT_FOUND"):
        body = {**body, "reqId": new_gateway_id()}
    if "reportInterval" in body.get("params", {}):
        body = {**body, "reqId": new_gateway_id()}
    response = await owner.post("/registerGateway", body)
    assert response.status_code == status, response.text
    error = error_of(response)
    assert error["code"] == code
    assert message in error["message"]


async def test_schema_errors_carry_the_validators_detail(make_user: UserMaker) -> None:
    owner = await make_user()
    response = await owner.post("/registerGateway", {"reqId": new_gateway_id()})
    assert response.json() == {
        "statusCode": 400,
        "message": "Bad Request",
        "errors": [
            {
                "code": "SCHEMA_VALIDATE",
                "category": "REQUEST_ERROR",
                "statusCode": 400,
                "message": "should have required property 'params'",
                "detail": {
                    "keyword": "required",
                    "dataPath": "",
                    "params": {"missingProperty": "params"},
                },
            }
        ],
    }


async def test_register_twice_and_someone_elses_id_and_site(make_user: UserMaker) -> None:
    alice = await make_user()
    bob = await make_user()
    gateway_id = await register(alice)
    again = await alice.post(
        "/registerGateway", {"reqId": gateway_id, "params": {"model": "52", "name": "x"}}
    )
    assert again.status_code == 409
    assert error_of(again)["code"] == "CONFLICT"
    taken = await bob.post(
        "/registerGateway", {"reqId": gateway_id, "params": {"model": "52", "name": "x"}}
    )
    assert taken.status_code == 403
    assert error_of(taken)["code"] == "ACCESSGROUP_DENY"
    site = await bob.post(
        "/registerGateway",
        {
            "reqId": new_gateway_id(),
            "params": {"siteId": str(alice.user_id), "model": "52", "name": "x"},
        },
    )
    assert site.status_code == 403
    unknown = await bob.post(
        "/registerGateway",
        {"reqId": new_gateway_id(), "params": {"siteId": "999999", "model": "52", "name": "x"}},
    )
    assert unknown.status_code == 404


async def test_update_and_delete(make_user: UserMaker) -> None:
    owner = await make_user()
    gateway_id = await register(owner)
    read = (await owner.get(f"/gateways/{gateway_id}")).json()["data"]
    # A gateway as read back may be sent back whole, with changes.
    changed = await owner.put(
        f"/gateways/{gateway_id}", {**read, "name": "Renamed", "reportInterval": "120000"}
    )
    assert changed.status_code == 200, changed.text
    data = changed.json()["data"]
    assert data["name"] == "Renamed"
    assert data["reportInterval"] == "120000"
    assert int(data["mtime"]) >= int(data["ctime"])
    extra = await owner.put(f"/gateways/{gateway_id}", {"name": "x", "test": "test"})
    assert extra.status_code == 400
    assert error_of(extra)["code"] == "SCHEMA_VALIDATE"
    too_often = await owner.put(f"/gateways/{gateway_id}", {"reportInterval": 5})
    assert too_often.status_code == 400
    await add_sensor(owner, gateway_id)
    gone = await owner.delete(f"/gateways/{gateway_id}")
    assert gone.status_code == 204
    assert gone.content == b""
    assert (await owner.get(f"/gateways/{gateway_id}")).status_code == 404
    assert (await owner.get(f"/gateways/{gateway_id}/sensors/temp-1")).status_code == 404


async def test_owner_checks_in_the_vendors_order(make_user: UserMaker) -> None:
    alice = await make_user()
    bob = await make_user()
    gateway_id = await register(alice)
    await add_sensor(alice, gateway_id)
    for path in (
        f"/gateways/{gateway_id}",
        f"/gateways/{gateway_id}/status",
        f"/gateways/{gateway_id}/sensors",
        f"/gateways/{gateway_id}/devices",
        f"/gateways/{gateway_id}/sensors/temp-1",
        f"/gateways/{gateway_id}/sensors/no-such-sensor",
        f"/gateways/{gateway_id}/sensors/temp-1/series",
        f"/gateways/{gateway_id}/devices/no-such-device",
    ):
        response = await bob.get(path)
        assert response.status_code == 403, path
        assert error_of(response)["code"] == "ACCESSGROUP_DENY"
    assert (await bob.put(f"/gateways/{gateway_id}", {"name": "mine"})).status_code == 403
    assert (await bob.delete(f"/gateways/{gateway_id}")).status_code == 403
    series = await bob.put(
        f"/gateways/{gateway_id}/sensors/temp-1/series", {"value": "1", "time": 1}
    )
    assert series.status_code == 403
    # Own gateway, missing sensor; missing gateway.
    assert (await alice.get(f"/gateways/{gateway_id}/sensors/nope")).status_code == 404
    missing = await alice.get(f"/gateways/{new_gateway_id()}/sensors/temp-1")
    assert missing.status_code == 404
    assert error_of(missing)["code"] == "NOT_FOUND"
    # Bob sees none of it.
    assert (await bob.get("/gateways")).json()["data"] == []
    assert (await alice.get(f"/gateways/{gateway_id}")).json()["data"]["name"] == "Gateway"


async def test_collection_parameters(make_user: UserMaker) -> None:
    owner = await make_user()
    ids = sorted(
        [
            await register(owner, name=f"G{index}", virtual="y" if index % 2 else "n")
            for index in range(4)
        ]
    )
    page = await owner.get(
        "/gateways",
        count="2",
        page="0",
        orderBy="id",
        orderDir="desc",
        fields=["ctime", "virtual"],
    )
    body = page.json()
    assert [record["id"] for record in body["data"]] == ids[::-1][:2]
    assert set(body["data"][0]) == {"id", "ctime", "virtual"}
    assert body["_meta"] == {"count": 2, "page": 0, "total": 4}
    second = (await owner.get("/gateways", count="2", page="1", orderBy="id")).json()
    assert [record["id"] for record in second["data"]] == ids[2:]
    virtual = (await owner.get("/gateways", **{"filter[virtual]": "y"})).json()
    assert {record["name"] for record in virtual["data"]} == {"G1", "G3"}
    both = (await owner.get("/gateways", **{"filter[name]": ["G0", "G3"]})).json()
    assert {record["name"] for record in both["data"]} == {"G0", "G3"}
    plain = (await owner.get("/gateways")).json()
    assert "_meta" not in plain
    assert len(plain["data"]) == 4
    for bad in (
        {"count": "x"},
        {"count": "5000"},
        {"page": "-1"},
        {"orderDir": "up"},
        {"embed": "rules"},
    ):
        response = await owner.get("/gateways", **bad)
        assert response.status_code == 400, bad
        assert error_of(response)["code"] == "SCHEMA_VALIDATE"


async def test_embed_devices_sensors_status(make_user: UserMaker) -> None:
    owner = await make_user()
    gateway_id = await register(owner)
    await owner.post(
        f"/gateways/{gateway_id}/devices",
        {"reqId": "dev-1", "name": "Box", "model": "open-api-device-v1.0"},
    )
    await add_sensor(owner, gateway_id)
    await owner.put(f"/gateways/{gateway_id}/status", {"value": "on", "validDuration": 60})
    data = (await owner.get(f"/gateways/{gateway_id}", embed="devices,sensors,status")).json()[
        "data"
    ]
    assert data["devices"][0]["name"] == "Box"
    assert data["sensors"][0]["id"] == "temp-1"
    assert data["status"]["type"] == "status"
    listed = (await owner.get("/gateways", embed=["sensors"])).json()["data"]
    assert listed[0]["sensors"][0]["type"] == "temperature"


async def test_scopes_per_endpoint(make_user: UserMaker) -> None:
    owner = await make_user()
    gateway_id = await register(owner)
    await add_sensor(owner, gateway_id)
    reader = await make_user("gateway-read")
    # A read-only token of another user: the scope check comes first, then ownership.
    assert (await reader.get("/gateways")).status_code == 200
    refused = await reader.post(
        "/registerGateway", {"reqId": new_gateway_id(), "params": {"model": "52", "name": "x"}}
    )
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "ACL_DENY"
    updater = await make_user("gateway-update")
    refused = await updater.post(
        "/registerGateway", {"reqId": new_gateway_id(), "params": {"model": "52", "name": "x"}}
    )
    assert error_of(refused)["code"] == "ACL_DENY"
    profile_only = await make_user("user-profile-read")
    assert error_of(await profile_only.get("/gateways"))["code"] == "ACL_DENY"


async def test_plan_limits_answer_471(services: Services, make_user: UserMaker) -> None:
    services.settings.thingplus.max_gateways = 1
    services.settings.thingplus.max_devices = 1
    services.settings.thingplus.max_sensors = 1
    owner = await make_user()
    gateway_id = await register(owner)
    over = await owner.post(
        "/registerGateway", {"reqId": new_gateway_id(), "params": {"model": "52", "name": "x"}}
    )
    assert over.status_code == 471
    assert over.json()["message"] == "Error"
    assert error_of(over) == {
        "code": "BILLING",
        "category": "BILLING_ERROR",
        "statusCode": 471,
        "message": "The plan allows at most 1 gateways.",
    }
    device = {"name": "Box", "model": "open-api-device-v1.0"}
    assert (
        await owner.post(f"/gateways/{gateway_id}/devices", {"reqId": "d1", **device})
    ).status_code == 201
    assert (
        await owner.post(f"/gateways/{gateway_id}/devices", {"reqId": "d2", **device})
    ).status_code == 471
    await add_sensor(owner, gateway_id)
    more = await owner.post(f"/gateways/{gateway_id}/sensors", {"reqId": "t2", **TEMPERATURE})
    assert more.status_code == 471


async def test_registering_one_id_twice_at_once(make_user: UserMaker) -> None:
    owner = await make_user()
    gateway_id = new_gateway_id()
    body = {"reqId": gateway_id, "params": {"model": "52", "name": "x"}}
    answers = await asyncio.gather(*(owner.post("/registerGateway", body) for _ in range(4)))
    assert sorted(answer.status_code for answer in answers) == [201, 409, 409, 409]
    assert {error_of(a)["code"] for a in answers if a.status_code == 409} == {"CONFLICT"}
