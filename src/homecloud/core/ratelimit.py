"""Rate limits with several windows per key, on the ``limits`` library.

A face declares a :class:`RateLimitPolicy` (``"50/1s, 750/30m, 20000/12h, 250000/7d"``) and
asks :meth:`RateLimiter.hit` per request with a key such as ``user:client``. The answer holds
what each vendor needs for its own headers: every window's limit, remaining count and reset
time, and for a blocked call the window that blocked it and the seconds to wait. Counters live
in memory for one process, or in Redis when several processes share them.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.storage import storage_from_string

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
        if amount < 1 or count < 1:
            raise ValueError(f"rate-limit window {text!r} must allow at least one call per period")
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
        return cls(name=name, windows=windows)

    @property
    def longest(self) -> Window:
        return self.windows[-1]


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


class RateLimiter:
    def __init__(self, storage: Storage | None = None) -> None:
        self.storage = storage or MemoryStorage()
        self._strategy = FixedWindowRateLimiter(self.storage)
        self._items: dict[Window, RateLimitItem] = {}

    @classmethod
    def from_redis_url(cls, redis_url: str | None) -> RateLimiter:
        if not redis_url:
            return cls()
        uri = "async+" + redis_url if not redis_url.startswith("async+") else redis_url
        storage = storage_from_string(uri, implementation="redispy")
        assert isinstance(storage, Storage), "an async+ URI gives an asyncio storage"
        return cls(storage)

    def _item(self, window: Window) -> RateLimitItem:
        item = self._items.get(window)
        if item is None:
            item = self._items[window] = window.item()
        return item

    async def hit(self, policy: RateLimitPolicy, key: str) -> RateLimitDecision:
        """Count one call against every window of ``policy`` for ``key``.

        Every attempt counts, blocked ones included (as AspNetCoreRateLimit and MuleSoft do),
        so a client hammering through a 429 does not get a fresh budget sooner.
        """
        now = time.time()
        states: list[WindowState] = []
        blocked: WindowState | None = None
        for window in policy.windows:
            item = self._item(window)
            allowed = await self._strategy.hit(item, policy.name, key)
            stats = await self._strategy.get_window_stats(item, policy.name, key)
            state = WindowState(
                window=window, remaining=max(0, stats.remaining), reset_at=stats.reset_time
            )
            states.append(state)
            if not allowed and (blocked is None or state.reset_at > blocked.reset_at):
                blocked = state
        return RateLimitDecision(
            allowed=blocked is None, states=tuple(states), blocked_by=blocked, now=now
        )

    async def reset(self) -> None:
        await self.storage.reset()

    async def ping(self) -> bool:
        return await self.storage.check()
