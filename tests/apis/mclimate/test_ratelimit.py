"""The vendor's two rate limits: per client id (every user of an application together) and
per token; a call over either gets a 429 problem with Retry-After."""

from __future__ import annotations

from pathlib import Path

import pytest

from homecloud.settings import Settings
from tests.apis.mclimate.conftest import Api, Login, assert_problem


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        mclimate={"client_rate_limit": "7/1m", "token_rate_limit": "4/1m"},
    )


async def test_one_token_is_held_to_its_limit(login: Login) -> None:
    api = await login("melissa")
    for _ in range(4):
        assert (await api.get("/controllers")).status_code == 200
    refused = await api.get("/controllers")
    body = assert_problem(refused, 429, "Rate limit")
    assert body["title"] == "Too Many Requests"
    assert 1 <= int(refused.headers["retry-after"]) <= 60


async def test_every_user_of_a_client_shares_its_limit(login: Login) -> None:
    first, second = await login("melissa"), await login("melissa")
    calls = [first, first, first, second, second, second, second]
    for api in calls:
        assert (await api.get("/controllers")).status_code == 200
    # Both signed in with the built-in public pair: the eighth call of the client is refused,
    # though this token made only three.
    assert_problem(await first.get("/controllers"), 429)


async def test_sign_in_is_not_counted_against_the_api(login: Login) -> None:
    apis: list[Api] = [await login("melissa") for _ in range(5)]
    # Five logins and four calls: over the client's seven if logins counted.
    for _ in range(4):
        assert (await apis[0].get("/controllers")).status_code == 200
