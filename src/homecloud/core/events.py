"""The event bus: typed change events from API writes and simulators to realtime fan-out.

Publishers never wait for subscribers. Each subscription has a bounded queue; a subscriber
that falls behind loses its oldest events (and is told how many) rather than slowing the
writer or growing without bound. Back ends other than the in-process one (Redis pub/sub for
several processes) implement the same :class:`EventBus` protocol.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from homecloud.core.models import now_ms

log = logging.getLogger("homecloud.events")


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


class SubscriptionClosed(Exception):
    """Raised by :meth:`QueueSubscription.get` once the subscription (or its bus) is closed."""


class QueueSubscription:
    """A subscriber's bounded queue of events it accepted.

    Closing it (or closing its bus) ends ``async for`` over it and wakes a waiting
    :meth:`get` with :class:`SubscriptionClosed`, so consumers never hang on a dead bus.
    """

    def __init__(
        self, accept: EventFilter, capacity: int, on_close: Callable[[QueueSubscription], None]
    ) -> None:
        if capacity < 1:
            # asyncio.Queue(maxsize=0) would be unbounded.
            raise ValueError(f"a subscription needs room for at least one event, not {capacity}")
        self.accept = accept
        self.dropped = 0
        self.closed = False
        # None is the wake-up call that close() leaves for waiting consumers.
        self._queue: asyncio.Queue[ChangeEvent | None] = asyncio.Queue(maxsize=capacity)
        self._on_close = on_close

    def offer(self, event: ChangeEvent) -> None:
        if self.closed or not self.accept(event):
            return
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait(event)

    async def get(self) -> ChangeEvent:
        event = await self._queue.get()
        if event is None:
            self._queue.put_nowait(None)  # for the next consumer waiting
            raise SubscriptionClosed
        return event

    def pending(self) -> int:
        return 0 if self.closed else self._queue.qsize()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._on_close(self)
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(None)

    async def __aiter__(self) -> AsyncIterator[ChangeEvent]:
        while True:
            try:
                yield await self.get()
            except SubscriptionClosed:
                return


class Subscribers:
    """One process's subscriptions, which every bus back end fans its events out to."""

    def __init__(self) -> None:
        self._subscriptions: set[QueueSubscription] = set()

    def add(self, accept: EventFilter, capacity: int) -> QueueSubscription:
        subscription = QueueSubscription(accept, capacity, self._subscriptions.discard)
        self._subscriptions.add(subscription)
        return subscription

    def deliver(self, event: ChangeEvent) -> None:
        for subscription in tuple(self._subscriptions):
            try:
                subscription.offer(event)
            except Exception:
                # A faulty filter costs its own subscriber the event, not the publisher its
                # write or the other subscribers their copy.
                log.exception("an event filter failed on %s %s", event.face, event.kind)

    def close_all(self) -> None:
        for subscription in tuple(self._subscriptions):
            subscription.close()

    def __len__(self) -> int:
        return len(self._subscriptions)


class InProcessBus:
    """Fan-out inside one process, for the embedded single-node set-up."""

    def __init__(self) -> None:
        self._subscribers = Subscribers()

    async def publish(self, event: ChangeEvent) -> None:
        self._subscribers.deliver(event)

    def subscribe(self, accept: EventFilter, *, capacity: int = 1024) -> QueueSubscription:
        return self._subscribers.add(accept, capacity)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    async def close(self) -> None:
        self._subscribers.close_all()
