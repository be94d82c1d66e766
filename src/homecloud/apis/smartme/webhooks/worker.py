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
from typing import Any

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
from homecloud.core.events import ChangeEvent, EventBus, Subscription
from homecloud.core.leases import new_holder, repeat_while_holding
from homecloud.core.models import now_ms

log = logging.getLogger("homecloud.smartme.webhooks")

CLEANUP_LEASE = "smartme-webhook-cleanup"
CLEANUP_INTERVAL = 600.0
# How long a delivery round waits to record its receivers' outcomes together.
ROUND_SECONDS = 0.5
# Longest a round's outcomes wait for the next round's write when no reading comes.
RECORD_SECONDS = 0.25


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
        # Whether the last round found a full batch (so more are due at once).
        self.backlog = False
        # Deliveries that outlasted their round, and the tasks recording their outcome.
        self.slow: set[asyncio.Task[list[Any]]] = set()
        self.recorders: set[asyncio.Task[None]] = set()

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
        recorded: list[Any] = []  # the last round's outcomes, written with the next claim
        try:
            while True:
                self.wake.clear()
                served = 0
                try:
                    served, recorded = await self.round(sender, recorded)
                except Exception:
                    log.exception("a webhook delivery round failed")
                    recorded = []  # the leases lapse and those batches are sent again
                if served and self.backlog:
                    continue  # a batch was full: more are due right now
                # Otherwise wait for new readings (or the poll), so that a round takes what
                # came meanwhile instead of a write per reading; outcomes not yet written
                # wait at most RECORD_SECONDS.
                wait = self.settings.webhook_poll_interval
                if recorded:
                    wait = min(wait, RECORD_SECONDS)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await self.wake.wait()
        finally:
            listener.cancel()
            cleanup.cancel()
            for task in self.slow:
                task.cancel()
            await asyncio.gather(listener, cleanup, *self.slow, return_exceptions=True)
            subscription.close()
            if self._sender is None:
                await sender.close()

    async def deliver_due(self, sender: Sender) -> int:
        """One round with its outcomes written: claims every receiver that is due now and
        delivers a batch to each; returns how many receivers were served. (For tests and
        the CLI; :meth:`run` writes a round's outcomes with the next round's claim.)"""
        served, recorded = await self.round(sender, [])
        if recorded:
            await repository.write(self.database, *recorded)
        return served

    async def round(self, sender: Sender, recorded: Sequence[Any]) -> tuple[int, list[Any]]:
        """Writes ``recorded`` and claims the receivers that are due (one write), POSTs a
        batch to each at once, and returns how many were served and the statements recording
        the outcomes that came within :data:`ROUND_SECONDS`. (On SQLite every write waits for
        the one lock, so a round costs one write whatever the number of receivers.) A
        receiver slower than that records its own outcome when it answers, and keeps its
        slot meanwhile."""
        free = self.settings.webhook_concurrency - len(self.slow)
        claimed = await repository.claim_receivers(
            self.database, self.holder, now_ms(), self.lease_ms, max(free, 0), record=recorded
        )
        if not claimed:
            self.backlog = False
            return 0, []
        try:
            batches = await repository.pending_batches(
                self.database,
                [receiver.id for receiver in claimed],
                self.settings.webhook_batch_size,
            )
        except Exception:
            # The leases lapse and the receivers are claimed again: nothing is lost.
            log.exception("reading pending webhook deliveries failed")
            return 0, []
        tasks = [
            asyncio.create_task(self.deliver(sender, receiver, batches[receiver.id]))
            for receiver in claimed
        ]
        self.backlog = any(
            len(batch) >= self.settings.webhook_batch_size for batch in batches.values()
        )
        done, pending = await asyncio.wait(tasks, timeout=ROUND_SECONDS)
        statements = [statement for task in done for statement in task.result()]
        for task in pending:
            self.slow.add(task)
            task.add_done_callback(self._record_late)
        return len(claimed), statements

    def _record_late(self, task: asyncio.Task[list[Any]]) -> None:
        async def record() -> None:
            try:
                await repository.write(self.database, *task.result())
            except Exception:
                # The lease lapses and the batch is sent again: nothing is lost.
                log.exception("recording a webhook delivery failed")
            finally:
                self.slow.discard(task)
                self.wake.set()

        if task.cancelled():
            self.slow.discard(task)
            return
        late = asyncio.create_task(record())
        self.recorders.add(late)
        late.add_done_callback(self.recorders.discard)

    @staticmethod
    def _is_wake_up(event: ChangeEvent) -> bool:
        return event.face == FACE and event.kind == PENDING_KIND

    async def _listen(self, subscription: Subscription) -> None:
        async for _event in subscription:
            self.wake.set()

    async def deliver(
        self, sender: Sender, receiver: Receiver, batch: Sequence[Pending]
    ) -> list[Any]:
        """One batch of ``receiver``'s pending readings; returns the statements that record
        its outcome (and give the lease back)."""
        try:
            if not batch:
                return repository.release_statements(receiver, self.holder)
            try:
                credentials = self.credentials(receiver)
            except SecretError as exc:
                outcome = Outcome(False, error=str(exc))
            else:
                outcome = await sender.post(receiver.api_url, self.body(batch), credentials)
            return self.outcome_statements(receiver, batch, outcome)
        except asyncio.CancelledError:
            raise
        except Exception:
            # The lease lapses and the batch is tried again; nothing is lost.
            log.exception("delivering to webhook receiver %s failed", receiver.guid)
            return []

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

    def outcome_statements(
        self, receiver: Receiver, batch: Sequence[Pending], outcome: Outcome
    ) -> list[Any]:
        now = now_ms()
        ids = [item.id for item in batch]
        if outcome.delivered:
            assert outcome.status is not None
            return repository.delivered_statements(receiver, ids, self.holder, outcome.status, now)
        if outcome.gone:
            why = f"the receiver answered 410 Gone on {iso(now)}; registration disabled"
            log.warning("webhook receiver %s answered 410: disabled", receiver.guid)
            return repository.gone_statements(receiver, ids, now, why)
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
        return repository.failure_statements(
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
