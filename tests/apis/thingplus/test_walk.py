"""The vendor's guide, step by step: an OAuth client made from a signed-in portal session, a
token with the MD5 password, the site, gateway model 52, a gateway with a dash-less UUID, a
device, a sensor, gateway and sensor status, one value and an array of values.

The guide's values carry May 2017 times, from the day it was written; they are sent here
relative to now (same spacing), because values that old are refused as too old (last test).
"""

from __future__ import annotations

import hashlib
import re
import time
from urllib.parse import urlencode

import httpx

from homecloud.core.users import create_user
from homecloud.services import Services
from tests.apis.thingplus.conftest import PASSWORD, UserMaker, add_sensor, register
from tests.identity.person import fill_sign_in

GATEWAY = "87cd2a6e407511e7922eb724f8803770"
DEVICE = "366d685f93f5477a8d29e8c45bae0a31"
SENSOR = "d815ba2f84eb490b8e68d9dd744da397"
API = "/thingplus/v2"
PORTAL_SIGN_IN = "/thingplus/login?" + urlencode({"ReturnUrl": API + "/authClients"})


async def sign_in(face: httpx.AsyncClient, login: str) -> None:
    """Signs in on the face's portal page, as the guide's user does."""
    response = await fill_sign_in(face, PORTAL_SIGN_IN, login, PASSWORD)
    assert response.status_code == 302, response.text


def is_ms_string(value: object) -> bool:
    return isinstance(value, str) and value.isdigit() and len(value) == 13


async def test_the_guides_walk(face: httpx.AsyncClient, services: Services) -> None:
    async with services.database.session(write=True) as session:
        user = await create_user(session, "admin@example.com", PASSWORD, username="serviceadmin")
    site = str(user.id)

    # 3. Create OAuth client (from the portal session)
    await sign_in(face, "serviceadmin")
    created = await face.post(
        API + "/authClients",
        json={
            "name": "Test Client for Daliworks",
            "reqId": "testClientId",
            "clientSecret": "testClientPwd12!@",
            "scopes": ["gateway", "site-read"],
        },
    )
    assert created.status_code == 201, created.text
    face.cookies.clear()

    # 4. Access token with the MD5 of the password
    token = await face.post(
        API + "/oauth2/token",
        json={
            "grant_type": "password",
            "client_id": "testClientId",
            "client_secret": "testClientPwd12!@",
            "username": "serviceadmin",
            "password": hashlib.md5(PASSWORD.encode()).hexdigest(),
        },
    )
    assert token.status_code == 200, token.text
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}

    # 5.1 The site id
    sites = await face.get(API + "/sites", headers=headers)
    assert sites.status_code == 200
    body = sites.json()
    assert list(body) == ["statusCode", "message", "data"]
    assert body["statusCode"] == 200
    assert body["message"] == "OK"
    [only] = body["data"]
    assert list(only) == [
        "billing",
        "code",
        "ctime",
        "_service",
        "billingReserve",
        "billingLimit",
        "name",
        "id",
        "billingMeter",
        "mtime",
        "billingCurrent",
    ]
    assert only["id"] == site
    assert only["billing"] == f"site:{site}"
    assert is_ms_string(only["ctime"])

    # 5.2 The gateway model
    model = await face.get(API + "/gatewayModels/52", headers=headers)
    assert model.status_code == 200
    data = model.json()["data"]
    assert data["id"] == "52"
    assert data["displayName"] == "Open API Gateway"
    assert data["reportInterval"] == "300000"
    assert data["model"] == "open-api-gateway-v1.0"
    assert data["idFormat"] == "uuid"
    assert data["deviceMgmt"]["DM"]["reboot"] == {"support": "n"}
    [device_model] = data["deviceModels"]
    assert device_model["id"] == "open-api-device-v1.0"
    assert device_model["max"] == 99
    assert device_model["sensors"][0] == {
        "network": "daliworks",
        "driverName": "openApiSensor",
        "model": "openApiTemp",
        "type": "temperature",
        "category": "sensor",
    }
    assert device_model["sensors"][1]["model"] == "openApiHumi"
    assert {"type": "conductivity", "model": "openApiConductivity"}.items() <= next(
        entry for entry in device_model["sensors"] if entry["type"] == "conductivity"
    ).items()
    assert len(device_model["sensors"]) == 63

    # 5.4 Register the gateway
    registered = await face.post(
        API + "/registerGateway",
        headers=headers,
        json={
            "reqId": GATEWAY,
            "params": {"siteId": site, "model": "52", "name": "Open Gateway 1"},
        },
    )
    assert registered.status_code == 201, registered.text
    body = registered.json()
    assert body["statusCode"] == 201
    assert body["message"] == "Created"
    gateway = body["data"]
    assert list(gateway) == [
        "name",
        "model",
        "_site",
        "_service",
        "reportInterval",
        "mtime",
        "ctime",
        "tree",
        "id",
    ]
    assert gateway["name"] == "Open Gateway 1"
    assert gateway["model"] == "52"
    assert gateway["_site"] == site
    assert gateway["_service"] == "1"
    assert gateway["reportInterval"] == "300000"
    assert isinstance(gateway["mtime"], int)
    assert gateway["mtime"] == gateway["ctime"]
    assert gateway["tree"] == gateway["id"] == GATEWAY

    # 6. Register a device
    device = await face.post(
        API + f"/gateways/{GATEWAY}/devices",
        headers=headers,
        json={"reqId": DEVICE, "name": "Open Gateway Device 1", "model": "open-api-device-v1.0"},
    )
    assert device.status_code == 201, device.text
    assert device.json()["data"] == {
        "name": "Open Gateway Device 1",
        "model": "open-api-device-v1.0",
        "owner": GATEWAY,
        "mtime": device.json()["data"]["mtime"],
        "ctime": device.json()["data"]["ctime"],
        "id": DEVICE,
    }

    # 7. Register a sensor
    sensor = await face.post(
        API + f"/gateways/{GATEWAY}/sensors",
        headers=headers,
        json={
            "reqId": SENSOR,
            "name": "Temperature Sensor",
            "type": "temperature",
            "driverName": "openApiSensor",
            "model": "openApiTemp",
            "category": "sensor",
            "deviceId": DEVICE,
        },
    )
    assert sensor.status_code == 201, sensor.text
    data = sensor.json()["data"]
    assert list(data) == [
        "name",
        "type",
        "driverName",
        "model",
        "category",
        "deviceId",
        "owner",
        "mtime",
        "ctime",
        "id",
    ]
    assert data["owner"] == GATEWAY
    assert data["id"] == SENSOR
    assert data["deviceId"] == DEVICE
    assert isinstance(data["ctime"], int)
    sensor_ctime = str(data["ctime"])

    # 8.1 Gateway status: the first report names the new status on the gateway; the next
    # one answers the status leaf, as the guide shows it.
    status = {"validDuration": 450, "value": "on"}
    first = await face.put(API + f"/gateways/{GATEWAY}/status", headers=headers, json=status)
    assert first.status_code == 200, first.text
    status_id = first.json()["data"]["status"]
    assert re.fullmatch(r"status\.gateway\.[A-Za-z0-9_-]{6}", status_id)
    before = int(time.time() * 1000)
    again = await face.put(API + f"/gateways/{GATEWAY}/status", headers=headers, json=status)
    assert again.status_code == 200
    leaf = again.json()["data"]
    assert list(leaf) == [
        "type",
        "value",
        "srcDbType",
        "time",
        "expireAt",
        "vtime",
        "status",
        "owner",
        "gateway",
        "mtime",
        "ctime",
        "id",
    ]
    assert leaf["type"] == "status"
    assert leaf["value"] == "on"
    assert leaf["srcDbType"] == "gateway"
    assert int(leaf["time"]) >= before
    assert int(leaf["expireAt"]) == int(leaf["time"]) + 450_000
    assert leaf["status"] == leaf["owner"] == leaf["gateway"] == GATEWAY
    assert leaf["id"] == status_id
    assert int(leaf["ctime"]) <= int(leaf["time"])
    assert all(is_ms_string(leaf[key]) for key in ("time", "expireAt", "vtime", "mtime", "ctime"))

    # 8.2 Sensor status
    sensor_path = API + f"/gateways/{GATEWAY}/sensors/{SENSOR}"
    first = await face.put(sensor_path + "/status", headers=headers, json=status)
    assert first.status_code == 200
    assert first.json()["data"]["id"] == SENSOR
    sensor_status_id = first.json()["data"]["status"]
    again = await face.put(sensor_path + "/status", headers=headers, json=status)
    leaf = again.json()["data"]
    assert list(leaf) == [
        "type",
        "value",
        "srcType",
        "srcCategory",
        "srcDbType",
        "time",
        "expireAt",
        "vtime",
        "status",
        "owner",
        "sensor",
        "mtime",
        "ctime",
        "id",
    ]
    assert leaf["srcType"] == "temperature"
    assert leaf["srcCategory"] == "sensor"
    assert leaf["status"] == leaf["sensor"] == SENSOR
    assert leaf["owner"] == GATEWAY
    assert leaf["id"] == sensor_status_id
    assert int(leaf["expireAt"]) == int(leaf["time"]) + 450_000
    # The value did not change: vtime is still the first report's.
    assert leaf["vtime"] == leaf["ctime"]

    # 9.1 One value: the first value answers the sensor, now naming status and series.
    now = int(time.time() * 1000)
    one = await face.put(
        sensor_path + "/series", headers=headers, json={"value": "36.5", "time": now - 10_000}
    )
    assert one.status_code == 200, one.text
    data = one.json()["data"]
    assert list(data) == [
        "name",
        "type",
        "driverName",
        "model",
        "category",
        "deviceId",
        "owner",
        "mtime",
        "ctime",
        "status",
        "series",
        "id",
    ]
    assert data["ctime"] == sensor_ctime
    assert is_ms_string(data["mtime"])
    assert int(data["mtime"]) >= int(sensor_ctime)
    assert data["status"] == sensor_status_id
    assert re.fullmatch(r"series\.sensor\.[A-Za-z0-9_-]{6}", data["series"])
    series_id = data["series"]

    # 9.1 An array of values: the series leaf with the batch as seriesPack.
    pack = [{"value": "36.5", "time": now - 5_000}, {"value": "36.3", "time": now - 4_550}]
    many = await face.put(sensor_path + "/series", headers=headers, json=pack)
    assert many.status_code == 200, many.text
    leaf = many.json()["data"]
    assert list(leaf) == [
        "type",
        "srcType",
        "seriesPack",
        "mtime",
        "ctime",
        "time",
        "value",
        "owner",
        "series",
        "sensor",
        "srcCategory",
        "srcDbType",
        "id",
    ]
    assert leaf["seriesPack"] == pack
    assert leaf["type"] == "series"
    assert leaf["srcType"] == "temperature"
    assert leaf["time"] == str(now - 4_550)
    assert leaf["value"] == "36.3"
    assert leaf["series"] == leaf["sensor"] == SENSOR
    assert leaf["owner"] == GATEWAY
    assert leaf["srcCategory"] == "sensor"
    assert leaf["srcDbType"] == "sensor"
    assert leaf["id"] == series_id
    assert int(leaf["ctime"]) <= int(leaf["mtime"])

    # What was sent is what is stored.
    stored = await face.get(
        sensor_path + "/series",
        headers=headers,
        params={"dataStart": str(now - 60_000), "interval": "0"},
    )
    assert stored.status_code == 200, stored.text
    assert stored.json()["data"]["series"]["data"] == [
        "36.5",
        now - 10_000,
        "36.5",
        now - 5_000,
        "36.3",
        now - 4_550,
    ]


async def test_the_guides_own_2017_times_are_refused_as_too_old(make_user: UserMaker) -> None:
    owner = await make_user()
    gateway = await register(owner, GATEWAY)
    sensor = await add_sensor(owner, gateway, SENSOR)
    response = await owner.put(
        f"/gateways/{gateway}/sensors/{sensor}/series", {"value": "36.5", "time": 1495715734508}
    )
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["code"] == "INVALID_INPUT"
    assert "too old" in error["message"]
