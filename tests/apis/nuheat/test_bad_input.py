"""Bad input on the Nuheat face: each finding of the input audit (issue 10) gets a 4xx in
the face's shape, never a 500, and the request models refuse what ASP.NET would."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from homecloud.apis.nuheat import schemas
from tests.apis.nuheat.conftest import UserMaker

API = "/nuheat/api/v1"


@pytest.mark.parametrize("group_id", ["²", "\u0661", "99999999999999999999", "-1", " 1"])
async def test_group_ids_that_are_not_ascii_numbers_are_not_found(
    face: httpx.AsyncClient, make_user: UserMaker, group_id: str
) -> None:
    account = await make_user(thermostats=0)
    response = await face.get(f"{API}/Group/{group_id}", headers=account.auth)
    assert response.status_code == 404, response.text
    assert response.json()["messages"]
    changed = await face.put(
        f"{API}/Group", headers=account.auth, json={"groupId": group_id, "awayMode": True}
    )
    assert changed.status_code == 404, changed.text


@pytest.mark.parametrize("period", ["Day", "Week"])
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1969-12-31"])
async def test_energy_log_days_at_the_ends_of_the_calendar_are_refused(
    face: httpx.AsyncClient, make_user: UserMaker, period: str, day: str
) -> None:
    account = await make_user(thermostats=1)
    response = await face.get(
        f"{API}/EnergyLog/{period}/{account.serials[0]}/{day}", headers=account.auth
    )
    assert response.status_code == 400, response.text
    assert response.json() == {"messages": ["The date must lie between 1970-01-01 and 9998-12-31."]}


async def test_energy_log_dates_in_other_digits_are_refused(
    face: httpx.AsyncClient, make_user: UserMaker
) -> None:
    account = await make_user(thermostats=1)
    serial = account.serials[0]
    day = await face.get(
        f"{API}/EnergyLog/Day/{serial}/\u0662\u0660\u0662\u0664-01-01", headers=account.auth
    )
    year = await face.get(
        f"{API}/EnergyLog/Month/{serial}/\u0662\u0660\u0662\u0664", headers=account.auth
    )
    assert (day.status_code, year.status_code) == (400, 400)


async def test_a_lone_surrogate_in_a_name_is_refused_and_nothing_changes(
    face: httpx.AsyncClient, make_user: UserMaker
) -> None:
    account = await make_user(thermostats=1)
    serial = account.serials[0]
    body = '{"serialNumber": "' + serial + '", "name": "\\ud800"}'
    response = await face.put(
        f"{API}/Thermostat",
        headers={**account.auth, "Content-Type": "application/json"},
        content=body,
    )
    assert response.status_code == 400, response.text
    assert "surrogate" in response.text
    after = await face.get(f"{API}/Thermostat/{serial}", headers=account.auth)
    assert after.json()["name"] == "Room 0"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/Group", {"groupId": "GROUP", "awayMode": "yes"}),
        ("/Group", {"groupId": "GROUP", "awayMode": 1}),
        ("/Thermostat", {"serialNumber": "SERIAL", "scheduleMode": True}),
        ("/Thermostat", {"serialNumber": "SERIAL", "scheduleMode": "2"}),
        ("/Thermostat", {"serialNumber": "SERIAL", "setPointTemp": 2000.5}),
    ],
)
async def test_values_of_the_wrong_json_type_are_refused(
    face: httpx.AsyncClient, make_user: UserMaker, path: str, body: dict[str, Any]
) -> None:
    account = await make_user(thermostats=1)
    filled = {
        key: (str(account.group_id) if value == "GROUP" else account.serials[0])
        if value in ("GROUP", "SERIAL")
        else value
        for key, value in body.items()
    }
    response = await face.put(API + path, headers=account.auth, json=filled)
    assert response.status_code == 400, response.text
    group = await face.get(f"{API}/Group/{account.group_id}", headers=account.auth)
    assert group.json()["awayMode"] is False


async def test_405_names_every_method_of_the_path(
    face: httpx.AsyncClient, make_user: UserMaker
) -> None:
    account = await make_user(thermostats=0)
    for path in ("/Thermostat", "/Group"):
        response = await face.request("DELETE", API + path, headers=account.auth)
        assert response.status_code == 405
        assert response.headers["allow"] == "GET, PUT", path
        assert response.json()["messages"]


async def test_an_unknown_openapi_version_is_a_404_in_the_face_shape(
    face: httpx.AsyncClient,
) -> None:
    response = await face.get("/nuheat/swagger/v3/swagger.json")
    assert response.status_code == 404
    assert response.json() == {"messages": ["There is no OpenAPI document v3; there are v1, v2."]}


async def test_the_openapi_document_names_what_the_server_enforces(
    face: httpx.AsyncClient,
) -> None:
    document = (await face.get("/nuheat/swagger/v1/swagger.json")).json()
    models = document["components"]["schemas"]
    update = models["ThermostatUpdateModel"]
    assert update["required"] == ["serialNumber"]
    # When given (null means "not given"): one of the modes; a date-time the server parses.
    schedule_mode = update["properties"]["scheduleMode"]["anyOf"]
    assert schedule_mode == [{"type": "integer", "enum": [1, 2, 3]}, {"type": "null"}]
    hold_until = update["properties"]["holdSetPointDateTime"]["anyOf"]
    assert hold_until[0]["format"] == "date-time"
    assert models["GroupUpdateModel"]["required"] == ["groupId"]


REQUEST_MODELS: list[type[BaseModel]] = [
    schemas.ThermostatUpdateModel,
    schemas.GroupUpdateModel,
    schemas.ScheduleModel,
    schemas.AutoModeModel,
    schemas.HoldModeModel,
    schemas.ManualModeModel,
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
model_fields = sorted(
    {name for model in REQUEST_MODELS for name in model.model_fields}
    | {"weekDay", "events", "clock", "active", "temperature"}
)
bodies = st.dictionaries(st.sampled_from(model_fields), json_values, max_size=6)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(REQUEST_MODELS), bodies | json_values)
def test_request_models_accept_or_refuse_but_never_raise_anything_else(
    model: type[BaseModel], body: Any
) -> None:
    try:
        parsed = model.model_validate(body)
    except ValidationError:
        return
    for name, value in parsed:
        if isinstance(value, bool) and name in body:
            assert body[name] is value  # never coerced from "yes", 1 or "true"


@pytest.mark.parametrize("depth", [1000, 100_000])
async def test_deeply_nested_bodies_are_400(
    face: httpx.AsyncClient, make_user: UserMaker, depth: int
) -> None:
    account = await make_user(thermostats=1)
    body = (
        '{"serialNumber": "' + account.serials[0] + '", "name": ' + "[" * depth + "]" * depth + "}"
    )
    response = await face.put(
        f"{API}/Thermostat",
        headers={**account.auth, "Content-Type": "application/json"},
        content=body,
    )
    assert response.status_code == 400, response.text[:200]
    assert response.json()["messages"]
