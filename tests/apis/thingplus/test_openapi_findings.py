"""Regression tests for what schemathesis found against the face's OpenAPI document: each
bad input gets a 400 in the vendor's shape (SCHEMA_VALIDATE / INVALID_INPUT), never a 500 and
never silently passed over; what the document calls valid is accepted.

These tests use the root conftest's ``client`` and ``services`` only."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import jsonschema_rs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from homecloud.apis.thingplus.identity import auth_client_schema
from homecloud.apis.thingplus.openapi import GATEWAY_BODY
from homecloud.apis.thingplus.schemas import check_report_interval
from homecloud.core.errors import ApiError
from homecloud.services import Services
from tests.apis.thingplus.password_grant import password_token

TEMPERATURE = {
    "name": "Temperature",
    "type": "temperature",
    "driverName": "openApiSensor",
    "model": "openApiTemp",
}


async def bearer(client: httpx.AsyncClient, services: Services) -> dict[str, str]:
    """A new user's token, as the Authorization header."""
    return {"Authorization": f"Bearer {await password_token(client, services.database)}"}


async def gateway_with_sensor(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    gateway_id = uuid.uuid4().hex
    body = {
        "reqId": gateway_id,
        "params": {"model": "52", "name": "G", "sensors": [{"reqId": "t-1", **TEMPERATURE}]},
    }
    made = await client.post("/thingplus/v2/registerGateway", json=body, headers=headers)
    assert made.status_code == 201, made.text
    return gateway_id


def refused(response: httpx.Response, code: str = "SCHEMA_VALIDATE") -> dict[str, Any]:
    assert response.status_code == 400, response.text
    error: dict[str, Any] = response.json()["errors"][0]
    assert error["code"] == code
    return error


@pytest.mark.parametrize(
    "query",
    [{"filter[name]": "nothing like it"}, {"page": "1"}, {"count": "1"}, {"orderBy": "name"}],
)
async def test_a_read_of_one_object_refuses_list_parameters(
    client: httpx.AsyncClient, services: Services, query: dict[str, str]
) -> None:
    # Was a 500: the one object was filtered or paged away, then read as the first of none.
    headers = await bearer(client, services)
    gateway_id = await gateway_with_sensor(client, headers)
    for path in (f"/gateways/{gateway_id}", f"/gateways/{gateway_id}/sensors/t-1"):
        response = await client.get("/thingplus/v2" + path, params=query, headers=headers)
        error = refused(response)
        assert error["detail"]["keyword"] == "additionalProperties"
    fields = await client.get(
        f"/thingplus/v2/gateways/{gateway_id}", params={"fields": "name"}, headers=headers
    )
    assert fields.json()["data"] == {"name": "G", "id": gateway_id}


async def test_series_options_are_checked_not_passed_over(
    client: httpx.AsyncClient, services: Services
) -> None:
    headers = await bearer(client, services)
    gateway_id = await gateway_with_sensor(client, headers)
    series = f"/thingplus/v2/gateways/{gateway_id}/sensors/t-1/series"
    sensor = f"/thingplus/v2/gateways/{gateway_id}/sensors/t-1"
    # Options of a range without the range.
    error = refused(await client.get(series, params={"interval": "1h"}, headers=headers))
    assert error["detail"]["params"] == {"missingProperty": "dataStart"}
    # An option of the other kind of read, malformed.
    start = str(int(time.time() * 1000) - 3_600_000)
    bad_unit = {"dataStart": start, "statFunc[timeUnit]": "fortnight", "statFunc[id]": "seriesStat"}
    refused(await client.get(series, params=bad_unit, headers=headers))
    bad_func = {"dataStart": start, "intervalFunc": "median", "statFunc[id]": "seriesStat"}
    refused(await client.get(series, params=bad_func, headers=headers))
    no_id = {"dataStart": start, "statFunc[timeUnit]": "hour"}
    refused(await client.get(series, params=no_id, headers=headers), "INVALID_INPUT")
    # Nested under a sensor read without embed=series: checked too, though unused.
    nested = {"series[dataStart]": start, "series[interval]": "fortnightly"}
    refused(await client.get(sensor, params=nested, headers=headers), "INVALID_INPUT")
    fine = await client.get(sensor, params={"series[dataStart]": start}, headers=headers)
    assert fine.status_code == 200
    # RFC 3339 allows a lower-case "z", as date-time in the document does.
    moment = await client.get(series, params={"dataStart": "2026-01-01T00:00:00z"}, headers=headers)
    assert moment.status_code == 200, moment.text


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"value": "on", "validDuration": 90, "timeout": 0}, ".timeout"),
        ({"value": "on", "validDuration": 0, "timeout": 90}, ".validDuration"),
        ({"value": "on", "validDuration": 2**31}, ".validDuration"),
        ({"value": "on", "timeout": 10**18}, ".timeout"),
    ],
)
async def test_every_status_duration_sent_is_checked(
    client: httpx.AsyncClient, services: Services, body: dict[str, Any], path: str
) -> None:
    headers = await bearer(client, services)
    gateway_id = await gateway_with_sensor(client, headers)
    response = await client.put(
        f"/thingplus/v2/gateways/{gateway_id}/status", json=body, headers=headers
    )
    assert refused(response)["detail"]["dataPath"] == path
    never = {"value": "on", "validDuration": -1, "timeout": 2**31 - 1}
    ok = await client.put(
        f"/thingplus/v2/gateways/{gateway_id}/status", json=never, headers=headers
    )
    assert ok.status_code == 200, ok.text


async def test_registration_checks_the_whole_body_before_making_anything(
    client: httpx.AsyncClient, services: Services
) -> None:
    headers = await bearer(client, services)
    gateway_id = uuid.uuid4().hex
    malformed_device = {
        "reqId": gateway_id,
        "params": {"model": "52", "name": "G", "devices": [{"reqId": "d-1", "name": "D"}]},
    }
    response = await client.post(
        "/thingplus/v2/registerGateway", json=malformed_device, headers=headers
    )
    assert refused(response)["detail"]["dataPath"] == ".params.devices[0]"
    # Both names of the id, when both are sent, must be a gateway id.
    both = {"reqId": gateway_id, "id": "not-hex", "params": {"model": "52", "name": "G"}}
    response = await client.post("/thingplus/v2/registerGateway", json=both, headers=headers)
    refused(response, "INVALID_INPUT")
    listed = await client.get("/thingplus/v2/gateways", headers=headers)
    assert listed.json()["data"] == []


@pytest.mark.parametrize(
    ("uri", "accepted"),
    [
        ("http://[", False),  # was a 500: urlsplit refuses the bracket
        ("https://[::1", False),
        ("https://app.example/cb#frag", False),
        ("http:no-host", False),
        ("https://app.example/cb", True),
        ("myapp:callback", True),
    ],
)
async def test_an_auth_clients_redirect_uri_is_checked_as_documented(
    client: httpx.AsyncClient, services: Services, uri: str, accepted: bool
) -> None:
    headers = await bearer(client, services)
    # What the document says of it (a URI, by the pattern), as schemathesis checks it.
    schema = auth_client_schema()["properties"]["redirectUri"]
    documented = jsonschema_rs.Draft4Validator(schema, validate_formats=True).is_valid(uri)
    body = {
        "name": "App",
        "reqId": f"app-{uuid.uuid4().hex[:8]}",
        "clientSecret": "s3cret",
        "scopes": ["gateway"],
        "redirectUri": uri,
    }
    response = await client.post("/thingplus/v2/authClients", json=body, headers=headers)
    if accepted:
        assert response.status_code == 201, response.text
    else:
        error = refused(response)
        assert error["detail"]["dataPath"] == ".redirectUri"
    assert documented == accepted


@given(
    st.integers(min_value=-10, max_value=10**10).map(str)
    | st.integers(min_value=59_000, max_value=605_000_000).map(str)
    | st.tuples(st.integers(0, 20), st.integers(0, 10**9)).map(lambda z: "0" * z[0] + str(z[1]))
    | st.text(max_size=12)
)
def test_the_documented_report_interval_string_is_what_the_server_takes(text: str) -> None:
    """A gateway sent back as read carries its interval as a digit string: the document's
    pattern (and length) for it holds exactly what check_report_interval takes."""
    schema = GATEWAY_BODY["properties"]["reportInterval"]["anyOf"][1]
    documented = jsonschema_rs.Draft4Validator(schema).is_valid(text)
    try:
        check_report_interval(text, ".reportInterval")
    except ApiError:
        taken = False
    else:
        taken = True
    assert documented == taken
