"""The event bus over Redis pub/sub, for several processes or nodes.

Every process runs one :class:`RedisBus`. An event published in a process reaches that
process's own subscribers at once and goes, serialised with orjson, to one Redis channel; one
listener task per process reads the channel and hands the other processes' events to the same
bounded :class:`~homecloud.core.events.QueueSubscription` objects the in-process bus uses.

Redis pub/sub delivers to whoever listens at that moment: events published while a listener
is reconnecting do not reach it. Change events are notifications, not the record of a change;
a client that must not miss one relies on webhooks (the outbox) or re-reads on reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

import orjson
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from homecloud.core.events import ChangeEvent, EventFilter, QueueSubscription, Subscribers

log = logging.getLogger("homecloud.events")


class RedisBus:
    """The :class:`~homecloud.core.events.EventBus` for processes that share a Redis server.

    The channel defaults to ``homecloud:<db>:events`` for the database number in the URL:
    Redis scopes keys by database but pub/sub by server, so two installations (or a test run
    and a development server) on one Redis stay apart the way their rate limits do.

    The listener pings Redis after ``idle_check`` seconds of silence and takes a ping left
    unanswered for another such spell as a dead connection. While Redis stays away it tries
    again after ``reconnect_delay`` seconds, doubling up to ``max_reconnect_delay``.
    """

    def __init__(
        self,
        redis_url: str,
        *,
        channel: str | None = None,
        reconnect_delay: float = 0.5,
        max_reconnect_delay: float = 30.0,
        idle_check: float = 30.0,
    ) -> None:
        self.origin = uuid.uuid4().hex
        # What this bus's connections are called in Redis's CLIENT LIST.
        self.client_name = f"homecloud-events-{self.origin[:12]}"
        self._redis = Redis.from_url(
            redis_url,
            client_name=self.client_name,
            socket_connect_timeout=2,
            socket_timeout=2,
            socket_keepalive=True,
            # One immediate retry replaces a pooled connection that went stale; the listener
            # has its own reconnect loop, and a publisher must not wait out a long backoff.
            retry=Retry(NoBackoff(), retries=1),
        )
        database = self._redis.connection_pool.connection_kwargs.get("db", 0)
        self.channel = channel or f"homecloud:{database}:events"
        self.publish_failures = 0
        self._reconnect_delay = reconnect_delay
        self._max_reconnect_delay = max_reconnect_delay
        self._idle_check = idle_check
        self._subscribers = Subscribers()
        self._listener: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()
        self._publish_failing = False
        self._closed = False

    async def publish(self, event: ChangeEvent) -> None:
        """Delivers ``event`` to this process's subscribers and publishes it to the others.

        An unreachable Redis does not fail the publisher (its write has happened): the event
        still reaches this process's subscribers, and the failure is counted in
        ``publish_failures`` and logged once per outage.
        """
        body = orjson.dumps({"origin": self.origin, "event": event})
        # Local subscribers get the event as it comes out of JSON, exactly as remote ones do.
        self._subscribers.deliver(_decode_event(orjson.loads(body)["event"]))
        try:
            await self._redis.publish(self.channel, body)
        except RedisError as exc:
            self.publish_failures += 1
            if not self._publish_failing:
                self._publish_failing = True
                log.warning("cannot publish events to Redis channel %s: %s", self.channel, exc)
            return
        if self._publish_failing:
            self._publish_failing = False
            log.info("publishing events to Redis channel %s again", self.channel)

    def subscribe(self, accept: EventFilter, *, capacity: int = 1024) -> QueueSubscription:
        """A subscription to events of every process that ``accept`` lets through.

        The first subscription starts the listener; until its Redis subscription holds (see
        :meth:`start`), only this process's own events arrive.
        """
        self._ensure_listener()
        return self._subscribers.add(accept, capacity)

    async def start(self) -> None:
        """Starts the listener, if not yet running, and returns once it receives events."""
        self._ensure_listener()
        await self._listening.wait()

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    async def close(self) -> None:
        """Stops the listener, ends every subscription and closes the Redis connections."""
        if self._closed:
            return
        self._closed = True
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        self._subscribers.close_all()
        await self._redis.aclose()

    def _ensure_listener(self) -> None:
        if self._closed:
            raise RuntimeError("the event bus is closed")
        if self._listener is None:
            self._listener = asyncio.get_running_loop().create_task(
                self._listen(), name=f"homecloud events listener on {self.channel}"
            )

    async def _listen(self) -> None:
        loop = asyncio.get_running_loop()
        delay = self._reconnect_delay
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.subscribe(self.channel)
                last_heard = loop.time()
                while True:
                    message = await pubsub.get_message(timeout=self._idle_check)
                    if message is None:
                        # A connection can die without a word (a node gone, a NAT entry
                        # expired): a quiet channel is pinged, and one unanswered for two
                        # rounds is given up on.
                        if loop.time() - last_heard > 2 * self._idle_check:
                            raise ConnectionError("Redis did not answer a PING")
                        await pubsub.ping()
                        continue
                    last_heard = loop.time()
                    if message["type"] == "message":
                        self._receive(message["data"])
                    elif message["type"] == "subscribe":
                        # Also after redis-py reconnected and subscribed again by itself.
                        self._listening.set()
                        delay = self._reconnect_delay
            except Exception as exc:
                # Whatever broke, a listener that gives up leaves every subscriber deaf.
                self._listening.clear()
                log.warning(
                    "event listener on Redis channel %s stopped (%s: %s); retrying in %.3g s",
                    self.channel,
                    type(exc).__name__,
                    exc,
                    delay,
                )
            finally:
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._max_reconnect_delay)

    def _receive(self, body: bytes) -> None:
        try:
            payload = orjson.loads(body)
            if not isinstance(payload, dict):
                raise ValueError("not a JSON object")
            if payload.get("origin") == self.origin:
                return  # delivered locally when it was published
            event = _decode_event(payload["event"])
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring a malformed message on Redis channel %s: %s", self.channel, exc)
            return
        self._subscribers.deliver(event)


_FIELD_TYPES: dict[str, type] = {
    "face": str,
    "kind": str,
    "owner_id": int,
    "resource_id": str,
    "at_ms": int,
    "data": dict,
}


def _decode_event(fields: Any) -> ChangeEvent:
    """The :class:`ChangeEvent` that ``orjson.dumps`` wrote as ``fields``; ValueError if not."""
    if not isinstance(fields, dict):
        raise ValueError("the event is not a JSON object")
    event = ChangeEvent(
        face=fields["face"],
        kind=fields["kind"],
        owner_id=fields["owner_id"],
        resource_id=fields["resource_id"],
        at_ms=fields["at_ms"],
        data=fields["data"],
    )
    for name, expected in _FIELD_TYPES.items():
        value = getattr(event, name)
        if not isinstance(value, expected) or isinstance(value, bool):
            raise ValueError(f"the event's {name} is not {expected.__name__}: {value!r}")
    return event
