"""Property tests over what a realtime registration takes: for any body, URL, serial number,
query value or Retry-After header, the parsers accept or refuse with the vendor's 400/404
(or the guard's reason), and never raise anything else (which would be a 500)."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homecloud.apis.smartme.routes.realtime import parse_limit, parse_state
from homecloud.apis.smartme.webhooks import registrations
from homecloud.apis.smartme.webhooks.receivers import (
    AddressPolicy,
    ReceiverRefused,
    parse_receiver_url,
)
from homecloud.apis.smartme.webhooks.sender import retry_after_seconds
from homecloud.core import migrations
from homecloud.core.database import Database
from homecloud.core.errors import ApiError
from homecloud.core.events import InProcessBus
from homecloud.core.unit_of_work import UnitOfWork

from .helpers import new_meter, new_user, realtime, webhook_settings

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
KEYS = [
    "id",
    "apiurl",
    "basicauthusername",
    "basicauthpassword",
    "registrationtype",
    "meterid",
    "serialnumber",
]
urls = st.one_of(
    st.text(max_size=60),
    st.builds(
        lambda scheme, host, rest: f"{scheme}://{host}{rest}",
        st.sampled_from(["http", "https", "HTTP", "ftp", "", "javascript"]),
        st.sampled_from(
            [
                "127.0.0.1:9",
                "[::1]",
                "example.com",
                "a@b",
                "u:p@host.example",
                "10.0.0.1",
                "",
                "%00",
                "[zz]",
            ]
        ),
        st.text(max_size=20),
    ),
)
bodies = st.dictionaries(st.sampled_from(KEYS), json_values | urls, max_size=7)


def refused(error: ApiError) -> None:
    assert error.status in (400, 404)
    assert error.messages


@given(urls, st.booleans())
def test_receiver_urls_are_parsed_or_refused_with_a_reason(url: str, allow: bool) -> None:
    try:
        parsed = parse_receiver_url(url, AddressPolicy(allow_private=allow))
    except ReceiverRefused as exc:
        reason = str(exc)
        assert reason
        return
    assert parsed.url.lower().startswith(("http://", "https://"))
    assert 1 <= parsed.port <= 65535
    assert "@" not in parsed.url.split("/", 3)[2]


@given(st.text(max_size=80) | st.sampled_from(["1 SME 01 63000000", "63000000", "9" * 30]))
def test_serial_numbers_parse_or_answer_400(text: str) -> None:
    try:
        serial = registrations.parse_serial(text)
    except ApiError as error:
        refused(error)
        return
    assert 0 <= serial < 10**18


@given(st.text(max_size=20))
def test_delivery_queries_parse_or_answer_400(text: str) -> None:
    for parse in (parse_state, parse_limit):
        try:
            parse(text)
        except ApiError as error:
            refused(error)


@given(st.text(max_size=40))
def test_retry_after_never_fails(text: str) -> None:
    value = retry_after_seconds(text)
    assert value is None or value >= 0


@pytest.fixture(scope="module")
def registering() -> Iterator[tuple[Database, int, str]]:
    """One SQLite database with a user and a meter, for the registration examples."""
    with tempfile.TemporaryDirectory() as directory:
        database = Database(f"sqlite+aiosqlite:///{Path(directory) / 'homecloud.db'}")

        async def prepare() -> tuple[int, str]:
            await migrations.upgrade(database)
            owner = await new_user(database)
            return owner, str(await new_meter(database, owner, serial=63000000))

        owner, meter = asyncio.run(prepare())
        yield database, owner, meter
        asyncio.run(database.dispose())


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bodies)
def test_any_registration_body_is_stored_or_refused_with_400_or_404(
    registering: tuple[Database, int, str], body: dict[str, Any]
) -> None:
    database, owner, _meter = registering
    setup = realtime(webhook_settings(webhook_max_registrations=1000))

    async def attempt() -> None:
        async with UnitOfWork.begin(database, InProcessBus()) as work:
            made = await registrations.register(work, owner, body, setup)
        assert made.api_url.lower().startswith(("http://", "https://"))
        assert made.registration_type in (0, 1, 2)
        assert (made.registration_type == 1) is (made.meter_guid is not None) or (
            made.registration_type == 0
        )

    try:
        asyncio.run(attempt())
    except ApiError as error:
        refused(error)
