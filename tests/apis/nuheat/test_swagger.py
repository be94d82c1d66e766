"""Swagger UI at /nuheat/swagger over the face's OpenAPI documents, which use the vendor's
model names; the UI's assets are served by homecloud itself."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser

from tests.conftest import LiveServer

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
    page = await chromium.new_page()
    # Anything but the live server (a CDN, say) would be unreachable offline: refuse it.
    outside: list[str] = []

    async def only_local(route):  # type: ignore[no-untyped-def]
        if route.request.url.startswith(live_server.url):
            await route.continue_()
        else:
            outside.append(route.request.url)
            await route.abort()

    await page.route("**/*", only_local)
    await page.goto(f"{live_server.url}/nuheat/swagger")
    await page.wait_for_selector(".opblock-summary-path", timeout=20_000)
    paths = await page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/Thermostat" in path for path in paths)
    assert any("/api/v1/EnergyLog/Day" in path for path in paths)
    assert "Open API" in await page.locator(".title").first.inner_text()
    assert outside == []
