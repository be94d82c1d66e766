from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from homecloud.core.ratelimit import (
    PacedMemoryStorage,
    RateLimitDecision,
    RateLimiter,
    RateLimitPolicy,
    Window,
)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def limiter(request: pytest.FixtureRequest) -> AsyncIterator[RateLimiter]:
    """A rate limiter on memory storage, then on the test Redis."""
    if request.param == "memory":
        yield RateLimiter()
        return
    redis_url = request.getfixturevalue("redis_url")
    limiter = RateLimiter.from_redis_url(redis_url)
    try:
        yield limiter
    finally:
        await limiter.close()


@pytest.fixture
async def key(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A key no other test (nor another run sharing the Redis) uses; its counters go after."""
    token = uuid.uuid4().hex
    yield f"user-{token}:client"
    if "redis_url" in request.fixturenames:
        redis = Redis.from_url(request.getfixturevalue("redis_url"))
        try:
            counters = [name async for name in redis.scan_iter(match=f"*{token}*")]
            if counters:
                await redis.delete(*counters)
        finally:
            await redis.aclose()


async def hits(
    limiter: RateLimiter, policy: RateLimitPolicy, key: str, n: int
) -> list[RateLimitDecision]:
    return [await limiter.hit(policy, key) for _ in range(n)]


def remaining(decision: RateLimitDecision) -> dict[str, int]:
    return {state.window.period: state.remaining for state in decision.states}


# Parsing


def test_vendor_spec_parses_into_windows_shortest_first() -> None:
    policy = RateLimitPolicy.parse("nuheat", "250000/7d, 50/1s, 20000/12h, 750/30m")
    assert [(w.amount, w.seconds, w.period) for w in policy.windows] == [
        (50, 1, "1s"),
        (750, 30 * 60, "30m"),
        (20000, 12 * 3600, "12h"),
        (250000, 7 * 86400, "7d"),
    ]
    assert policy.longest == Window(250000, 7 * 86400, "7d")
    assert policy.name == "nuheat"


@pytest.mark.parametrize(
    ("text", "amount", "seconds", "period"),
    [
        ("100/m", 100, 60, "1m"),
        (" 5 / 2 h ", 5, 7200, "2h"),
        ("1/90s", 1, 90, "90s"),
        ("3/1d", 3, 86400, "1d"),
    ],
)
def test_window_forms(text: str, amount: int, seconds: int, period: str) -> None:
    assert Window.parse(text) == Window(amount, seconds, period)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "'api' has no windows"),
        (" , ,", "'api' has no windows"),
        ("50", "'50' is not of the form 50/1s or 750/30m"),
        ("50/", "'50/' is not of the form"),
        ("fifty/1s", "'fifty/1s' is not of the form"),
        ("50/1w", "'50/1w' is not of the form"),
        ("50/1S", "'50/1S' is not of the form"),
        ("50/1.5s", "'50/1.5s' is not of the form"),
        ("-5/1s", "'-5/1s' is not of the form"),
        ("50/1s 750/30m", "'50/1s 750/30m' is not of the form"),
        ("50/1s; 750/30m", "is not of the form"),
        ("0/1s", "'0/1s' must allow at least one call"),
        ("50/0m", "'50/0m' has an empty period"),
        ("50/1s, 60/1m, 70/60s", r"two windows of 60 seconds \(60/1m and 70/60s\)"),
        ("50/1s, 50/1s", "two windows of 1 seconds"),
    ],
)
def test_bad_specs_are_refused_with_the_reason(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RateLimitPolicy.parse("api", spec)


def test_counter_names_are_the_ones_limits_gives() -> None:
    """hit() builds counter names itself for speed; they stay those of limits' strategies."""
    window = Window.parse("750/30m")
    item = window.item()
    assert item.amount == 750
    assert item.get_expiry() == 1800
    assert item.key_for("nuheat", "7:app") == "LIMITER/nuheat/7:app/750/1800/second"


# Decisions, on every storage


async def test_remaining_counts_down_in_every_window(limiter: RateLimiter, key: str) -> None:
    policy = RateLimitPolicy.parse("api", "3/1h, 5/1d")
    decisions = await hits(limiter, policy, key, 3)
    assert [remaining(d) for d in decisions] == [
        {"1h": 2, "1d": 4},
        {"1h": 1, "1d": 3},
        {"1h": 0, "1d": 2},
    ]
    assert all(d.allowed and d.blocked_by is None and d.retry_after == 0 for d in decisions)
    assert [s.window.amount for s in decisions[0].states] == [3, 5]


async def test_blocked_call_names_the_window_and_when_to_retry(
    limiter: RateLimiter, key: str
) -> None:
    policy = RateLimitPolicy.parse("api", "2/1h, 10/1d")
    *_, decision = await hits(limiter, policy, key, 3)
    assert not decision.allowed
    assert decision.blocked_by is not None
    assert decision.blocked_by.window.period == "1h"
    assert decision.blocked_by.remaining == 0
    assert isinstance(decision.retry_after, int)
    assert 1 <= decision.retry_after <= 3600
    assert decision.retry_after == pytest.approx(decision.blocked_by.reset_in(decision.now), abs=1)


async def test_when_several_windows_block_the_one_resetting_last_decides(
    limiter: RateLimiter, key: str
) -> None:
    policy = RateLimitPolicy.parse("api", "2/1h, 3/1d")
    decisions = await hits(limiter, policy, key, 4)
    assert decisions[2].blocked_by is not None
    assert decisions[2].blocked_by.window.period == "1h"
    assert decisions[3].blocked_by is not None
    assert decisions[3].blocked_by.window.period == "1d"
    assert decisions[3].retry_after > 3600


async def test_blocked_attempts_still_count(limiter: RateLimiter, key: str) -> None:
    """Documented: a client hammering through a 429 spends its longer windows' budget."""
    policy = RateLimitPolicy.parse("api", "2/1h, 10/1d")
    decisions = await hits(limiter, policy, key, 6)
    assert [d.allowed for d in decisions] == [True, True, False, False, False, False]
    assert remaining(decisions[-1]) == {"1h": 0, "1d": 4}


async def test_keys_and_policies_have_their_own_counters(limiter: RateLimiter, key: str) -> None:
    policy = RateLimitPolicy.parse("api", "2/1h")
    other_key = key.replace("user-", "other-")
    assert [d.allowed for d in await hits(limiter, policy, key, 3)] == [True, True, False]
    fresh = await limiter.hit(policy, other_key)
    assert fresh.allowed
    assert remaining(fresh) == {"1h": 1}
    other_policy = await limiter.hit(RateLimitPolicy.parse("login", "2/1h"), key)
    assert other_policy.allowed
    assert remaining(other_policy) == {"1h": 1}
    assert not (await limiter.hit(policy, key)).allowed


async def test_reset_is_in_the_future_within_the_window(limiter: RateLimiter, key: str) -> None:
    policy = RateLimitPolicy.parse("api", "5/1h, 10/12h, 20/7d")
    before = time.time()
    for decision in await hits(limiter, policy, key, 2):
        assert before <= decision.now <= time.time()
        for state in decision.states:
            assert state.reset_at > decision.now
            assert 0 < state.reset_in(decision.now) <= state.window.seconds
            # Long windows that have only just started have (nearly) all their length to go.
            assert state.reset_in(decision.now) > state.window.seconds - 5


async def test_a_decision_carries_every_number_a_face_puts_in_headers(
    limiter: RateLimiter, key: str
) -> None:
    policy = RateLimitPolicy.parse("api", "1/1h, 100/1d")
    allowed, blocked = await hits(limiter, policy, key, 2)
    hour, day = blocked.states
    assert (hour.window.amount, hour.remaining) == (1, 0)
    assert (day.window.amount, day.remaining) == (100, 98)
    assert blocked.longest is day
    # Epoch seconds, as X-RateLimit-Reset carries them.
    assert time.time() + 3500 < hour.reset_at < time.time() + 3601
    assert blocked.retry_after == pytest.approx(hour.reset_at - time.time(), abs=2)
    assert allowed.retry_after == 0


async def test_storage_answers_ping(limiter: RateLimiter) -> None:
    assert await limiter.ping() is True


def test_without_redis_url_the_counters_live_in_memory() -> None:
    assert isinstance(RateLimiter.from_redis_url(None).storage, PacedMemoryStorage)
    assert isinstance(RateLimiter.from_redis_url("").storage, PacedMemoryStorage)


# Memory storage over time, on a clock the test moves


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(time, "time", clock)
    return clock


async def test_a_window_starts_afresh_once_its_length_has_passed(clock: Clock) -> None:
    limiter = RateLimiter()
    policy = RateLimitPolicy.parse("api", "2/1m, 5/1h")
    assert [d.allowed for d in await hits(limiter, policy, "k", 3)] == [True, True, False]
    clock.now += 59.5
    blocked = await limiter.hit(policy, "k")
    assert not blocked.allowed
    assert blocked.retry_after == 1
    clock.now += 0.5
    decision = await limiter.hit(policy, "k")
    assert decision.allowed
    assert remaining(decision) == {"1m": 1, "1h": 0}
    assert decision.states[0].reset_at == clock.now + 60
    assert decision.states[1].reset_at == 1_700_000_000.0 + 3600


async def test_expired_counters_are_swept_at_most_once_a_second(clock: Clock) -> None:
    limiter = RateLimiter()
    storage = limiter.storage
    assert isinstance(storage, PacedMemoryStorage)
    policy = RateLimitPolicy.parse("api", "10/1s")
    start = clock.now
    await limiter.hit(policy, "first")  # sweeps (nothing yet), next sweep at start + 1
    clock.now = start + 0.75
    for n in range(100):
        await limiter.hit(policy, f"client-{n}")  # these expire at start + 1.75
    clock.now = start + 1
    await limiter.hit(policy, "x")  # sweeps "first" out, next sweep at start + 2
    assert len(storage.expirations) == 101
    assert "LIMITER/api/first/10/1/second" not in storage.expirations
    clock.now = start + 1.875
    await limiter.hit(policy, "late")  # the clients have expired, but no sweep is due
    assert len(storage.expirations) == 102
    clock.now = start + 2
    await limiter.hit(policy, "later")
    assert sorted(storage.expirations) == [
        "LIMITER/api/late/10/1/second",
        "LIMITER/api/later/10/1/second",
    ]
    assert sorted(storage.storage) == sorted(storage.expirations)
