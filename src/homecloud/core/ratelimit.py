"""Rate limits with several windows per key, on the ``limits`` library.

A face declares a :class:`RateLimitPolicy` (``"50/1s, 750/30m, 20000/12h, 250000/7d"``) and
asks :meth:`RateLimiter.hit` per request with a key such as ``user:client``. The answer holds
what each vendor needs for its own headers: every window's limit, remaining count and reset
time, and for a blocked call the window that blocked it and the seconds to wait. Counters live
in memory for one process, or in Redis when several processes share them.
"""

from __future__ import annotations

import itertools
import math
import re
import time
from dataclasses import dataclass
from typing import Annotated

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from pydantic import AfterValidator
from redis.asyncio import ConnectionPool

_WINDOW = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True, slots=True)
class Window:
    """``amount`` calls per ``seconds``; ``period`` is the vendor-style label (``30m``)."""

    amount: int
    seconds: int
    period: str

    @classmethod
    def parse(cls, text: str) -> Window:
        match = _WINDOW.match(text)
        if match is None:
            raise ValueError(f"rate-limit window {text!r} is not of the form 50/1s or 750/30m")
        amount, count, unit = int(match[1]), int(match[2] or 1), match[3]
        if amount < 1:
            raise ValueError(f"rate-limit window {text!r} must allow at least one call")
        if count < 1:
            raise ValueError(f"rate-limit window {text!r} has an empty period")
        return cls(amount=amount, seconds=count * _UNIT_SECONDS[unit], period=f"{count}{unit}")

    def item(self) -> RateLimitItem:
        return RateLimitItemPerSecond(self.amount, self.seconds)


@dataclass(frozen=True, slots=True)
class RateLimitPolicy:
    """A named set of windows, ordered shortest first."""

    name: str
    windows: tuple[Window, ...]

    @classmethod
    def parse(cls, name: str, spec: str) -> RateLimitPolicy:
        windows = tuple(
            sorted(
                (Window.parse(part) for part in spec.split(",") if part.strip()),
                key=lambda w: w.seconds,
            )
        )
        if not windows:
            raise ValueError(f"rate-limit policy {name!r} has no windows")
        # Windows of one length would share a counter when their amounts match (every call
        # counted twice), and are pointless otherwise: the smaller amount always decides.
        for shorter, longer in itertools.pairwise(windows):
            if shorter.seconds == longer.seconds:
                raise ValueError(
                    f"rate-limit policy {name!r} has two windows of {shorter.seconds} seconds"
                    f" ({shorter.amount}/{shorter.period} and {longer.amount}/{longer.period})"
                )
        return cls(name=name, windows=windows)

    @property
    def longest(self) -> Window:
        return self.windows[-1]


def _checked_policy(spec: str) -> str:
    RateLimitPolicy.parse("setting", spec)
    return spec


# A setting holding a policy's text (``"50/1s, 750/30m"``): refused when the settings load, so
# a typo stops ``homecloud serve`` with the reason instead of failing the first request.
RateLimitSpec = Annotated[str, AfterValidator(_checked_policy)]


@dataclass(frozen=True, slots=True)
class WindowState:
    window: Window
    remaining: int
    reset_at: float  # Unix time, seconds

    def reset_in(self, now: float) -> float:
        return max(0.0, self.reset_at - now)


@dataclass(frozen=True, slots=True)
class RateLimitDecision:
    allowed: bool
    states: tuple[WindowState, ...]
    blocked_by: WindowState | None
    now: float

    @property
    def longest(self) -> WindowState:
        return self.states[-1]

    @property
    def retry_after(self) -> int:
        """Whole seconds until the blocking window resets (at least 1), or 0 when allowed."""
        if self.blocked_by is None:
            return 0
        return max(1, math.ceil(self.blocked_by.reset_in(self.now)))


class PacedMemoryStorage(MemoryStorage):
    """limits' memory storage, sweeping out expired counters at most once a second.

    The parent starts a sweep over every counter in each ``incr`` once the previous sweep has
    finished. On a server, whose event loop turns between requests, that is a scan of all live
    counters per request: with a four-window policy about 0.3 ms a hit for 1,000 active keys
    and 3 ms for 10,000. A counter past its expiry is replaced on the next ``incr`` anyway, so
    the sweep only bounds memory, and one pass a second is plenty.
    """

    SWEEP_INTERVAL = 1.0

    def __init__(self) -> None:
        super().__init__()
        self._next_sweep = 0.0

    async def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        if now >= self._next_sweep:
            self._sweep(now)
        if self.expirations.get(key, 0) <= now:
            self.storage[key] = amount
            self.expirations[key] = now + expiry
            return amount
        self.storage[key] += amount
        return self.storage[key]

    async def get_expiry(self, key: str) -> float:
        return self.expirations.get(key, time.time())

    def _sweep(self, now: float) -> None:
        self._next_sweep = now + self.SWEEP_INTERVAL
        for key in [key for key, expires_at in self.expirations.items() if expires_at <= now]:
            del self.expirations[key]
            self.storage.pop(key, None)
            self.locks.pop(key, None)


class RateLimiter:
    def __init__(
        self, storage: Storage | None = None, *, pool: ConnectionPool | None = None
    ) -> None:
        """``pool``, when given, is the Redis pool behind ``storage``, closed by :meth:`close`."""
        self.storage = storage or PacedMemoryStorage()
        self._pool = pool

    @classmethod
    def from_redis_url(cls, redis_url: str | None) -> RateLimiter:
        if not redis_url:
            return cls()
        redis_url = redis_url.removeprefix("async+")
        # The limiter opens the pool itself so that close() can release its connections;
        # limits documents connection_pool but types its options as scalars.
        pool = ConnectionPool.from_url(redis_url)
        storage = RedisStorage(
            "async+" + redis_url,
            implementation="redispy",
            connection_pool=pool,  # type: ignore[arg-type]
        )
        return cls(storage, pool=pool)

    async def hit(self, policy: RateLimitPolicy, key: str) -> RateLimitDecision:
        """Count one call against every window of ``policy`` for ``key``.

        Every attempt counts, blocked ones included (as AspNetCoreRateLimit and MuleSoft do),
        so a client hammering through a 429 does not get a fresh budget sooner.
        """
        states: list[WindowState] = []
        blocked: WindowState | None = None
        for window in policy.windows:
            # What limits' FixedWindowRateLimiter.hit does, keeping the count that incr returns:
            # the remaining budget follows from it, so only the expiry is left to read. The
            # counter's name is the one RateLimitItem.key_for gives, built in one step.
            counter = f"LIMITER/{policy.name}/{key}/{window.amount}/{window.seconds}/second"
            count = await self.storage.incr(counter, window.seconds)
            state = WindowState(
                window=window,
                remaining=max(0, window.amount - count),
                reset_at=await self.storage.get_expiry(counter),
            )
            states.append(state)
            if count > window.amount and (blocked is None or state.reset_at > blocked.reset_at):
                blocked = state
        # Taken after the counters were read, so that a window that has just started reports
        # at most its own length until reset (never 1.00001 s, which rounds up to 2).
        now = time.time()
        return RateLimitDecision(
            allowed=blocked is None, states=tuple(states), blocked_by=blocked, now=now
        )

    async def reset(self) -> None:
        await self.storage.reset()

    async def ping(self) -> bool:
        return await self.storage.check()

    async def close(self) -> None:
        """Releases the Redis connections, if any; the memory storage holds none."""
        if self._pool is not None:
            await self._pool.aclose()
