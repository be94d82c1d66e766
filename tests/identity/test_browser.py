"""A person signs in through a real browser: headless Chromium, driven by Playwright, against
the app on a live loopback port.

The client's redirect URI is a page the live server already has (``/healthz?cb=1``), so the
browser really lands on it and the test reads the code and state from the address bar, as a
web app's callback would. Chromium is the Debian package; without it the lane skips, except
under ``CI=true`` where it must run.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.integrations.requests_client import OAuth2Session
from playwright.async_api import Browser, Page, async_playwright

from homecloud.core.database import Database
from homecloud.core.users import create_user
from homecloud.identity.clients import DEVICE_CODE, register_client
from homecloud.settings import Settings

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct-horse-battery"
CLIENT_NAME = "Living Room Dashboard"
ISSUERS = {"nuheat": "/nuheat/identity", "ckw": "/ckw/auth/realms/CKW"}
SCOPES = {"nuheat": "openid openapi offline_access", "ckw": "openid profile email"}


class Live(Protocol):
    url: str
    settings: Settings


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"browser lane: {CHROMIUM} is missing (apt-get install chromium)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true requires the {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
async def chromium() -> AsyncIterator[Browser]:
    require_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            await browser.close()


class App:
    """A registered web app of one face, with Authlib's client for its side of the flow."""

    def __init__(
        self,
        live: Live,
        face: str,
        credentials: tuple[str, str],
        http: httpx.AsyncClient,
        discovery: dict[str, Any],
    ) -> None:
        self.live = live
        self.issuer = live.url + ISSUERS[face]
        self.http = http
        self.discovery = discovery
        self.oauth = OAuth2Session(
            client_id=credentials[0],
            client_secret=credentials[1],
            token_endpoint_auth_method="client_secret_basic",
            scope=SCOPES[face],
            redirect_uri=redirect_uri(live),
            code_challenge_method="S256",
        )

    def authorization_url(self, verifier: str) -> tuple[str, str]:
        url, state = self.oauth.create_authorization_url(
            self.discovery["authorization_endpoint"], code_verifier=verifier, nonce="browser-nonce"
        )
        return str(url), str(state)


def redirect_uri(live: Live) -> str:
    """A page the live server has anyway, standing in for the web app's callback."""
    return f"{live.url}/healthz?cb=1"


@pytest.fixture(params=sorted(ISSUERS))
async def app(request: pytest.FixtureRequest, live_server: Live) -> AsyncIterator[App]:
    face = request.param
    database = Database(live_server.settings.effective_database_url)
    try:
        async with database.session(write=True) as session:
            await create_user(
                session, "ann@example.com", PASSWORD, username="ann", first_name="Ann"
            )
            issued = await register_client(
                session,
                face=face,
                name=CLIENT_NAME,
                redirect_uris=[redirect_uri(live_server)],
                grant_types=["authorization_code", "refresh_token"],
                scope=SCOPES[face],
            )
    finally:
        await database.dispose()
    assert issued.client_secret is not None
    credentials = (issued.client.client_id, issued.client_secret)
    async with httpx.AsyncClient() as http:
        discovery = await http.get(
            live_server.url + ISSUERS[face] + "/.well-known/openid-configuration"
        )
        assert discovery.status_code == 200
        app = App(live_server, face, credentials, http, discovery.json())
        yield app
        app.oauth.close()


async def sign_in(page: Page, username: str, password: str) -> None:
    await page.get_by_label("E-mail or user name").fill(username)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()


async def test_a_person_signs_in_consents_and_lands_on_the_redirect_uri(
    chromium: Browser, app: App
) -> None:
    verifier = "v" * 20 + "browser-verifier-0123456789"
    url, state = app.authorization_url(verifier)
    page = await chromium.new_page()
    page.set_default_timeout(15_000)

    await page.goto(url)
    assert await page.get_by_role("heading", name="Sign in").is_visible()
    await sign_in(page, "ann", PASSWORD)

    # The consent page names the application and what it asks for.
    heading = page.get_by_role("heading", name=f"Allow {CLIENT_NAME}?")
    await heading.wait_for()
    assert CLIENT_NAME in await page.locator("main").inner_text()
    assert "openid" in await page.locator("ul.scopes").inner_text()
    await page.get_by_role("button", name="Allow").click()

    await page.wait_for_url(f"{app.live.url}/healthz?*")
    landed = urlsplit(page.url)
    params = {key: values[0] for key, values in parse_qs(landed.query).items()}
    assert f"{landed.scheme}://{landed.netloc}{landed.path}" == f"{app.live.url}/healthz"
    assert params["cb"] == "1"  # the registered query survives
    assert params["state"] == state
    assert params["iss"] == app.issuer
    assert params["code"]
    assert "status" in await page.locator("body").inner_text()  # the callback page rendered

    tokens = await asyncio.to_thread(
        app.oauth.fetch_token,
        app.discovery["token_endpoint"],
        authorization_response=page.url,
        state=state,
        code_verifier=verifier,
    )
    assert tokens["access_token"]
    assert tokens["id_token"]
    userinfo = await app.http.get(
        app.discovery["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert userinfo.status_code == 200
    await page.close()


PHONE = {"width": 360, "height": 740}


async def scroll_width(page: Page) -> int:
    """How wide the page's content is: more than the viewport means sideways scrolling."""
    width = await page.evaluate("document.scrollingElement.scrollWidth")
    assert isinstance(width, int)
    return width


async def test_sign_in_and_consent_fit_a_phone_and_say_what_each_scope_allows(
    chromium: Browser, app: App
) -> None:
    url, _ = app.authorization_url("p" * 43)
    page = await chromium.new_page(viewport=PHONE)
    page.set_default_timeout(15_000)
    await page.goto(url)
    await page.get_by_role("heading", name="Sign in").wait_for()
    assert await scroll_width(page) <= PHONE["width"]
    # A long login typed in, and a failed attempt's error, still fit.
    await sign_in(page, "a.very.long.name.for.a.narrow.phone@subdomain.example.com", "wrong-pw")
    await page.get_by_role("alert").wait_for()
    assert await scroll_width(page) <= PHONE["width"]

    await sign_in(page, "ann", PASSWORD)
    await page.get_by_role("heading", name=f"Allow {CLIENT_NAME}?").wait_for()
    assert await scroll_width(page) <= PHONE["width"]
    scopes = await page.locator("ul.scopes").inner_text()
    assert "Know who you are" in scopes  # openid, in words
    assert "Keep access while you are not signed in" in scopes or "See your name" in scopes
    remember = page.get_by_label("Remember my decision")
    assert not await remember.is_checked()
    await page.close()


async def test_a_wrong_password_shows_the_error_on_the_page(chromium: Browser, app: App) -> None:
    url, _ = app.authorization_url("w" * 43)
    page = await chromium.new_page()
    page.set_default_timeout(15_000)
    await page.goto(url)
    login_url = page.url

    await sign_in(page, "ann", "not-the-password")

    alert = page.get_by_role("alert")
    await alert.wait_for()
    assert "Invalid user name or password." in await alert.inner_text()
    assert urlsplit(page.url).path == urlsplit(login_url).path  # still signing in
    assert await page.get_by_label("E-mail or user name").input_value() == "ann"
    assert await page.get_by_label("Password").input_value() == ""
    # The right password then goes through to the consent page.
    await sign_in(page, "ann", PASSWORD)
    await page.get_by_role("heading", name=f"Allow {CLIENT_NAME}?").wait_for()
    await page.close()


DEVICE_ISSUERS = {"nuheat": "/nuheat/identity", "smartme": "/smartme"}
DEVICE_SCOPES = {"nuheat": "openid openapi", "smartme": "user.read device.read"}
DISCOVERY = {
    "nuheat": "/nuheat/identity/.well-known/openid-configuration",
    "smartme": "/smartme/.well-known/oauth-authorization-server",
}


@pytest.mark.parametrize("face", sorted(DEVICE_ISSUERS))
async def test_a_person_connects_a_device_by_typing_its_code_on_a_phone(
    chromium: Browser, live_server: Live, face: str
) -> None:
    """RFC 8628 end to end: a display without a browser asks for a code, the person types it
    on a phone (in lower case, without the dash), allows it, and the display's poll with
    Authlib's client gets its token."""
    database = Database(live_server.settings.effective_database_url)
    try:
        async with database.session(write=True) as session:
            await create_user(session, "ann@example.com", PASSWORD, username="ann")
            issued = await register_client(
                session,
                face=face,
                name=CLIENT_NAME,
                grant_types=["device_code"],
                scope=DEVICE_SCOPES[face],
                public=True,
            )
    finally:
        await database.dispose()
    client_id = issued.client.client_id
    async with httpx.AsyncClient() as http:
        discovery = (await http.get(live_server.url + DISCOVERY[face])).json()
        started = await http.post(
            discovery["device_authorization_endpoint"],
            data={"client_id": client_id, "scope": DEVICE_SCOPES[face]},
        )
    assert started.status_code == 200, started.text
    codes = started.json()

    page = await chromium.new_page(viewport=PHONE)
    page.set_default_timeout(15_000)
    await page.goto(codes["verification_uri"])
    await page.get_by_role("heading", name="Sign in").wait_for()
    await sign_in(page, "ann", PASSWORD)
    await page.get_by_role("heading", name="Connect a device").wait_for()
    await page.get_by_label("Code").fill(codes["user_code"].replace("-", "").lower())
    await page.get_by_role("button", name="Continue").click()
    await page.get_by_role("heading", name=f"Allow {CLIENT_NAME}?").wait_for()
    assert codes["user_code"] in await page.locator("main").inner_text()
    assert await scroll_width(page) <= PHONE["width"]
    await page.get_by_role("button", name="Allow").click()
    await page.get_by_role("heading", name="Device connected").wait_for()
    await page.close()

    display = OAuth2Session(client_id=client_id, token_endpoint_auth_method="none")
    try:
        tokens = await asyncio.to_thread(
            display.fetch_token,
            discovery["token_endpoint"],
            grant_type=DEVICE_CODE,
            device_code=codes["device_code"],
        )
    finally:
        display.close()
    assert tokens["access_token"]
    assert set(tokens["scope"].split()) == set(DEVICE_SCOPES[face].split())
