"""Rate limits per user and client, with AspNetCoreRateLimit's headers and 429."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from homecloud.settings import Settings
from tests.apis.nuheat.conftest import TokenFor, UserMaker

URL = "/nuheat/api/v1/Thermostat"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", nuheat={"rate_limit": "3/1m, 10/12h"})


async def test_allowed_calls_carry_the_longest_windows_headers(
    face: httpx.AsyncClient, make_user: UserMaker
) -> None:
    account = await make_user()
    first = await face.get(URL, headers=account.auth)
    assert first.status_code == 200
    assert first.headers["X-Rate-Limit-Limit"] == "12h"
    assert first.headers["X-Rate-Limit-Remaining"] == "9"
    reset = first.headers["X-Rate-Limit-Reset"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z", reset), reset
    resets_at = datetime.strptime(reset[:26], "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=UTC)
    assert timedelta(hours=11, minutes=59) < resets_at - datetime.now(UTC) <= timedelta(hours=12)
    second = await face.put(
        URL, json={"serialNumber": account.serials[0], "scheduleMode": 1}, headers=account.auth
    )
    assert second.status_code == 204
    assert second.headers["X-Rate-Limit-Remaining"] == "8"
    # Errors after the gate count and carry the headers too, as AspNetCoreRateLimit's do.
    missing = await face.get(f"{URL}/99999999", headers=account.auth)
    assert missing.status_code == 404
    assert missing.headers["X-Rate-Limit-Remaining"] == "7"
    assert missing.headers["X-Rate-Limit-Limit"] == "12h"


async def test_a_blocked_call_gets_429_retry_after_and_the_quota_text(
    face: httpx.AsyncClient, make_user: UserMaker, token_for: TokenFor
) -> None:
    account = await make_user()
    for _ in range(3):
        assert (await face.get(URL, headers=account.auth)).status_code == 200
    blocked = await face.get(URL, headers=account.auth)
    assert blocked.status_code == 429
    assert "X-Rate-Limit-Remaining" not in blocked.headers
    assert blocked.text == "API calls quota exceeded! maximum admitted 3 per 1m."
    assert blocked.headers["content-type"].startswith("text/plain")
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60
    # The same user with another client has a budget of its own ...
    other_client = await token_for(account)
    allowed = await face.get(URL, headers={"Authorization": f"Bearer {other_client}"})
    assert allowed.status_code == 200
    # ... and so has another user of the same kind of client.
    other = await make_user()
    assert (await face.get(URL, headers=other.auth)).status_code == 200


async def test_calls_without_a_valid_token_are_not_counted(
    face: httpx.AsyncClient, make_user: UserMaker
) -> None:
    account = await make_user()
    for _ in range(5):
        assert (await face.get(URL)).status_code == 401
    assert (await face.get(URL, headers=account.auth)).headers["X-Rate-Limit-Remaining"] == "9"
