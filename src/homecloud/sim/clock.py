"""Clocks for simulations: the wall clock for the server, a hand-moved one for tests."""

from __future__ import annotations

from typing import Protocol

from homecloud.core.models import now_ms


class Clock(Protocol):
    def now_ms(self) -> int: ...


class SystemClock:
    """Real time, in milliseconds since the epoch."""

    def now_ms(self) -> int:
        return now_ms()


class ManualClock:
    """Time that moves only when told to, so a simulation can be stepped deterministically."""

    def __init__(self, start_ms: int) -> None:
        self._now = start_ms

    def now_ms(self) -> int:
        return self._now

    def advance(self, milliseconds: int) -> None:
        if milliseconds < 0:
            raise ValueError("a clock does not run backwards")
        self._now += milliseconds

    def set(self, at_ms: int) -> None:
        self._now = at_ms
