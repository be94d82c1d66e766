"""Simulations that move devices forward at an interval, on one process at a time.

A face's ``Simulation`` subclasses :class:`SteppedSimulation` and writes ``step`` (one turn,
which tests call with a :class:`~homecloud.sim.clock.ManualClock`); the server runs
:meth:`SteppedSimulation.run`, which steps every ``interval_seconds`` while this process holds
the simulation's lease, so that of several workers or nodes sharing a database exactly one
simulates.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, ClassVar, TypeVar

from homecloud.core import leases
from homecloud.core.database import Database
from homecloud.core.events import EventBus
from homecloud.sim.clock import Clock, SystemClock

T = TypeVar("T")


class SteppedSimulation:
    # The lease's name: one simulating process per simulation and database.
    lease: ClassVar[str]

    def __init__(
        self,
        database: Database,
        bus: EventBus,
        clock: Clock | None = None,
        *,
        interval_seconds: float = 30.0,
    ) -> None:
        self.database = database
        self.bus = bus
        self.clock = clock or SystemClock()
        self.interval_seconds = interval_seconds
        self.holder = leases.new_holder()

    async def step(self) -> Any:
        raise NotImplementedError

    async def run(self) -> None:
        """Steps every ``interval_seconds`` while holding the lease; idle otherwise."""
        await leases.repeat_while_holding(
            self.database, self.lease, self.interval_seconds, self.step, holder=self.holder
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
