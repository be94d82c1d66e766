"""The event bus: typed change events from API writes and simulators to realtime fan-out.

Publishers never wait for subscribers. Each subscription has a bounded queue; a subscriber
that falls behind loses its oldest events (and is told how many) rather than slowing the
writer or growing without bound. Back ends other than the in-process one (Redis pub/sub for
several processes) implement the same :class:`EventBus` protocol.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from homecloud.core.models import now_ms


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    """Something a client can see changed.

    ``face`` and ``kind`` say what (``"nuheat"``, ``"thermostat"``), ``owner_id`` whose it is
    (subscribers only ever receive their own user's events), ``resource_id`` which one
    (a serial number, a group id), and ``data`` carries optional face-specific detail.
    """

    face: str
    kind: str
    owner_id: int
    resource_id: str
    at_ms: int = field(default_factory=now_ms)
    data: dict[str, Any] = field(default_factory=dict)


EventFilter = Callable[[ChangeEvent], bool]


class Subscription(Protocol):
    dropped: int

    def __aiter__(self) -> AsyncIterator[ChangeEvent]: ...

    async def get(self) -> ChangeEvent: ...

    def close(self) -> None: ...


class EventBus(Protocol):
    async def publish(self, event: ChangeEvent) -> None: ...

    def subscribe(self, accept: EventFilter, *, capacity: int = 1024) -> Subscription: ...

    async def close(self) -> None: ...


class QueueSubscription:
    """A subscriber's bounded queue of events it accepted."""

    def __init__(
        self, accept: EventFilter, capacity: int, on_close: Callable[[QueueSubscription], None]
    ) -> None:
        self.accept = accept
        self.dropped = 0
        self._queue: asyncio.Queue[ChangeEvent] = asyncio.Queue(maxsize=capacity)
        self._on_close = on_close

    def offer(self, event: ChangeEvent) -> None:
        if not self.accept(event):
            return
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait(event)

    async def get(self) -> ChangeEvent:
        return await self._queue.get()

    def pending(self) -> int:
        return self._queue.qsize()

    def close(self) -> None:
        self._on_close(self)

    async def __aiter__(self) -> AsyncIterator[ChangeEvent]:
        while True:
            yield await self._queue.get()


class InProcessBus:
    """Fan-out inside one process, for the embedded single-node set-up."""

    def __init__(self) -> None:
        self._subscriptions: set[QueueSubscription] = set()

    async def publish(self, event: ChangeEvent) -> None:
        for subscription in tuple(self._subscriptions):
            subscription.offer(event)

    def subscribe(self, accept: EventFilter, *, capacity: int = 1024) -> QueueSubscription:
        subscription = QueueSubscription(accept, capacity, self._subscriptions.discard)
        self._subscriptions.add(subscription)
        return subscription

    @property
    def subscriber_count(self) -> int:
        return len(self._subscriptions)

    async def close(self) -> None:
        self._subscriptions.clear()
