"""Swagger UI at /nuheat/swagger over the face's OpenAPI documents, which use the vendor's
model names; the UI's assets are served by homecloud itself."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser

from homecloud.apis.nuheat.schemas import CLOCK_PATTERN
from homecloud.apis.nuheat.timefmt import INSTANT_PATTERN, parse_instant
from homecloud.apis.nuheat.weekly_schedule import validate_day
from homecloud.core.errors import ApiError
from tests.apis.nuheat.conftest import UserMaker
from tests.conftest import LiveServer
from tests.swagger_ui import open_swagger_ui

V1_MODELS = {
    "AccountModel",
    "ThermostatModel",
    "ThermostatUpdateModel",
    "GroupModel",
    "GroupUpdateModel",
    "ScheduleModel",
    "ScheduleDayModel",
    "ScheduleDayEventModel",
    "EnergyUsageModel",
    "EnergyUsageEntryModel",
}


async def test_the_v1_document_has_the_vendors_paths_and_models(face: httpx.AsyncClient) -> None:
    response = await face.get("/nuheat/swagger/v1/swagger.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.0")
    assert document["info"]["title"] == "Open API"
    assert document["servers"] == [{"url": "/nuheat"}]
    assert set(document["paths"]) == {
        "/api/v1/Account",
        "/api/v1/Thermostat",
        "/api/v1/Thermostat/{serialNumber}",
        "/api/v1/Group",
        "/api/v1/Group/{groupId}",
        "/api/v1/Schedule",
        "/api/v1/Schedule/{serialNumber}",
        "/api/v1/EnergyLog/Day/{serialNumber}/{date}",
        "/api/v1/EnergyLog/Week/{serialNumber}/{date}",
        "/api/v1/EnergyLog/Month/{serialNumber}/{year}",
    }
    schemas = document["components"]["schemas"]
    assert set(schemas) == V1_MODELS  # no FastAPI-only models such as HTTPValidationError
    put = document["paths"]["/api/v1/Thermostat"]["put"]["responses"]
    assert set(put) == {"204", "400", "401", "403", "404", "429", "500"}
    assert set(schemas["ThermostatModel"]["properties"]) >= {
        "serialNumber",
        "setPointTemp",
        "scheduleMode",
        "holdSetPointDateTime",
        "operatingMode",
        "currentTemperature",
    }
    implicit = document["components"]["securitySchemes"]["oauth2"]["flows"]["implicit"]
    assert implicit["authorizationUrl"] == "/nuheat/identity/connect/authorize"
    assert implicit["scopes"] == {"openapi": "Access to the Open API"}


async def test_the_v2_document_names_its_models_as_the_vendor_does(
    face: httpx.AsyncClient,
) -> None:
    document = (await face.get("/nuheat/swagger/v2/swagger.json")).json()
    assert set(document["paths"]) == {
        "/api/v2/Account",
        "/api/v2/Thermostat",
        "/api/v2/Thermostat/{serialNumber}",
        "/api/v2/Mode/Auto",
        "/api/v2/Mode/Hold",
        "/api/v2/Mode/Manual",
    }
    schemas = document["components"]["schemas"]
    assert "ThermostatModelV2" not in schemas
    assert "setPointTemperature" in schemas["ThermostatModel"]["properties"]
    assert "userName" in schemas["AccountModel"]["properties"]
    assert "ModelV2" not in str(document)
    assert (await face.get("/nuheat/swagger/v3/swagger.json")).status_code == 404


async def test_the_page_and_its_assets_are_served_locally(face: httpx.AsyncClient) -> None:
    page = await face.get("/nuheat/swagger")
    assert page.status_code == 200
    assert "swagger/assets/swagger-ui-bundle.js" in page.text
    assert "http" not in page.text.split("<body>")[1].split("new URL")[0]  # no CDN
    script = await face.get("/nuheat/swagger/assets/swagger-ui-bundle.js")
    assert script.status_code == 200
    assert len(script.content) > 100_000


@pytest.mark.browser
async def test_swagger_ui_renders_the_operations_in_a_browser(
    chromium: Browser, live_server: LiveServer
) -> None:
    swagger = await open_swagger_ui(chromium, live_server.url, "/nuheat/swagger")
    paths = await swagger.paths()
    assert any("/api/v1/Thermostat" in path for path in paths)
    assert any("/api/v1/EnergyLog/Day" in path for path in paths)
    assert "Open API" in await swagger.title()
    assert swagger.outside == []


# What the documents state of the bodies, and that a client going by them is answered.


def models_of(document: dict[str, Any]) -> dict[str, Any]:
    schemas: dict[str, Any] = document["components"]["schemas"]
    return schemas


async def test_the_schedule_body_states_required_fields_enums_and_the_clock(
    face: httpx.AsyncClient,
) -> None:
    models = models_of((await face.get("/nuheat/swagger/v1/swagger.json")).json())
    schedule = models["ScheduleModel"]
    assert schedule["required"] == ["serialNumber", "days"]
    days = schedule["properties"]["days"]
    assert (days["type"], days["minItems"], days["maxItems"]) == ("array", 1, 7)
    day = models["ScheduleDayModel"]
    assert day["required"] == ["weekDay"]
    week_day = day["properties"]["weekDay"]
    assert (week_day["minimum"], week_day["maximum"]) == (1, 7)
    assert "default" not in week_day  # 0 is no week day
    assert day["properties"]["events"]["anyOf"][0]["maxItems"] == 4
    event = models["ScheduleDayEventModel"]
    assert event["required"] == ["clock"]
    assert event["properties"]["clock"]["pattern"] == CLOCK_PATTERN
    assert event["properties"]["scheduleType"]["enum"] == [0, 1, 2, 3]
    inactive, active = event["anyOf"]
    assert inactive == {"properties": {"active": {"enum": [False]}}}
    assert active["properties"]["temperature"] == {"minimum": 500, "maximum": 7000}
    assert set(active["required"]) == {"active", "temperature"}


@pytest.mark.parametrize("clock", [f"{h:02d}:{m:02d}" for h in (0, 7, 23) for m in range(60)])
def test_the_clock_pattern_is_what_the_schedule_rules_take(clock: str) -> None:
    documented = re.fullmatch(CLOCK_PATTERN, clock) is not None
    try:
        validate_day(
            {
                "weekDay": 1,
                "events": [
                    {"clock": clock, "scheduleType": 0, "active": True, "temperature": 2000}
                ],
            }
        )
    except ApiError:
        taken = False
    else:
        taken = True
    assert documented == taken


async def test_dates_state_the_format_and_pattern_the_server_parses(
    face: httpx.AsyncClient,
) -> None:
    v1 = models_of((await face.get("/nuheat/swagger/v1/swagger.json")).json())
    v2 = models_of((await face.get("/nuheat/swagger/v2/swagger.json")).json())
    for field in (
        v1["ThermostatUpdateModel"]["properties"]["holdSetPointDateTime"],
        v2["HoldModeModel"]["properties"]["holdUntil"],
    ):
        given, blank, null = field["anyOf"]
        assert given == {"type": "string", "format": "date-time", "pattern": INSTANT_PATTERN}
        assert blank["maxLength"] == 0  # blank means "not given"
        assert null == {"type": "null"}
    set_point = v1["ThermostatUpdateModel"]["properties"]["setPointTemp"]["anyOf"]
    assert {"type": "integer", "minimum": 500, "maximum": 7000} in set_point
    absolute = v2["ManualModeModel"]["anyOf"][1]["properties"]["temperature"]["anyOf"][0]
    assert absolute == {"minimum": 500, "maximum": 7000}
    # What the answers carry.
    assert v1["ThermostatModel"]["properties"]["scheduleMode"]["enum"] == [1, 2, 3]
    hold = v1["ThermostatModel"]["properties"]["holdSetPointDateTime"]["anyOf"][0]
    assert hold["format"] == "date-time"
    assert v1["EnergyUsageModel"]["properties"]["energyUsageFrom"]["anyOf"][0]["format"] == "date"
    day_log = (await face.get("/nuheat/swagger/v1/swagger.json")).json()["paths"][
        "/api/v1/EnergyLog/Day/{serialNumber}/{date}"
    ]["get"]
    date_parameter = next(p for p in day_log["parameters"] if p["name"] == "date")
    assert date_parameter["schema"]["format"] == "date"


@pytest.mark.parametrize(
    "moment",
    [
        "2030-05-06T07:08:09Z",
        "2030-05-06t07:08:09z",
        "2030-05-06T07:08:09.1234567+02:00",
        "2030-05-06T07:08:09-0130",
        "2030-05-06T07:08",
    ],
)
def test_every_time_the_pattern_admits_is_parsed(moment: str) -> None:
    assert re.fullmatch(INSTANT_PATTERN, moment)
    assert parse_instant(moment, "holdUntil") > 0


@pytest.mark.parametrize(
    "moment", [" 2030-05-06T07:08:09Z", "2030-05-06T24:00:00Z", "2030-13-06T07:08:09Z", "tomorrow"]
)
def test_what_the_pattern_refuses_is_refused(moment: str) -> None:
    assert re.fullmatch(INSTANT_PATTERN, moment) is None
    with pytest.raises(ApiError) as refused:
        parse_instant(moment, "holdUntil")
    assert refused.value.status == 400


async def test_a_schema_driven_clients_requests_are_accepted(
    face: httpx.AsyncClient, make_user: UserMaker
) -> None:
    account = await make_user()
    serial = account.serials[0]
    # A week read back is a valid body (the document's ScheduleModel both ways).
    week = (await face.get(f"/nuheat/api/v1/Schedule/{serial}", headers=account.auth)).json()
    put = await face.put("/nuheat/api/v1/Schedule", json=week, headers=account.auth)
    assert put.status_code == 204, put.text
    # A time as a generator for "date-time" with the document's pattern may write it.
    until = (datetime.now(UTC) + timedelta(hours=2)).strftime("%Y-%m-%dt%H:%M:%S.1234567z")
    hold = await face.put(
        "/nuheat/api/v2/Mode/Hold",
        json={"serialNumber": serial, "temperature": 2500, "holdUntil": until},
        headers=account.auth,
    )
    assert hold.status_code == 204, hold.text
    thermostat = await face.put(
        "/nuheat/api/v1/Thermostat",
        json={
            "serialNumber": serial,
            "scheduleMode": 2,
            "setPointTemp": 2400,
            "holdSetPointDateTime": "",
        },
        headers=account.auth,
    )
    assert thermostat.status_code == 204, thermostat.text
