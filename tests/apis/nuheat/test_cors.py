"""Browser apps of registered clients call the API and the hub from their own origins: the
preflight (which carries no token) is answered before authentication, allowed origins get
readable answers, any other origin gets nothing it could read."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser
from starlette.responses import HTMLResponse
from starlette.types import Receive, Scope, Send

from homecloud.core.database import Database
from homecloud.core.users import create_user
from homecloud.identity.clients import register_client
from homecloud.identity.cors import ClientOrigins, origin_of
from tests.apis.nuheat.conftest import PASSWORD, UserMaker, issue_token
from tests.conftest import LiveServer, run_in_own_loop
from tests.serving import serving

API = "/nuheat/api/v1/Thermostat"
APP = "https://client.example"  # the origin of the redirect URI conftest registers


def preflight(origin: str, headers: str = "authorization") -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": headers,
    }


async def test_a_registered_apps_origin_may_call_and_read_the_api(
    face: httpx.AsyncClient, make_user: UserMaker
) -> None:
    account = await make_user(thermostats=1)
    asked = await face.options(API, headers=preflight(APP, "authorization, x-requested-with"))
    assert asked.status_code == 204
    assert asked.headers["access-control-allow-origin"] == APP
    assert asked.headers["access-control-allow-credentials"] == "true"
    assert "GET" in asked.headers["access-control-allow-methods"]
    assert asked.headers["access-control-allow-headers"] == "authorization, x-requested-with"
    assert asked.headers["vary"] == "Origin"

    called = await face.get(API, headers={**account.auth, "Origin": APP})
    assert called.status_code == 200
    assert called.headers["access-control-allow-origin"] == APP
    exposed = called.headers["access-control-expose-headers"]
    assert "X-Rate-Limit-Remaining" in exposed
    assert "WWW-Authenticate" in exposed
    # A refusal is readable too, so the app can tell an expired token from a network error.
    refused = await face.get(API, headers={"Origin": APP})
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == APP
    # The hub's negotiate, which the SignalR client posts from the page.
    hub = await face.options(
        "/nuheat/notificationsHost/negotiate", headers=preflight(APP, "x-signalr-user-agent")
    )
    assert hub.headers["access-control-allow-origin"] == APP


async def test_any_other_origin_gets_nothing_it_could_read(
    face: httpx.AsyncClient, make_user: UserMaker
) -> None:
    account = await make_user(thermostats=1)
    for origin in ("https://evil.example", "https://client.example.evil.example", "null"):
        asked = await face.options(API, headers=preflight(origin))
        assert asked.status_code == 204, origin
        assert "access-control-allow-origin" not in asked.headers
        called = await face.get(API, headers={**account.auth, "Origin": origin})
        assert called.status_code == 200  # the server answers; the browser hides it
        assert "access-control-allow-origin" not in called.headers
    # Without an Origin (not a browser's cross-origin call) nothing changes.
    plain = await face.get(API, headers=account.auth)
    assert "access-control-allow-origin" not in plain.headers
    # A preflight is not an API call: without CORS in front it would be a 401.
    assert (await face.options(API)).status_code == 401


async def test_origins_come_from_redirect_uris_and_settings(database: Database) -> None:
    origins = ClientOrigins(database, "nuheat", ["https://Ops.Example/"], refresh_seconds=0)
    assert await origins.allows("https://ops.example")
    assert not await origins.allows("http://localhost:3000")
    async with database.session(write=True) as session:
        await register_client(
            session,
            face="nuheat",
            name="SPA",
            redirect_uris=["http://localhost:3000/callback", "com.example.app:/oauth"],
            grant_types=["authorization_code"],
        )
        await register_client(
            session,
            face="ckw",
            name="Other face",
            redirect_uris=["https://ckw-app.example/cb"],
            grant_types=["authorization_code"],
        )
    assert await origins.allows("http://localhost:3000")
    assert not await origins.allows("https://ckw-app.example")  # another face's client
    assert origin_of("com.example.app:/oauth") is None
    assert origin_of("HTTPS://App.Example:8443/cb?x=1") == "https://app.example:8443"


async def dashboard(scope: Scope, receive: Receive, send: Send) -> None:
    """The web app's page, served from its own origin on loopback (Chromium refuses a page it
    did not load from the network access to loopback addresses)."""
    await HTMLResponse("<p>dashboard</p>")(scope, receive, send)


@pytest.mark.browser
async def test_a_page_on_the_apps_origin_reads_the_api_in_a_browser(
    chromium: Browser, live_server: LiveServer
) -> None:
    async with serving(dashboard) as app_origin, serving(dashboard) as stranger:
        database = Database(live_server.settings.effective_database_url)

        async def add_person() -> None:
            people = Database(live_server.settings.effective_database_url)
            async with people.session(write=True) as session:
                await create_user(session, "ann@example.com", PASSWORD)
                await register_client(
                    session,
                    face="nuheat",
                    name="Ann's dashboard",
                    redirect_uris=[app_origin + "/callback"],
                    grant_types=["authorization_code"],
                )
            await people.dispose()

        run_in_own_loop(add_person)
        async with httpx.AsyncClient(base_url=live_server.url) as http:
            token = await issue_token(http, database, "ann@example.com")
        await database.dispose()
        page = await chromium.new_page()
        call = """async ([url, token]) => {
            try {
                const answer = await fetch(url, {headers: {Authorization: "Bearer " + token}});
                return [answer.status, answer.headers.get("X-Rate-Limit-Remaining") !== null];
            } catch (error) { return ["blocked", false]; }
        }"""
        await page.goto(app_origin + "/app")
        status, sees_limit = await page.evaluate(call, [live_server.url + API, token])
        # 404: Ann has no thermostats; the page can read that answer and its headers.
        assert (status, sees_limit) == (404, True)
        await page.goto(stranger + "/app")
        assert await page.evaluate(call, [live_server.url + API, token]) == ["blocked", False]
