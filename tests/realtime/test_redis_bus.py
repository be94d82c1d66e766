from __future__ import annotations

import asyncio
import logging
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from redis.asyncio import Redis

from homecloud.core.events import ChangeEvent, QueueSubscription, SubscriptionClosed
from homecloud.realtime.redis_bus import RedisBus


def event(owner_id: int = 1, resource_id: str = "T1", **data: Any) -> ChangeEvent:
    return ChangeEvent(
        face="nuheat", kind="thermostat", owner_id=owner_id, resource_id=resource_id, data=data
    )


def owned_by(owner_id: int) -> Any:
    return lambda e: e.owner_id == owner_id


async def next_event(subscription: QueueSubscription) -> ChangeEvent:
    return await asyncio.wait_for(subscription.get(), timeout=5)


def other_tasks() -> set[asyncio.Task[Any]]:
    return asyncio.all_tasks() - {asyncio.current_task()}


class LogWatch(logging.Handler):
    """Sets ``seen`` once a record containing ``text`` is logged."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.seen = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.seen.set()


class FlakyProxy:
    """A TCP proxy in front of Redis whose links can be cut (connections dropped, new ones
    refused, as when Redis restarts) or frozen (open but silent, as when a node or NAT entry
    vanishes), then restored on the same port."""

    def __init__(self, redis_url: str) -> None:
        self.upstream = urlsplit(redis_url)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.Task[Any]] = set()
        self._transports: list[asyncio.WriteTransport] = []
        self._frozen: set[asyncio.WriteTransport] = set()

    @property
    def url(self) -> str:
        """``redis_url`` with this proxy in place of the server."""
        userinfo = self.upstream.netloc.rpartition("@")[0]
        address = f"127.0.0.1:{self.port}"
        netloc = f"{userinfo}@{address}" if userinfo else address
        return self.upstream._replace(netloc=netloc).geturl()

    async def open(self) -> None:
        self._server = await asyncio.start_server(self._link, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    def freeze(self) -> None:
        self._frozen.update(self._transports)

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()
        for transport in self._transports:
            transport.abort()
        self._transports.clear()
        links, self._links = self._links, set()
        # With both ends aborted, every pipe sees its end and the links finish.
        await asyncio.wait_for(asyncio.gather(*links), timeout=5)

    async def _link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        link = asyncio.current_task()
        assert link is not None
        self._links.add(link)
        upstream_reader, upstream_writer = await asyncio.open_connection(
            self.upstream.hostname or "127.0.0.1", self.upstream.port or 6379
        )
        self._transports += [writer.transport, upstream_writer.transport]
        await asyncio.gather(
            self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer)
        )

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                if sink.transport in self._frozen:
                    continue
                sink.write(data)
                await sink.drain()
        except OSError:
            pass
        finally:
            sink.transport.abort()


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def channel() -> str:
    """A channel of the test's own, so parallel runs on one Redis do not hear each other."""
    return f"homecloud:test:{uuid.uuid4().hex}:events"


@pytest.fixture
async def buses(redis_url: str, channel: str) -> AsyncIterator[tuple[RedisBus, RedisBus]]:
    """The buses of two processes sharing one Redis."""
    first, second = RedisBus(redis_url, channel=channel), RedisBus(redis_url, channel=channel)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.mark.redis
async def test_event_published_in_one_process_reaches_a_subscriber_in_another(
    buses: tuple[RedisBus, RedisBus],
) -> None:
    publisher, listener = buses
    subscription = listener.subscribe(owned_by(1))
    await listener.start()
    sent = event(setpoint=2150, schedule={"days": [1, 2], "hold": None}, room="Küche 1. OG")
    await publisher.publish(sent)
    received = await next_event(subscription)
    assert received == sent
    assert received is not sent


@pytest.mark.redis
async def test_subscribers_elsewhere_never_receive_another_owners_events(
    buses: tuple[RedisBus, RedisBus],
) -> None:
    publisher, listener = buses
    alice, bob = listener.subscribe(owned_by(1)), listener.subscribe(owned_by(2))
    await listener.start()
    for owner, resource in ((2, "bob's"), (3, "carol's"), (1, "alice's")):
        await publisher.publish(event(owner_id=owner, resource_id=resource))
    # One channel keeps one publisher's order: by the time alice has her event, the
    # others had been through her filter.
    assert (await next_event(alice)).resource_id == "alice's"
    assert alice.pending() == 0
    assert (await next_event(bob)).resource_id == "bob's"
    assert bob.pending() == 0


@pytest.mark.redis
async def test_own_events_arrive_at_once_and_only_once(buses: tuple[RedisBus, RedisBus]) -> None:
    first, second = buses
    subscription = first.subscribe(lambda e: True)
    await first.start()
    own = event(resource_id="own", mode="hold")
    await first.publish(own)
    assert subscription.pending() == 1  # delivered locally, not after a trip through Redis
    assert await next_event(subscription) == own
    # Had the echo of our own event come back through Redis, it would arrive before this one.
    await second.publish(event(resource_id="theirs"))
    assert (await next_event(subscription)).resource_id == "theirs"
    assert subscription.pending() == 0


@pytest.mark.redis
async def test_close_stops_the_listener_and_ends_subscriptions(
    buses: tuple[RedisBus, RedisBus],
) -> None:
    publisher, listener = buses
    subscription = listener.subscribe(lambda e: True)
    await listener.start()
    received: list[str] = []
    got_one = asyncio.Event()

    async def consume() -> None:
        async for e in subscription:
            received.append(e.resource_id)
            got_one.set()

    consumer = asyncio.create_task(consume())
    await publisher.publish(event(resource_id="before close"))
    await asyncio.wait_for(got_one.wait(), timeout=5)
    await listener.close()
    await asyncio.wait_for(consumer, timeout=5)
    await publisher.close()
    assert received == ["before close"]
    assert other_tasks() == set()
    assert listener.subscriber_count == 0
    with pytest.raises(SubscriptionClosed):
        await asyncio.wait_for(subscription.get(), timeout=5)
    with pytest.raises(RuntimeError, match="closed"):
        listener.subscribe(lambda e: True)
    await listener.close()  # a second close is harmless


@pytest.mark.redis
async def test_listener_comes_back_after_its_connection_is_killed(
    buses: tuple[RedisBus, RedisBus], redis: Redis
) -> None:
    publisher, listener = buses
    subscription = listener.subscribe(lambda e: True)
    await listener.start()
    listening = [
        client
        for client in await redis.client_list()
        if client["name"] == listener.client_name and int(client["sub"]) > 0
    ]
    assert len(listening) == 1
    assert await redis.client_kill_filter(_id=listening[0]["id"]) == 1
    # Pub/sub keeps nothing for a listener that is away: publish until one gets through.
    async with asyncio.timeout(10):
        n = 0
        while subscription.pending() == 0:
            n += 1
            await publisher.publish(event(resource_id=f"after kill {n}"))
            await asyncio.sleep(0.05)
    assert (await subscription.get()).resource_id.startswith("after kill")
    relistening = [
        client
        for client in await redis.client_list()
        if client["name"] == listener.client_name and int(client["sub"]) > 0
    ]
    assert [client["id"] for client in relistening] != [listening[0]["id"]]
    assert len(relistening) == 1


@pytest.mark.redis
async def test_malformed_messages_are_skipped(
    buses: tuple[RedisBus, RedisBus],
    redis: Redis,
    channel: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    publisher, listener = buses
    subscription = listener.subscribe(lambda e: True)
    await listener.start()
    with caplog.at_level(logging.WARNING, logger="homecloud.events"):
        for junk in (
            b"not json",
            b"[1, 2]",
            b'{"origin": "elsewhere"}',
            b'{"origin": "elsewhere", "event": {"face": "nuheat"}}',
            b'{"origin": "elsewhere", "event": {"face": "nuheat", "kind": "thermostat",'
            b' "owner_id": "1", "resource_id": "T1", "at_ms": 1, "data": {}}}',
        ):
            await redis.publish(channel, junk)
        await publisher.publish(event(resource_id="good"))
        assert (await next_event(subscription)).resource_id == "good"
    assert subscription.pending() == 0
    assert caplog.text.count("ignoring a malformed message") == 5
    assert "owner_id is not int: '1'" in caplog.text


@pytest.fixture
async def proxy(redis_url: str) -> AsyncIterator[FlakyProxy]:
    proxy = FlakyProxy(redis_url)
    await proxy.open()
    try:
        yield proxy
    finally:
        await proxy.cut()


@pytest.fixture
def watch_log() -> Iterator[Callable[[str], LogWatch]]:
    logger = logging.getLogger("homecloud.events")
    watches: list[LogWatch] = []

    def watch(text: str) -> LogWatch:
        watches.append(LogWatch(text))
        logger.addHandler(watches[-1])
        return watches[-1]

    yield watch
    for handler in watches:
        logger.removeHandler(handler)


@pytest.mark.redis
async def test_listener_resubscribes_once_redis_is_back(
    buses: tuple[RedisBus, RedisBus],
    channel: str,
    proxy: FlakyProxy,
    watch_log: Callable[[str], LogWatch],
) -> None:
    publisher, _ = buses
    listener = RedisBus(proxy.url, channel=channel, reconnect_delay=0.01, max_reconnect_delay=0.05)
    stopped = watch_log("stopped (ConnectionError")
    try:
        subscription = listener.subscribe(lambda e: True)
        await asyncio.wait_for(listener.start(), timeout=5)
        await proxy.cut()
        await asyncio.wait_for(stopped.seen.wait(), timeout=5)
        await publisher.publish(event(resource_id="during the outage"))
        await proxy.open()
        await asyncio.wait_for(listener.start(), timeout=5)
        await publisher.publish(event(resource_id="after the outage"))
        assert (await next_event(subscription)).resource_id == "after the outage"
        assert subscription.pending() == 0
    finally:
        await listener.close()


@pytest.mark.redis
async def test_listener_gives_up_on_a_connection_gone_silent(
    buses: tuple[RedisBus, RedisBus],
    channel: str,
    proxy: FlakyProxy,
    watch_log: Callable[[str], LogWatch],
) -> None:
    publisher, _ = buses
    listener = RedisBus(proxy.url, channel=channel, reconnect_delay=0.01, idle_check=0.05)
    silent = watch_log("Redis did not answer a PING")
    try:
        subscription = listener.subscribe(lambda e: True)
        await asyncio.wait_for(listener.start(), timeout=5)
        proxy.freeze()
        await publisher.publish(event(resource_id="lost in the silence"))
        await asyncio.wait_for(silent.seen.wait(), timeout=5)
        await asyncio.wait_for(listener.start(), timeout=5)
        await publisher.publish(event(resource_id="heard again"))
        assert (await next_event(subscription)).resource_id == "heard again"
        assert subscription.pending() == 0
    finally:
        await listener.close()


async def test_without_redis_publishing_still_serves_this_process(
    caplog: pytest.LogCaptureFixture, watch_log: Callable[[str], LogWatch]
) -> None:
    bus = RedisBus(f"redis://127.0.0.1:{unused_port()}/0", reconnect_delay=0.01)
    retrying = watch_log("retrying in")
    try:
        subscription = bus.subscribe(lambda e: True)
        with caplog.at_level(logging.INFO, logger="homecloud.events"):
            for n in range(3):
                await bus.publish(event(resource_id=f"T{n}"))
            await asyncio.wait_for(retrying.seen.wait(), timeout=5)
        assert [(await subscription.get()).resource_id for _ in range(3)] == ["T0", "T1", "T2"]
        assert bus.publish_failures == 3
        assert caplog.text.count("cannot publish events to Redis") == 1
    finally:
        await bus.close()
    assert other_tasks() == set()


async def test_default_channel_is_per_database() -> None:
    """Redis scopes keys by database but pub/sub by server."""
    for url, channel in (
        ("redis://127.0.0.1:6379/3", "homecloud:3:events"),
        ("redis://127.0.0.1:6379", "homecloud:0:events"),
    ):
        bus = RedisBus(url)
        assert bus.channel == channel
        await bus.close()
