from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

import pytest

from homecloud.core.events import (
    ChangeEvent,
    InProcessBus,
    QueueSubscription,
    SubscriptionClosed,
)


def event(owner_id: int = 1, resource_id: str = "T1", **data: Any) -> ChangeEvent:
    return ChangeEvent(
        face="nuheat", kind="thermostat", owner_id=owner_id, resource_id=resource_id, data=data
    )


def owned_by(owner_id: int) -> Any:
    return lambda e: e.owner_id == owner_id


def drain(subscription: QueueSubscription) -> list[ChangeEvent]:
    """Everything queued, taken without waiting."""
    received = []
    while subscription.pending():
        received.append(finish_without_waiting(subscription.get()))
    return received


def finish_without_waiting(step: Coroutine[Any, Any, Any]) -> Any:
    """Runs a coroutine that must complete without ever suspending, and returns its result."""
    try:
        step.send(None)
    except StopIteration as done:
        return done.value
    step.close()
    raise AssertionError("the coroutine suspended: it would have waited")


@pytest.fixture
def bus() -> InProcessBus:
    return InProcessBus()


async def test_published_event_reaches_subscriber(bus: InProcessBus) -> None:
    subscription = bus.subscribe(lambda e: True)
    sent = event(setpoint=2150)
    await bus.publish(sent)
    assert await subscription.get() is sent


async def test_waiting_subscriber_is_woken_by_a_later_event(bus: InProcessBus) -> None:
    subscription = bus.subscribe(lambda e: True)
    waiting = asyncio.create_task(subscription.get())
    await asyncio.sleep(0)
    assert not waiting.done()
    sent = event()
    await bus.publish(sent)
    assert await waiting is sent


async def test_every_subscriber_gets_its_copy_in_order(bus: InProcessBus) -> None:
    first, second = bus.subscribe(lambda e: True), bus.subscribe(lambda e: True)
    sent = [event(resource_id=f"T{n}") for n in range(5)]
    for e in sent:
        await bus.publish(e)
    assert drain(first) == sent
    assert drain(second) == sent


async def test_subscriber_never_receives_another_owners_events(bus: InProcessBus) -> None:
    alice, bob = bus.subscribe(owned_by(1)), bus.subscribe(owned_by(2))
    for owner in (1, 2, 1, 3, 2, 1):
        await bus.publish(event(owner_id=owner))
    assert [e.owner_id for e in drain(alice)] == [1, 1, 1]
    assert [e.owner_id for e in drain(bob)] == [2, 2]
    assert alice.dropped == bob.dropped == 0


async def test_full_queue_drops_the_oldest_and_counts_them(bus: InProcessBus) -> None:
    subscription = bus.subscribe(lambda e: True, capacity=3)
    sent = [event(resource_id=f"T{n}") for n in range(5)]
    for e in sent:
        await bus.publish(e)
    assert subscription.dropped == 2
    assert drain(subscription) == sent[2:]
    await bus.publish(sent[0])
    assert subscription.dropped == 2
    assert drain(subscription) == [sent[0]]


async def test_filtered_out_events_take_no_room_and_are_not_counted(bus: InProcessBus) -> None:
    subscription = bus.subscribe(owned_by(1), capacity=2)
    for owner in (1, 2, 2, 2, 1):
        await bus.publish(event(owner_id=owner))
    assert subscription.dropped == 0
    assert [e.owner_id for e in drain(subscription)] == [1, 1]


@pytest.mark.parametrize("capacity", [0, -1])
async def test_unbounded_queues_are_refused(bus: InProcessBus, capacity: int) -> None:
    with pytest.raises(ValueError, match="at least one event"):
        bus.subscribe(lambda e: True, capacity=capacity)


async def test_publisher_never_waits_for_a_slow_subscriber(bus: InProcessBus) -> None:
    slow = bus.subscribe(lambda e: True, capacity=1)
    fast = bus.subscribe(lambda e: True, capacity=10_000)
    sent = [event(resource_id=f"T{n}") for n in range(10_000)]
    for e in sent:
        finish_without_waiting(bus.publish(e))
    assert slow.dropped == 9_999
    assert drain(slow) == [sent[-1]]
    assert fast.dropped == 0
    assert drain(fast) == sent


async def test_a_failing_filter_costs_only_its_own_subscriber(
    bus: InProcessBus, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_event: ChangeEvent) -> bool:
        raise KeyError("oops")

    bus.subscribe(broken)
    healthy = bus.subscribe(lambda e: True)
    sent = event()
    with caplog.at_level(logging.ERROR, logger="homecloud.events"):
        await bus.publish(sent)
    assert drain(healthy) == [sent]
    assert "an event filter failed on nuheat thermostat" in caplog.text


async def test_closed_subscription_is_unsubscribed(bus: InProcessBus) -> None:
    kept, closed = bus.subscribe(lambda e: True), bus.subscribe(lambda e: True)
    await bus.publish(event(resource_id="before"))
    assert bus.subscriber_count == 2
    closed.close()
    assert bus.subscriber_count == 1
    await bus.publish(event(resource_id="after"))
    assert closed.pending() == 0
    with pytest.raises(SubscriptionClosed):
        await asyncio.wait_for(closed.get(), timeout=5)
    assert [e.resource_id for e in drain(kept)] == ["before", "after"]
    closed.close()  # a second close changes nothing
    assert bus.subscriber_count == 1


async def test_close_wakes_every_waiting_consumer(bus: InProcessBus) -> None:
    subscription = bus.subscribe(lambda e: True)
    waiting = [asyncio.create_task(subscription.get()) for _ in range(3)]
    await asyncio.sleep(0)
    assert not any(task.done() for task in waiting)
    subscription.close()
    for task in waiting:
        with pytest.raises(SubscriptionClosed):
            await asyncio.wait_for(task, timeout=5)


async def test_closing_the_bus_ends_every_iteration(bus: InProcessBus) -> None:
    subscriptions = [bus.subscribe(owned_by(owner)) for owner in (1, 2)]
    received: dict[int, list[str]] = {1: [], 2: []}

    async def consume(owner: int, subscription: QueueSubscription) -> None:
        async for e in subscription:
            received[owner].append(e.resource_id)

    consumers = [
        asyncio.create_task(consume(owner, s))
        for owner, s in zip((1, 2), subscriptions, strict=True)
    ]
    await bus.publish(event(owner_id=1, resource_id="a"))
    await bus.publish(event(owner_id=2, resource_id="b"))
    await asyncio.sleep(0)
    await bus.close()
    await asyncio.wait_for(asyncio.gather(*consumers), timeout=5)
    assert received == {1: ["a"], 2: ["b"]}
    assert bus.subscriber_count == 0


async def test_events_carry_owner_resource_and_time() -> None:
    first = event()
    second = event(owner_id=7, resource_id="G1", mode="hold")
    assert first.at_ms > 1_600_000_000_000
    assert second.at_ms >= first.at_ms
    assert (second.owner_id, second.resource_id, second.data) == (7, "G1", {"mode": "hold"})
    assert first.data == {}
    assert first.data is not event().data
