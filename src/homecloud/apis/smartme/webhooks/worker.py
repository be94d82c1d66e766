"""The delivery worker: takes receivers with pending deliveries from the outbox and POSTs
their readings, batched, in order.

- A worker claims a *receiver* (a registration) with a lease, never single deliveries, so a
  receiver's readings (and so each meter's) are sent in the order they were written, by one
  worker at a time, in whichever process. Several processes on PostgreSQL claim with
  ``FOR UPDATE SKIP LOCKED`` (see :func:`.repository.claim_receivers`).
- A delivery is marked delivered only after the receiver answered 2xx. A process that dies
  mid-POST (``kill -9``) leaves the deliveries pending and the lease to lapse; another worker
  (or the restarted process) then sends them again: at least once, none lost.
- A failure (no answer in time, a refused connection, any answer but 2xx) puts the receiver
  back by an exponential backoff with jitter, or by the ``Retry-After`` it sent; readings
  still undelivered after the give-up time are given up. 410 Gone disables the registration.
- New readings wake the workers through the event bus (every process, with Redis); without
  a wake-up they look again every ``webhook_poll_interval`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from homecloud.apis.smartme.obis import BY_HEX
from homecloud.apis.smartme.settings import SmartMeSettings
from homecloud.apis.smartme.webhooks import repository
from homecloud.apis.smartme.webhooks.outbox import FACE, PENDING_KIND
from homecloud.apis.smartme.webhooks.payload import DeviceReading, encode
from homecloud.apis.smartme.webhooks.receivers import AddressPolicy
from homecloud.apis.smartme.webhooks.repository import Pending, Receiver
from homecloud.apis.smartme.webhooks.secrets import SecretBox, SecretError
from homecloud.apis.smartme.webhooks.sender import MAX_REDIRECTS, Outcome, Sender
from homecloud.core.database import Database
from homecloud.core.events import ChangeEvent, EventBus
from homecloud.core.leases import new_holder, repeat_while_holding
from homecloud.core.models import now_ms

log = logging.getLogger("homecloud.smartme.webhooks")

CLEANUP_LEASE = "smartme-webhook-cleanup"
CLEANUP_INTERVAL = 600.0


def backoff_seconds(
    failures: int, base: float, ceiling: float, rand: Callable[[], float] = random.random
) -> float:
    """The wait after the ``failures``-th failure in a row: ``base`` doubled each time, at
    most ``ceiling``, of which a random half ("equal jitter", so receivers that failed
    together do not come back together)."""
    delay = min(ceiling, base * (1 << min(max(failures - 1, 0), 40)))
    return delay / 2 + rand() * delay / 2


class Scaler:
    """Values from homecloud's units to the webhook's (see the ``webhook_*_scale``
    settings)."""

    def __init__(self, energy: float, power: float) -> None:
        self.factors = {
            code: energy if obis.unit == "Wh" else power
            for code, obis in BY_HEX.items()
            if obis.unit in ("Wh", "W")
        }

    def __call__(self, values: dict[str, float]) -> dict[str, float]:
        return {code: value * self.factors.get(code, 1.0) for code, value in values.items()}


class DeliveryWorker:
    def __init__(
        self,
        database: Database,
        events: EventBus,
        settings: SmartMeSettings,
        secrets: SecretBox,
        *,
        policy: AddressPolicy | None = None,
        sender: Sender | None = None,
        holder: str | None = None,
    ) -> None:
        self.database = database
        self.events = events
        self.settings = settings
        self.secrets = secrets
        self.policy = policy or AddressPolicy(allow_private=settings.webhook_allow_private)
        self._sender = sender
        self.holder = holder or new_holder()
        self.scale = Scaler(settings.webhook_energy_scale, settings.webhook_power_scale)
        # Long enough for every hop of one POST, so a live worker never loses its lease.
        self.lease_ms = int((settings.webhook_timeout * (MAX_REDIRECTS + 2) + 5) * 1000)
        self.wake = asyncio.Event()
        self.busy: set[int] = set()

    async def run(self) -> None:
        """Delivers until cancelled."""
        sender = self._sender or Sender(
            self.policy,
            self.settings.webhook_timeout,
            max_connections=self.settings.webhook_concurrency,
        )
        subscription = self.events.subscribe(self._is_wake_up, capacity=1)
        listener = asyncio.create_task(self._listen(subscription))
        cleanup = asyncio.create_task(
            repeat_while_holding(self.database, CLEANUP_LEASE, CLEANUP_INTERVAL, self.cleanup)
        )
        tasks: set[asyncio.Task[None]] = set()
        try:
            while True:
                self.wake.clear()
                free = self.settings.webhook_concurrency - len(tasks)
                claimed: list[Receiver] = []
                if free > 0:
                    try:
                        claimed = await repository.claim_receivers(
                            self.database, self.holder, now_ms(), self.lease_ms, free
                        )
                    except Exception:
                        log.exception("claiming webhook receivers failed")
                for receiver in claimed:
                    task = asyncio.create_task(self.deliver(sender, receiver))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                    task.add_done_callback(lambda _task: self.wake.set())
                if claimed and len(tasks) < self.settings.webhook_concurrency:
                    continue  # there may be more due right now
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.settings.webhook_poll_interval):
                        await self.wake.wait()
        finally:
            listener.cancel()
            cleanup.cancel()
            for task in tasks:
                task.cancel()
            await asyncio.gather(listener, cleanup, *tasks, return_exceptions=True)
            subscription.close()
            if self._sender is None:
                await sender.close()

    async def deliver_due(self, sender: Sender) -> int:
        """Claims every receiver that is due now and delivers one batch to each; returns how
        many receivers were served. (The loop of :meth:`run`, once: for tests and the CLI.)"""
        claimed = await repository.claim_receivers(
            self.database, self.holder, now_ms(), self.lease_ms, self.settings.webhook_concurrency
        )
        await asyncio.gather(*(self.deliver(sender, receiver) for receiver in claimed))
        return len(claimed)

    @staticmethod
    def _is_wake_up(event: ChangeEvent) -> bool:
        return event.face == FACE and event.kind == PENDING_KIND

    async def _listen(self, subscription: object) -> None:
        async for _event in subscription:  # type: ignore[attr-defined]
            self.wake.set()

    async def deliver(self, sender: Sender, receiver: Receiver) -> None:
        """One batch of ``receiver``'s pending readings, its outcome recorded."""
        try:
            batch = await repository.pending_batch(
                self.database, receiver.id, self.settings.webhook_batch_size
            )
            if not batch:
                await repository.release(self.database, receiver, self.holder)
                return
            try:
                credentials = self.credentials(receiver)
            except SecretError as exc:
                outcome = Outcome(False, error=str(exc))
            else:
                outcome = await sender.post(receiver.api_url, self.body(batch), credentials)
            await self.record(receiver, batch, outcome)
        except asyncio.CancelledError:
            raise
        except Exception:
            # The lease lapses and the batch is tried again; nothing is lost.
            log.exception("delivering to webhook receiver %s failed", receiver.guid)

    def credentials(self, receiver: Receiver) -> tuple[str, str] | None:
        if not receiver.basic_username:
            return None
        password = ""
        if receiver.basic_password_sealed:
            password = self.secrets.open(receiver.basic_password_sealed, receiver.guid)
        return receiver.basic_username, password

    def body(self, batch: Sequence[Pending]) -> bytes:
        return encode(
            DeviceReading.at_micros(
                uuid.UUID(item.device_guid), item.value_date_us, self.scale(item.values)
            )
            for item in batch
        )

    async def record(self, receiver: Receiver, batch: Sequence[Pending], outcome: Outcome) -> None:
        now = now_ms()
        ids = [item.id for item in batch]
        if outcome.delivered:
            assert outcome.status is not None
            await repository.record_delivered(
                self.database, receiver, ids, self.holder, outcome.status, now
            )
            return
        if outcome.gone:
            why = f"the receiver answered 410 Gone on {iso(now)}; registration disabled"
            log.warning("webhook receiver %s answered 410: disabled", receiver.guid)
            await repository.record_gone(self.database, receiver, ids, self.holder, now, why)
            return
        failures = receiver.failures + 1
        wait = backoff_seconds(
            failures, self.settings.webhook_retry_base, self.settings.webhook_retry_max
        )
        if outcome.retry_after is not None:
            wait = min(outcome.retry_after, self.settings.webhook_retry_after_max)
        deadline = now - int(self.settings.webhook_give_up_after * 1000)
        give_up = [item.id for item in batch if item.created_at <= deadline]
        log.info(
            "webhook delivery to %s failed (%s); %d given up, next try in %.1f s",
            receiver.guid,
            outcome.error,
            len(give_up),
            wait,
        )
        await repository.record_failure(
            self.database,
            receiver,
            ids,
            self.holder,
            status=outcome.status,
            error=outcome.error or "failed",
            now=now,
            retry_at=now + int(wait * 1000),
            give_up_ids=give_up,
        )

    async def cleanup(self) -> None:
        keep_ms = int(self.settings.webhook_keep_finished * 1000)
        removed = await repository.delete_finished(self.database, now_ms() - keep_ms)
        if removed:
            log.info("forgot %d finished webhook deliveries", removed)


def iso(milliseconds: int) -> str:
    moment = datetime.fromtimestamp(milliseconds / 1000, UTC).replace(microsecond=0)
    return moment.isoformat().replace("+00:00", "Z")
