"""The outbox: every new reading becomes one pending delivery per receiver registered for
it, written in the transaction that stores the reading (so a reading is never stored without
its deliveries, nor a delivery made for a reading that was rolled back), then a wake-up call
for the delivery workers once that transaction has committed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from homecloud.apis.smartme.readings import Reading
from homecloud.apis.smartme.webhooks import repository
from homecloud.apis.smartme.webhooks.states import PENDING, SINGLE_METER
from homecloud.core.events import ChangeEvent
from homecloud.core.models import now_ms
from homecloud.core.unit_of_work import UnitOfWork

FACE: Final = "smartme"
# The change event that wakes the delivery workers (of every process, over a shared bus).
PENDING_KIND: Final = "realtime.pending"


async def enqueue_deliveries(work: UnitOfWork, readings: Sequence[Reading]) -> int:
    """Writes the deliveries ``readings`` are due for into the outbox, in ``work``'s
    transaction, in the order given (each receiver gets them in that order); returns how
    many were written."""
    if not readings:
        return 0
    session = await work.session()
    subscribers = await repository.subscribers(session, {r.owner_id for r in readings})
    if not subscribers:
        return 0
    now = now_ms()
    rows: list[dict[str, Any]] = []
    for reading in readings:
        device = str(reading.device_id)
        for subscriber in subscribers:
            if subscriber.owner_id != reading.owner_id:
                continue
            if subscriber.registration_type == SINGLE_METER and subscriber.meter_guid != device:
                continue
            rows.append(
                {
                    "registration_id": subscriber.registration_id,
                    "device_guid": device,
                    "value_date_us": reading.micros,
                    "values": dict(reading.values),
                    "state": PENDING,
                    "attempts": 0,
                    "created_at": now,
                }
            )
    await repository.add_deliveries(session, rows)
    if rows:
        work.publish(
            ChangeEvent(
                FACE, PENDING_KIND, readings[0].owner_id, "outbox", data={"count": len(rows)}
            )
        )
    return len(rows)
