"""The per-user rate limit: MuleSoft's x-ratelimit-* headers on every data response, 429 with
Retry-After once spent, one budget per user whichever app calls."""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx
import pytest

from homecloud.app import create_app
from homecloud.core.ratelimit import RateLimiter
from homecloud.services import Services
from tests.apis.ckw.conftest import CORE_DATA, METER_DATA, CustomerMaker, TokenMaker, bearer


@pytest.fixture
def ckw_settings() -> dict[str, Any]:
    return {"rate_limit": "3/1m"}


async def test_headers_count_down_then_429_with_retry_after(
    face: httpx.AsyncClient, make_user: CustomerMaker, token_for: TokenMaker
) -> None:
    ann = await make_user()
    token = await token_for(ann)
    remaining = []
    for path in (CORE_DATA, METER_DATA, CORE_DATA):  # the 400 of meter data counts too
        response = await face.get(path, headers=bearer(token))
        assert response.headers["x-ratelimit-limit"] == "3"
        assert 0 < int(response.headers["x-ratelimit-reset"]) <= 60_000  # milliseconds
        remaining.append(int(response.headers["x-ratelimit-remaining"]))
    assert remaining == [2, 1, 0]
    refused = await face.get(CORE_DATA, headers=bearer(token))
    assert refused.status_code == 429
    assert refused.json()["message"] == "Too Many Requests"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["x-ratelimit-remaining"] == "0"
    # The budget is the user's: another app of hers shares it; another user has his own.
    second_token = await token_for(ann)
    assert (await face.get(CORE_DATA, headers=bearer(second_token))).status_code == 429
    bob = await make_user()
    other = await face.get(CORE_DATA, headers=bearer(await token_for(bob)))
    assert other.status_code == 200
    assert other.headers["x-ratelimit-remaining"] == "2"


async def test_the_realm_endpoints_are_not_counted(
    face: httpx.AsyncClient, make_user: CustomerMaker, token_for: TokenMaker
) -> None:
    token = await token_for(await make_user())
    for _ in range(5):
        response = await face.get(
            "/ckw/auth/realms/CKW/protocol/openid-connect/userinfo", headers=bearer(token)
        )
        assert response.status_code == 200
        assert "x-ratelimit-limit" not in response.headers


@pytest.mark.redis
async def test_the_budget_is_shared_through_redis(
    redis_url: str, core: Services, make_user: CustomerMaker, token_for: TokenMaker
) -> None:
    """Two server processes share one budget per user when Redis holds the counters."""
    limiter = RateLimiter.from_redis_url(redis_url)
    await limiter.reset()
    try:
        user = await make_user()
        token = await token_for(user)
        answers = []
        for _ in range(2):  # two processes: two apps, one Redis
            services = dataclasses.replace(core, rate_limiter=limiter)
            transport = httpx.ASGITransport(app=create_app(core.settings, services))
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as app:
                for _ in range(2):
                    answers.append((await app.get(CORE_DATA, headers=bearer(token))).status_code)
        assert answers == [200, 200, 200, 429]
    finally:
        await limiter.reset()
        await limiter.close()
