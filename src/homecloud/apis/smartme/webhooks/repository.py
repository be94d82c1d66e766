"""Every SQL statement of the realtime webhooks.

Reads for a user name the owner, so no call reaches another user's registrations or
deliveries. The worker's statements work on any registration, under the lease it claimed.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import delete, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from homecloud.apis.smartme.models import SmartMeMeter
from homecloud.apis.smartme.webhooks.models import WebhookDelivery, WebhookRegistration
from homecloud.apis.smartme.webhooks.states import (
    ACTIVE_TYPES,
    CANCELLED,
    DELIVERED,
    DISABLED,
    GIVEN_UP,
    PENDING,
)
from homecloud.core.database import Database

Registration = WebhookRegistration
Delivery = WebhookDelivery


# --- registrations, for their owner ---------------------------------------------------------


async def registrations_of(session: AsyncSession, owner_id: int) -> list[Registration]:
    rows = await session.scalars(
        select(Registration).where(Registration.owner_id == owner_id).order_by(Registration.id)
    )
    return list(rows)


async def registration_of(session: AsyncSession, owner_id: int, guid: str) -> Registration | None:
    registration: Registration | None = await session.scalar(
        select(Registration).where(Registration.owner_id == owner_id, Registration.guid == guid)
    )
    return registration


async def count_registrations(session: AsyncSession, owner_id: int) -> int:
    count = await session.scalar(
        select(func.count()).select_from(Registration).where(Registration.owner_id == owner_id)
    )
    return int(count or 0)


async def delete_registration(session: AsyncSession, owner_id: int, guid: str) -> bool:
    result: Any = await session.execute(
        delete(Registration).where(Registration.owner_id == owner_id, Registration.guid == guid)
    )
    return bool(result.rowcount)


async def cancel_pending(session: AsyncSession, registration_id: int, now: int, why: str) -> None:
    await session.execute(
        update(Delivery)
        .where(Delivery.registration_id == registration_id, Delivery.state == PENDING)
        .values(state=CANCELLED, finished_at=now, last_error=why[:300])
    )


async def owned_meter(session: AsyncSession, owner_id: int, guid: str) -> str | None:
    """The GUID of the caller's meter ``guid``, or None."""
    found: str | None = await session.scalar(
        select(SmartMeMeter.guid).where(
            SmartMeMeter.owner_id == owner_id, SmartMeMeter.guid == guid
        )
    )
    return found


async def owned_meter_by_serial(session: AsyncSession, owner_id: int, serial: int) -> str | None:
    found: str | None = await session.scalar(
        select(SmartMeMeter.guid).where(
            SmartMeMeter.owner_id == owner_id, SmartMeMeter.serial == serial
        )
    )
    return found


# --- the outbox, written with the readings -------------------------------------------------


@dataclass(frozen=True, slots=True)
class Subscriber:
    registration_id: int
    owner_id: int
    registration_type: int
    meter_guid: str | None


async def subscribers(session: AsyncSession, owner_ids: Collection[int]) -> list[Subscriber]:
    """The active registrations of these users."""
    rows = await session.execute(
        select(
            Registration.id,
            Registration.owner_id,
            Registration.registration_type,
            Registration.meter_guid,
        ).where(
            Registration.owner_id.in_(owner_ids),
            Registration.registration_type.in_(ACTIVE_TYPES),
        )
    )
    return [Subscriber(*row) for row in rows]


async def add_deliveries(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(Delivery), list(rows))


# --- the worker ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Receiver:
    """A registration claimed for delivery."""

    id: int
    guid: str
    owner_id: int
    api_url: str
    basic_username: str | None
    basic_password_sealed: str | None
    failures: int


@dataclass(frozen=True, slots=True)
class Pending:
    id: int
    device_guid: str
    value_date_us: int
    values: dict[str, float]
    created_at: int


async def claim_receivers(
    database: Database,
    holder: str,
    now: int,
    lease_ms: int,
    limit: int,
    *,
    record: Sequence[Any] = (),
) -> list[Receiver]:
    """Leases up to ``limit`` receivers that have pending deliveries and are due, to
    ``holder``, until ``now + lease_ms``; in the same transaction first runs ``record`` (the
    previous round's outcomes), so that a round costs one write.

    On PostgreSQL the candidates are locked ``FOR UPDATE SKIP LOCKED``: workers of several
    processes claiming at once each get other receivers, none waits on another. SQLite has
    one writer at a time, so the conditional update alone is enough there.
    """
    due = (
        select(Registration.id)
        .where(
            Registration.registration_type.in_(ACTIVE_TYPES),
            Registration.next_attempt_at <= now,
            Registration.lease_until <= now,
            exists().where(Delivery.registration_id == Registration.id, Delivery.state == PENDING),
        )
        .order_by(Registration.next_attempt_at, Registration.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(Registration)
        .where(Registration.id.in_(due.scalar_subquery()), Registration.lease_until <= now)
        .values(lease_holder=holder, lease_until=now + lease_ms)
        .returning(
            Registration.id,
            Registration.guid,
            Registration.owner_id,
            Registration.api_url,
            Registration.basic_username,
            Registration.basic_password_sealed,
            Registration.failures,
        )
        .execution_options(synchronize_session=False)
    )

    def run(session: Session) -> list[Any]:
        for recording in record:
            session.execute(recording)
        return list(session.execute(statement).all()) if limit > 0 else []

    rows = await database.run_in_transaction(run)
    return [Receiver(*row) for row in rows]


# One receiver's oldest pending deliveries; a round reads every claimed receiver's at once
# (a UNION ALL of these, each on the index) through Database.fetch, which on SQLite reads
# right on the event loop instead of a thread hop per receiver.
_PENDING_OF_ONE = (
    'SELECT * FROM (SELECT id, registration_id, device_guid, value_date_us, "values", '
    "created_at FROM smartme_webhook_deliveries WHERE registration_id = ? AND state = 0 "
    "ORDER BY id LIMIT ?) AS r{n}"
)


async def pending_batches(
    database: Database, registration_ids: Sequence[int], limit: int
) -> dict[int, list[Pending]]:
    """Each receiver's oldest pending deliveries (at most ``limit``), in the order they were
    written."""
    batches: dict[int, list[Pending]] = {
        registration_id: [] for registration_id in registration_ids
    }
    if not registration_ids:
        return batches
    sql = " UNION ALL ".join(_PENDING_OF_ONE.format(n=n) for n in range(len(registration_ids)))
    parameters = [
        value for registration_id in registration_ids for value in (registration_id, limit)
    ]
    for row_id, registration_id, device, at_us, values, created_at in await database.fetch(
        sql, parameters
    ):
        if isinstance(values, str | bytes):
            values = orjson.loads(values)
        batches[registration_id].append(Pending(row_id, device, at_us, values, created_at))
    for batch in batches.values():
        batch.sort(key=lambda item: item.id)
    return batches


def _finish(ids: Sequence[int], **values: Any) -> Any:
    return (
        update(Delivery)
        .where(Delivery.id.in_(ids), Delivery.state == PENDING)
        .values(attempts=Delivery.attempts + 1, **values)
        .execution_options(synchronize_session=False)
    )


def _release(registration_id: int, holder: str, **values: Any) -> Any:
    """The receiver's lease given back (only by its holder: a worker whose lease lapsed and
    was taken over leaves the new holder's alone)."""
    return (
        update(Registration)
        .where(Registration.id == registration_id, Registration.lease_holder == holder)
        .values(lease_holder="", lease_until=0, **values)
        .execution_options(synchronize_session=False)
    )


def delivered_statements(
    receiver: Receiver, ids: Sequence[int], holder: str, status: int, now: int
) -> list[Any]:
    return [
        _finish(
            ids,
            state=DELIVERED,
            finished_at=now,
            last_status=status,
            last_error=None,
            delivered_by=holder,
        ),
        _release(receiver.id, holder, failures=0, next_attempt_at=0),
    ]


def failure_statements(
    receiver: Receiver,
    ids: Sequence[int],
    holder: str,
    *,
    status: int | None,
    error: str,
    now: int,
    retry_at: int,
    give_up_ids: Sequence[int],
) -> list[Any]:
    """A failed attempt: the batch stays pending (those past the give-up time are given up)
    and the receiver waits until ``retry_at``."""
    error = error[:300]
    keep = [i for i in ids if i not in set(give_up_ids)]
    statements: list[Any] = []
    if keep:
        statements.append(_finish(keep, last_status=status, last_error=error))
    if give_up_ids:
        statements.append(
            _finish(
                give_up_ids, state=GIVEN_UP, finished_at=now, last_status=status, last_error=error
            )
        )
    statements.append(
        _release(receiver.id, holder, failures=receiver.failures + 1, next_attempt_at=retry_at)
    )
    return statements


def gone_statements(receiver: Receiver, ids: Sequence[int], now: int, why: str) -> list[Any]:
    """The receiver answered 410 Gone: its registration is disabled and nothing more is
    sent to it (its pending deliveries are cancelled)."""
    return [
        _finish(ids, state=CANCELLED, finished_at=now, last_status=410),
        update(Delivery)
        .where(Delivery.registration_id == receiver.id, Delivery.state == PENDING)
        .values(state=CANCELLED, finished_at=now, last_error=why[:300])
        .execution_options(synchronize_session=False),
        update(Registration)
        .where(Registration.id == receiver.id)
        .values(
            registration_type=DISABLED, disabled_reason=why[:300], lease_holder="", lease_until=0
        )
        .execution_options(synchronize_session=False),
    ]


def release_statements(receiver: Receiver, holder: str) -> list[Any]:
    return [_release(receiver.id, holder)]


async def write(database: Database, *statements: Any) -> None:
    """The statements in one write transaction, on the database's writer (on SQLite the
    writer thread, where writers queue for the lock instead of polling for it)."""

    def run(session: Session) -> None:
        for statement in statements:
            session.execute(statement)

    await database.run_in_transaction(run)


async def delete_finished(database: Database, before: int) -> int:
    """Forgets finished deliveries older than ``before`` (ms)."""
    async with database.session(write=True) as session:
        result: Any = await session.execute(
            delete(Delivery).where(
                Delivery.finished_at < before, Delivery.state.in_((DELIVERED, GIVEN_UP, CANCELLED))
            )
        )
    return int(result.rowcount or 0)


# --- what the user sees ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeliveryView:
    id: int
    registration_guid: str
    device_guid: str
    value_date_us: int
    values: dict[str, float]
    state: int
    attempts: int
    created_at: int
    finished_at: int | None
    last_status: int | None
    last_error: str | None
    delivered_by: str | None


async def deliveries_of(
    session: AsyncSession,
    owner_id: int,
    *,
    registration_guid: str | None = None,
    state: int | None = None,
    limit: int = 100,
) -> list[DeliveryView]:
    """The user's newest deliveries first."""
    query = (
        select(
            Delivery.id,
            Registration.guid,
            Delivery.device_guid,
            Delivery.value_date_us,
            Delivery.values,
            Delivery.state,
            Delivery.attempts,
            Delivery.created_at,
            Delivery.finished_at,
            Delivery.last_status,
            Delivery.last_error,
            Delivery.delivered_by,
        )
        .join(Registration, Registration.id == Delivery.registration_id)
        .where(Registration.owner_id == owner_id)
        .order_by(Delivery.id.desc())
        .limit(limit)
    )
    if registration_guid is not None:
        query = query.where(Registration.guid == registration_guid)
    if state is not None:
        query = query.where(Delivery.state == state)
    return [DeliveryView(*row) for row in await session.execute(query)]


async def pending_counts(session: AsyncSession, owner_id: int) -> dict[int, int]:
    """Registration id -> its pending deliveries, for the user's registrations."""
    rows = await session.execute(
        select(Delivery.registration_id, func.count())
        .join(Registration, Registration.id == Delivery.registration_id)
        .where(Registration.owner_id == owner_id, Delivery.state == PENDING)
        .group_by(Delivery.registration_id)
    )
    return {registration_id: count for registration_id, count in rows}
