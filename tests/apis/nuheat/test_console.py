"""The console's Nuheat settings page: signed-in people set their display and energy
settings; the Account resource, the energy log and SignalR subscribers see the change."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.async_api import Browser
from sqlalchemy import select

from homecloud.apis.nuheat.preferences import PreferenceError, checked
from homecloud.core import migrations
from homecloud.core.database import Database
from homecloud.core.events import Subscription
from homecloud.core.models import User
from homecloud.core.users import create_user
from homecloud.services import Services
from tests.apis.nuheat.conftest import PASSWORD, Account, UserMaker
from tests.apis.nuheat.test_energy import local_ms, record
from tests.conftest import LiveServer, run_in_own_loop
from tests.identity.person import field, fill_sign_in

SETTINGS = "/nuheat/console/settings"
CSRF = "__RequestVerificationToken"


async def signed_in(face: httpx.AsyncClient, account: Account) -> httpx.Response:
    """Opens the settings page signed out, signs in where it sends the browser, follows the
    sign-in page back; the settings page."""
    face.cookies.clear()
    to_sign_in = await face.get(SETTINGS)
    assert to_sign_in.status_code == 302
    location = to_sign_in.headers["location"]
    assert urlsplit(location).path == "/nuheat/identity/Account/Login"
    assert parse_qs(urlsplit(location).query)["ReturnUrl"] == [SETTINGS]
    back = await fill_sign_in(face, location, account.email, PASSWORD)
    assert back.status_code == 302
    assert back.headers["location"] == SETTINGS
    page = await face.get(SETTINGS)
    assert page.status_code == 200
    return page


async def submit(face: httpx.AsyncClient, page: httpx.Response, **fields: str) -> httpx.Response:
    """Sends the settings form of ``page`` with ``fields`` (and the page's CSRF token)."""
    return await face.post(SETTINGS, data={CSRF: field(page.text, CSRF), **fields})


async def stored(services: Services, account: Account) -> dict[str, object]:
    async with services.database.session() as session:
        user = await session.scalar(select(User).where(User.id == account.user_id))
        assert user is not None
        return dict(user.preferences.get("nuheat", {}))


@pytest.fixture
def account_events(services: Services) -> Iterator[Subscription]:
    subscription = services.events.subscribe(lambda change: change.kind == "account")
    yield subscription
    subscription.close()


async def test_saved_settings_reach_the_account_the_energy_log_and_subscribers(
    face: httpx.AsyncClient,
    make_user: UserMaker,
    services: Services,
    account_events: Subscription,
) -> None:
    account = await make_user(thermostats=1)
    serial = account.serials[0]
    await record(services, serial, {local_ms(2026, 3, 10, 6): 30.0})
    page = await signed_in(face, account)
    assert account.email in page.text
    assert 'name="kwhRate" type="text" inputmode="decimal" value=""' in page.text
    saved = await submit(
        face,
        page,
        temperatureScale="Fahrenheit",
        use12Hour="on",
        kwhRate="12",
        floorArea=" 50 ",
        wattDensity="12",
        weekStart="Sunday",
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == SETTINGS + "?saved=1"
    again = await face.get(saved.headers["location"])
    assert "Saved." in again.text
    assert 'name="floorArea" type="text" inputmode="decimal" value="50"' in again.text
    assert await stored(services, account) == {
        "temperatureScale": "Fahrenheit",
        "use12Hour": True,
        "kwhRate": 12.0,
        "floorArea": 50.0,
        "wattDensity": 12.0,
        "mondayIsFirstDay": False,
    }
    shown = (await face.get("/nuheat/api/v1/Account", headers=account.auth)).json()
    assert (shown["temperatureScale"], shown["use12Hour"]) == ("Fahrenheit", True)
    day = await face.get(f"/nuheat/api/v1/EnergyLog/Day/{serial}/2026-03-10", headers=account.auth)
    six = next(e for e in day.json()["energyUsage"] if e["entry"] == "6")
    assert (six["energyKWattHour"], six["chargeKWattHour"]) == (0.3, 3.6)
    change = await asyncio.wait_for(account_events.get(), timeout=5)
    assert (change.face, change.owner_id, change.resource_id) == (
        "nuheat",
        account.user_id,
        str(account.user_id),
    )
    assert account_events.pending() == 0  # one save, one announcement
    # A blank number clears it, and the estimates read zero again.
    cleared = await submit(face, page, temperatureScale="Celsius", kwhRate="")
    assert cleared.status_code == 303
    assert "kwhRate" not in await stored(services, account)


async def test_bad_values_are_named_and_nothing_is_stored(
    face: httpx.AsyncClient, make_user: UserMaker, services: Services
) -> None:
    account = await make_user(thermostats=1)
    page = await signed_in(face, account)
    refused = await submit(
        face, page, temperatureScale="Kelvin", kwhRate="twelve", floorArea="-5", wattDensity="12"
    )
    assert refused.status_code == 400
    assert "The temperature scale must be Celsius or Fahrenheit." in refused.text
    assert "Price of a kWh must be a number." in refused.text
    assert "Heated floor area must be between 0 and 1,000,000." in refused.text
    assert 'value="twelve"' in refused.text  # the form keeps what was typed
    assert await stored(services, account) == {}


async def test_forged_or_signed_out_posts_change_nothing(
    face: httpx.AsyncClient, make_user: UserMaker, services: Services
) -> None:
    account = await make_user(thermostats=1)
    await signed_in(face, account)
    forged = await face.post(
        SETTINGS, data={CSRF: "not-the-cookie", "temperatureScale": "Fahrenheit"}
    )
    assert forged.status_code == 400
    assert "The form expired" in forged.text
    face.cookies.clear()
    signed_out = await face.post(SETTINGS, data={"temperatureScale": "Fahrenheit"})
    assert signed_out.status_code == 303
    assert urlsplit(signed_out.headers["location"]).path == "/nuheat/identity/Account/Login"
    assert await stored(services, account) == {}


async def test_the_sign_in_page_returns_only_to_this_faces_pages(
    face: httpx.AsyncClient,
) -> None:
    login = "/nuheat/identity/Account/Login"
    for elsewhere in ("https://evil.example/nuheat/", "//evil.example/x", "/ckw/x", "/nuheatx/"):
        page = await face.get(login, params={"ReturnUrl": elsewhere})
        assert page.status_code == 400, elsewhere
    assert (await face.get(login, params={"ReturnUrl": SETTINGS})).status_code == 200


def test_settings_are_checked_before_anything_is_stored() -> None:
    assert checked({"kwhRate": 0, "floorArea": None, "use12Hour": False}) == {
        "kwhRate": 0.0,
        "floorArea": None,
        "use12Hour": False,
    }
    for bad in (
        {"kwhRate": True},
        {"kwhRate": float("nan")},
        {"wattDensity": float("inf")},
        {"use12Hour": "yes"},
        {"temperatureScale": "kelvin"},
        {"colour": "red"},
    ):
        with pytest.raises(PreferenceError):
            checked(bad)


@pytest.mark.browser
async def test_a_person_signs_in_and_saves_settings_in_a_browser(
    chromium: Browser, live_server: LiveServer
) -> None:
    async def add_person() -> None:
        database = Database(live_server.settings.effective_database_url)
        await migrations.upgrade(database)
        async with database.session(write=True) as session:
            await create_user(session, "ann@example.com", PASSWORD)
        await database.dispose()

    run_in_own_loop(add_person)
    page = await chromium.new_page()
    await page.goto(live_server.url + SETTINGS)
    await page.fill("#Username", "ann@example.com")
    await page.fill("#Password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"**{SETTINGS}")
    await page.select_option("#temperatureScale", "Fahrenheit")
    await page.fill("#kwhRate", "14.5")
    await page.fill("#floorArea", "30")
    await page.fill("#wattDensity", "15")
    await page.click("button[type=submit]")
    await page.wait_for_url(f"**{SETTINGS}?saved=1")
    assert await page.locator(".saved").inner_text() == "Saved."
    assert await page.input_value("#kwhRate") == "14.5"
    assert await page.input_value("#temperatureScale") == "Fahrenheit"


@pytest.mark.browser
async def test_the_settings_page_fits_a_phone(chromium: Browser, live_server: LiveServer) -> None:
    async def add_person() -> None:
        database = Database(live_server.settings.effective_database_url)
        await migrations.upgrade(database)
        async with database.session(write=True) as session:
            await create_user(session, "a.long.address.for.a.phone@subdomain.example.com", PASSWORD)
        await database.dispose()

    run_in_own_loop(add_person)
    page = await chromium.new_page(viewport={"width": 360, "height": 740})
    await page.goto(live_server.url + SETTINGS)
    await page.fill("#Username", "a.long.address.for.a.phone@subdomain.example.com")
    await page.fill("#Password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"**{SETTINGS}")
    await page.fill("#kwhRate", "not a number")
    await page.click("button[type=submit]")
    await page.get_by_role("alert").first.wait_for()  # the error is on the page too
    assert await page.evaluate("document.scrollingElement.scrollWidth") <= 360
    await page.close()
