"""The demo in a real browser (headless Chromium through Playwright, on a live loopback port):
the Nuheat "try it" page of the banner leads through sign-in and consent to homecloud's demo
callback page, which shows the code on a phone-sized screen; and Swagger UI's Authorize button
gets a token with the demo client."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, Page

from homecloud.cli.serve import banner_lines
from tests.conftest import LiveServer
from tests.identity.test_browser import chromium, sign_in
from tests.test_demo import PASSWORD, demo_on, demo_settings

pytestmark = pytest.mark.browser
__all__ = ["chromium"]  # the fixture, imported to be used here

PHONE = {"width": 360, "height": 740}


async def allow_at_consent(page: Page) -> None:
    await page.get_by_role("button", name="Allow").click()


async def test_the_nuheat_try_it_page_lands_on_the_demo_callback_showing_a_code(
    chromium: Browser, live_server: LiveServer
) -> None:
    settings = demo_settings(live_server.settings)
    demo = await demo_on(settings)
    start = dict(banner_lines(settings, demo))["nuheat try it, open"]
    page = await chromium.new_page(viewport=PHONE)
    page.set_default_timeout(15_000)

    await page.goto(start)
    await sign_in(page, "demo@homecloud.local", PASSWORD)
    await allow_at_consent(page)
    await page.wait_for_url(f"{live_server.url}/demo/callback/nuheat?*")

    assert await page.get_by_role("heading", name="Signed in: your code").is_visible()
    code = await page.locator("#code").inner_text()
    assert code
    assert code in page.url
    command = await page.locator("#token-request").inner_text()
    assert f"code={code}" in command
    assert "$CLIENT_SECRET" in command
    # Fits the phone: nothing scrolls sideways.
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    await page.close()


async def test_swagger_ui_authorize_gets_a_token_with_the_demo_client(
    chromium: Browser, live_server: LiveServer
) -> None:
    settings = demo_settings(live_server.settings)
    demo = await demo_on(settings)
    secret = next(client.client_secret for client in demo.clients if client.face == "nuheat")
    page = await chromium.new_page()
    page.set_default_timeout(15_000)
    await page.goto(f"{live_server.url}/nuheat/swagger")
    await page.get_by_role("button", name=re.compile("Authorize")).first.click()

    # The authorization-code flow's form comes filled in: the demo client and its scopes.
    dialog = page.locator(".auth-container", has_text="authorizationCode with PKCE")
    assert await dialog.locator("input[data-name=clientId]").input_value() == "demo-nuheat"
    for scope in ("openid", "profile", "openapi", "offline_access"):
        assert await dialog.locator(f"#{scope}-authorizationCode-checkbox-oauth2").is_checked()
    await dialog.locator("input[data-name=clientSecret]").fill(secret)

    async with page.expect_popup() as opened:
        await dialog.get_by_role("button", name="Authorize").click()
    popup = await opened.value
    popup.set_default_timeout(15_000)
    await sign_in(popup, "demo@homecloud.local", PASSWORD)
    # The redirect page hands the code to Swagger UI and closes itself.
    async with popup.expect_event("close"):
        await allow_at_consent(popup)

    # Swagger UI exchanged the code and now holds a token: the dialog offers to log out.
    await dialog.get_by_role("button", name="Logout").wait_for()
    token = await page.evaluate(
        "window.ui.authSelectors.authorized().toJS().oauth2.token.access_token"
    )
    assert token.count(".") == 2  # the face's JWT access token
    await page.close()
