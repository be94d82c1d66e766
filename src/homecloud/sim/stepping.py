"""Simulations that move devices forward at an interval, on one process at a time.

A face's ``Simulation`` subclasses :class:`SteppedSimulation` and writes ``step`` (one turn,
which tests call with a :class:`~homecloud.sim.clock.ManualClock`); the server runs
:meth:`SteppedSimulation.run`, which steps every ``interval_seconds`` while this process holds
the simulation's lease, so that of several workers or nodes sharing a database exactly one
simulates. A simulation that moves each device on its own, in a unit of work of its own,
subclasses :class:`DeviceByDeviceSimulation` and writes only which devices and how one moves.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from homecloud.core import leases
from homecloud.core.database import Database
from homecloud.core.events import EventBus
from homecloud.sim.clock import Clock, SystemClock

T = TypeVar("T")


@dataclass(eq=False)
class SteppedSimulation:
    """What every simulation is given: where devices live, where change events go, what time
    it is, and how often to step. A face's simulation declares its own further settings and
    defaults as fields of its own."""

    # The lease's name: one simulating process per simulation and database.
    lease: ClassVar[str]
    # The shortest interval allowed (devices that cannot report more often than that).
    min_interval_seconds: ClassVar[float] = 0.0

    database: Database
    bus: EventBus
    clock: Clock = field(default_factory=SystemClock)
    interval_seconds: float = field(default=30.0, kw_only=True)
    holder: str = field(init=False, default_factory=leases.new_holder)

    def __post_init__(self) -> None:
        self.interval_seconds = max(self.min_interval_seconds, self.interval_seconds)

    async def step(self) -> Any:
        raise NotImplementedError

    def pause_seconds(self) -> float:
        """How long to wait after a turn: ``interval_seconds``, unless a simulation has devices
        that want an earlier turn."""
        return self.interval_seconds

    async def run(self) -> None:
        """Steps every ``interval_seconds`` (or sooner, as :meth:`pause_seconds` asks) while
        holding the lease; idle otherwise."""
        await leases.repeat_while_holding(
            self.database,
            self.lease,
            self.interval_seconds,
            self.step,
            holder=self.holder,
            pause=self.pause_seconds,
        )


async def advance_each(
    device_ids: Iterable[int],
    advance: Callable[[int], Awaitable[T | None]],
    log: logging.Logger,
    what: str,
) -> list[T]:
    """``advance`` for every device, each on its own; what they return, where they return it.

    One device that cannot be simulated (its row damaged by hand, say) must not stop the
    others: its failure is logged and it is tried again next step."""
    done: list[T] = []
    for device_id in device_ids:
        try:
            result = await advance(device_id)
        except Exception:
            log.exception("simulating %s %s failed", what, device_id)
            continue
        if result is not None:
            done.append(result)
    return done


class DeviceByDeviceSimulation(SteppedSimulation, Generic[T]):
    """A simulation whose turn moves every device to now, each in a unit of work of its own
    (so that one device's lock or failure holds up no other); a subclass says which devices
    (:meth:`device_ids`) and how one moves (:meth:`advance`)."""

    # Where a device that fails is logged, and what a device is called there.
    log: ClassVar[logging.Logger]
    device_noun: ClassVar[str]

    async def device_ids(self, session: AsyncSession) -> Iterable[int]:
        raise NotImplementedError

    async def advance(self, device_id: int, now: int) -> T | None:
        """Moves one device to ``now`` (Unix ms) and commits it; what the turn reports about
        it, or None (removed since the list was read, already there, nothing to tell)."""
        raise NotImplementedError

    async def step(self) -> list[T]:
        """Advances every device to now; returns what they reported."""
        now = self.clock.now_ms()
        async with self.database.session() as session:
            device_ids = await self.device_ids(session)
        return await advance_each(
            device_ids,
            lambda device_id: self.advance(device_id, now),
            self.log,
            self.device_noun,
        )
