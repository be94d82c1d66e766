"""Swagger UI at /thingplus/swagger over the face's OpenAPI document (the vendor publishes
none): what the document states, the page and its assets, and Authorize with the demo client.

These tests use the root conftest's fixtures only (``client``, ``services``, ``settings``)."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jsonschema_rs
import orjson
import pytest
from playwright.async_api import Browser

from homecloud.apis.thingplus.catalog_data import SENSOR_TYPES
from homecloud.demo import prepare_demo
from homecloud.services import Services
from homecloud.settings import Settings
from tests.apis.thingplus.conftest import Api, register
from tests.apis.thingplus.test_openapi_findings import bearer, gateway_with_sensor
from tests.conftest import LiveServer
from tests.identity.person import pkce_pair
from tests.identity.test_browser import chromium  # noqa: F401  (headless Chromium, shared)
from tests.swagger_ui import open_swagger_ui
from tests.test_demo import demo_settings, sign_in_and_allow

DOCUMENT = "/thingplus/swagger/v2/swagger.json"
PATHS = {
    "/v2/gatewayModels",
    "/v2/gatewayModels/{model_id}",
    "/v2/sensorTypes",
    "/v2/sensorTypes/{type_id}",
    "/v2/sites",
    "/v2/sites/{site_id}",
    "/v2/users/me",
    "/v2/registerGateway",
    "/v2/gateways",
    "/v2/gateways/{gateway_id}",
    "/v2/gateways/{gateway_id}/status",
    "/v2/gateways/{gateway_id}/devices",
    "/v2/gateways/{gateway_id}/devices/{device_id}",
    "/v2/gateways/{gateway_id}/sensors",
    "/v2/gateways/{gateway_id}/sensors/{sensor_id}",
    "/v2/gateways/{gateway_id}/sensors/{sensor_id}/status",
    "/v2/gateways/{gateway_id}/sensors/{sensor_id}/series",
    # Both names the vendor's material gives the client registration.
    "/v2/authClients",
    "/v2/authClients/{client_id}",
    "/v2/oauth2/authClients",
    "/v2/oauth2/authClients/{client_id}",
}


async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get(DOCUMENT)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def body_of(operation: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = operation["requestBody"]["content"]["application/json"]["schema"]
    return schema


def parameters(operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {parameter["name"]: parameter for parameter in operation.get("parameters", [])}


async def test_the_document_has_the_v2_resources_and_nothing_of_fastapis(
    client: httpx.AsyncClient,
) -> None:
    served = await document(client)
    assert served["openapi"].startswith("3.0")
    assert served["info"]["title"] == "Thing+ API"
    assert served["servers"] == [{"url": "/thingplus"}]
    assert set(served["paths"]) == PATHS
    schemas = served["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert {"Gateway", "Sensor", "Device", "StatusLeaf", "SeriesLeaf", "Meta"} <= set(schemas)
    # The answers' envelope, with the vendor's underscore fields.
    assert set(schemas["GatewayList"]["properties"]) >= {"statusCode", "message", "data", "_meta"}
    assert "_site" in schemas["Gateway"]["properties"]
    assert schemas["Gateway"]["required"] == ["id"]  # fields=... may leave out the rest


async def test_bodies_state_required_fields_enums_and_ranges(client: httpx.AsyncClient) -> None:
    paths = (await document(client))["paths"]
    register = body_of(paths["/v2/registerGateway"]["post"])
    assert register["required"] == ["params"]
    assert register["anyOf"] == [{"required": ["reqId"]}, {"required": ["id"]}]
    assert register["additionalProperties"] is False
    assert register["properties"]["reqId"]["pattern"] == "^[0-9a-f]{32}$"
    params = register["properties"]["params"]
    assert params["required"] == ["model", "name"]
    assert params["properties"]["model"]["enum"] == ["52"]
    assert params["properties"]["reportInterval"]["minimum"] == 60_000
    assert params["properties"]["reportInterval"]["maximum"] == 604_800_000
    assert params["properties"]["virtual"]["enum"] == ["y", "n"]

    sensor = body_of(paths["/v2/gateways/{gateway_id}/sensors"]["post"])
    assert sensor["required"] == ["reqId", "name", "type", "driverName", "model"]
    assert sensor["properties"]["reqId"]["pattern"] == "^[A-Za-z0-9._~-]+$"
    assert sensor["properties"]["category"]["enum"] == ["sensor"]
    # The catalogue pairs each type with its model: one branch per sensor type.
    pairs = {
        (branch["properties"]["type"]["enum"][0], branch["properties"]["model"]["enum"][0])
        for branch in sensor["anyOf"]
    }
    assert ("temperature", "openApiTemp") in pairs
    assert len(pairs) == len(SENSOR_TYPES)

    auth_client = body_of(paths["/v2/authClients"]["post"])
    assert auth_client["required"] == ["name", "reqId", "clientSecret", "scopes"]
    assert "gateway" in auth_client["properties"]["scopes"]["items"]["enum"]
    assert auth_client["properties"]["redirectUri"]["format"] == "uri"

    status = body_of(paths["/v2/gateways/{gateway_id}/status"]["put"])
    assert status["properties"]["value"]["enum"] == ["on", "off", "err"]
    assert status["anyOf"] == [{"required": ["validDuration"]}, {"required": ["timeout"]}]
    series = body_of(paths["/v2/gateways/{gateway_id}/sensors/{sensor_id}/series"]["put"])
    point, batch = series["anyOf"]
    assert point["required"] == ["value", "time"]
    assert batch["minItems"] == 1


async def test_query_parameters_and_answers_are_stated(client: httpx.AsyncClient) -> None:
    paths = (await document(client))["paths"]
    listed = parameters(paths["/v2/gateways"]["get"])
    assert listed["count"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 4000}
    assert listed["orderDir"]["schema"]["enum"] == ["asc", "desc"]
    assert listed["filter"]["style"] == "deepObject"
    assert listed["embed"]["schema"]["items"]["enum"] == ["devices", "sensors", "status"]
    # A read of one object takes no list parameters.
    assert set(parameters(paths["/v2/gateways/{gateway_id}"]["get"])) == {
        "gateway_id",
        "fields",
        "embed",
    }
    series = parameters(paths["/v2/gateways/{gateway_id}/sensors/{sensor_id}/series"]["get"])
    assert {"type": "string", "format": "date-time"} in series["dataStart"]["schema"]["anyOf"]
    assert series["statFunc[timeUnit]"]["schema"]["enum"] == [
        "hour",
        "day",
        "week",
        "month",
        "year",
    ]
    nested = parameters(paths["/v2/gateways/{gateway_id}/sensors/{sensor_id}"]["get"])
    assert "series[dataStart]" in nested
    assert "series[statFunc][id]" in nested

    register = paths["/v2/registerGateway"]["post"]["responses"]
    assert {"201", "207", "400", "401", "403", "404", "409", "471"} <= set(register)
    assert "200" not in register
    assert "204" in paths["/v2/gateways/{gateway_id}"]["delete"]["responses"]
    denied = register["403"]["content"]["application/json"]["schema"]["anyOf"]
    assert any("name" in schema.get("properties", {}) for schema in denied)  # jsonwebtoken's
    assert register["401"]["content"]["application/json"]["schema"]["enum"] == ["Access denied"]


async def test_security_names_the_faces_oauth2_flows_and_open_catalogue(
    client: httpx.AsyncClient,
) -> None:
    served = await document(client)
    schemes = served["components"]["securitySchemes"]
    flows = schemes["oauth2"]["flows"]
    assert flows["authorizationCode"]["authorizationUrl"] == "/thingplus/v2/oauth2/authorize"
    assert flows["authorizationCode"]["tokenUrl"] == "/thingplus/v2/oauth2/token"
    assert flows["password"]["tokenUrl"] == "/thingplus/v2/oauth2/token"
    assert {"gateway", "gateway-read", "site-read", "user-profile-read"} <= set(
        flows["authorizationCode"]["scopes"]
    )
    assert schemes["Bearer"] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    assert {"Bearer": []} in served["security"]
    # The catalogue answers without a token, as the vendor's does.
    assert served["paths"]["/v2/sensorTypes"]["get"]["security"] == []
    assert "security" not in served["paths"]["/v2/gateways"]["get"]
    assert (await client.get("/thingplus/v2/sensorTypes")).status_code == 200


async def test_an_unknown_document_is_a_404_in_the_vendors_error_shape(
    client: httpx.AsyncClient,
) -> None:
    for path in ("/thingplus/swagger/v1/swagger.json", "/thingplus/swagger/assets/nope.js"):
        response = await client.get(path)
        assert response.status_code == 404
        body = response.json()
        assert body["statusCode"] == 404
        assert body["message"] == "Not Found"
        assert body["errors"][0]["code"] == "NOT_FOUND"
    unknown = (await client.get("/thingplus/swagger/v1/swagger.json")).json()
    assert "there are v2" in unknown["errors"][0]["message"]


async def test_the_page_and_its_assets_are_served_locally(client: httpx.AsyncClient) -> None:
    page = await client.get("/thingplus/swagger")
    assert page.status_code == 200
    assert "swagger/assets/swagger-ui-bundle.js" in page.text
    assert "http" not in page.text.split("<body>")[1].split("new URL")[0]  # no CDN
    assert (await client.get("/thingplus/swagger/assets/swagger-ui.css")).status_code == 200
    redirect_page = await client.get("/thingplus/swagger/oauth2-redirect")
    assert redirect_page.status_code == 200
    assert "oauth2" in redirect_page.text.lower()


async def test_authorize_runs_the_code_flow_with_the_demo_client_and_pkce(
    client: httpx.AsyncClient, services: Services, settings: Settings
) -> None:
    demo = await prepare_demo(services.database, demo_settings(settings), ["thingplus"])
    redirect_uri = settings.base_url + "/thingplus/swagger/oauth2-redirect"
    assert redirect_uri in demo.clients[0].redirect_uris
    page = await client.get("/thingplus/swagger")
    init = re.search(r"initOAuth\((\{.*?\})\)", page.text)
    assert init is not None
    assert orjson.loads(init.group(1)) == {
        "clientId": "demo-thingplus",
        "usePkceWithAuthorizationCodeGrant": True,
        "scopes": ["gateway", "site-read", "user-profile-read"],
        "appName": "Thing+ Swagger UI",
    }

    # What Swagger UI does on Authorize: PKCE, its redirect page, the banner's secret.
    verifier, challenge = pkce_pair()
    query = urlencode(
        {
            "response_type": "code",
            "client_id": "demo-thingplus",
            "redirect_uri": redirect_uri,
            "scope": "gateway site-read user-profile-read",
            "state": "swagger-state",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    location = await sign_in_and_allow(client, f"/thingplus/v2/oauth2/authorize?{query}")
    assert location.startswith(redirect_uri + "?")
    code = parse_qs(urlsplit(location).query)["code"][0]
    token = await client.post(
        "/thingplus/v2/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
            "client_id": "demo-thingplus",
            "client_secret": demo.clients[0].client_secret,
        },
    )
    assert token.status_code == 200, token.text
    api = Api(client, token.json()["access_token"], demo.user.id, demo.user.email)
    gateways = await api.get("/gateways")
    assert gateways.status_code == 200, gateways.text
    assert [gateway["name"] for gateway in gateways.json()["data"]] == ["Demo gateway"]
    # Every operation Swagger UI offers is open to that token: the site, a new gateway.
    site = await api.get("/sites")
    assert site.status_code == 200, site.text
    await register(api)


@pytest.mark.browser
async def test_swagger_ui_renders_the_operations_in_a_browser(
    chromium: Browser,  # noqa: F811  (the shared fixture, imported above)
    live_server: LiveServer,
) -> None:
    swagger = await open_swagger_ui(chromium, live_server.url, "/thingplus/swagger")
    paths = await swagger.paths()
    assert any("/v2/registerGateway" in path for path in paths)
    assert any("/v2/gateways/{gateway_id}/sensors/{sensor_id}/series" in path for path in paths)
    assert "Thing+ API" in await swagger.title()
    # Authorize offers the face's flows, with the demo client filled in.
    await swagger.page.locator(".btn.authorize").first.click()
    dialog = swagger.page.locator(".modal-ux")
    await dialog.wait_for(timeout=10_000)
    text = await dialog.inner_text()
    assert "authorizationCode" in text or "Authorization Code" in text
    assert await dialog.locator("input#client_id").first.input_value() == "demo-thingplus"
    assert swagger.outside == []


def conforms(served: dict[str, Any], path: str, method: str, response: httpx.Response) -> None:
    """``response`` is what the document says ``method path`` answers with its status."""
    declared = served["paths"][path][method]["responses"][str(response.status_code)]
    schema = declared["content"]["application/json"]["schema"]
    # schemathesis's own validator (OpenAPI 3.0's schemas are JSON Schema draft 4's).
    validator = jsonschema_rs.Draft4Validator(
        {**schema, "components": served["components"]}, validate_formats=True
    )
    errors = [error.message for error in validator.iter_errors(response.json())]
    assert errors == [], (path, method, response.text)


async def test_the_answers_of_the_series_and_status_writes_conform(
    client: httpx.AsyncClient, services: Services
) -> None:
    """The answers schemathesis rarely reaches with its own values (a series write needs the
    sensor's kind of value and a time near now): first and later writes, raw and statistics
    reads, embedded leaves."""
    served = await document(client)
    headers = await bearer(client, services)
    gateway_id = await gateway_with_sensor(client, headers)
    base = "/thingplus/v2"
    sensor = f"/gateways/{gateway_id}/sensors/t-1"
    series = "/v2/gateways/{gateway_id}/sensors/{sensor_id}/series"
    status = "/v2/gateways/{gateway_id}/sensors/{sensor_id}/status"
    now = int(time.time() * 1000)
    for body in (
        {"value": "21.5", "time": now - 120_000},  # the first: the sensor
        [{"value": "22", "time": now - 60_000}, {"value": "22.5", "time": now}],  # the leaf
    ):
        written = await client.put(f"{base}{sensor}/series", json=body, headers=headers)
        assert written.status_code == 200, written.text
        conforms(served, series, "put", written)
    for query in (
        {},
        {"dataStart": str(now - 3_600_000), "interval": "0"},
        {
            "dataStart": str(now - 3_600_000),
            "statFunc[id]": "seriesStat",
            "statFunc[subFunc]": "max",
        },
    ):
        read = await client.get(f"{base}{sensor}/series", params=query, headers=headers)
        assert read.status_code == 200, read.text
        conforms(served, series, "get", read)
    for duration in (90, 90):  # the first: the sensor; then the leaf
        put = await client.put(
            f"{base}{sensor}/status",
            json={"value": "on", "validDuration": duration},
            headers=headers,
        )
        conforms(served, status, "put", put)
    conforms(served, status, "get", await client.get(f"{base}{sensor}/status", headers=headers))
    embedded = await client.get(
        f"{base}/gateways/{gateway_id}",
        params={"embed": ["devices", "sensors", "status"]},
        headers=headers,
    )
    conforms(served, "/v2/gateways/{gateway_id}", "get", embedded)
    me = await client.get(f"{base}/users/me", headers=headers)
    conforms(served, "/v2/users/me", "get", me)
    missing = await client.get(f"{base}/gateways/{'0' * 32}", headers=headers)
    conforms(served, "/v2/gateways/{gateway_id}", "get", missing)
    anonymous = await client.get(f"{base}/gateways")
    conforms(served, "/v2/gateways", "get", anonymous)
