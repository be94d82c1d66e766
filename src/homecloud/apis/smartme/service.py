"""smart-me's rules: meters, their readings, switching, custom devices. Functions take the
request's :class:`~homecloud.core.unit_of_work.UnitOfWork`, never commit, and queue change
events with ``work.publish``."""

from __future__ import annotations

from collections.abc import Sequence

from homecloud.apis.smartme import repository
from homecloud.apis.smartme.readings import Reading, ReadingError
from homecloud.core.events import ChangeEvent
from homecloud.core.unit_of_work import UnitOfWork

FACE = repository.FACE


async def record_readings(work: UnitOfWork, readings: Sequence[Reading]) -> list[Reading]:
    """Stores new readings of meters: the one way a reading enters homecloud, whoever made it
    (the simulation, ``POST /Devices``, ``POST /CustomDevice``).

    Each reading is stored once (one of a moment stored already is skipped), becomes its
    meter's latest values when it is the newest, and is published as a ``values`` change
    event after the commit. Returns the readings that were new, oldest first.
    """
    if not readings:
        return []
    session = await work.session()
    meters = await repository.meters_by_guid(session, {str(r.device_id) for r in readings})
    rows: list[repository.ReadingRow] = []
    for reading in readings:
        meter = meters.get(str(reading.device_id))
        if meter is None or meter.owner_id != reading.owner_id:
            raise ReadingError(f"no meter {reading.device_id} of user {reading.owner_id}")
        rows.append((meter.device_id, reading.micros, dict(reading.values)))
    stored = await repository.insert_readings(session, rows)
    fresh: list[Reading] = []
    for reading, (device_id, at_us, _) in zip(readings, rows, strict=True):
        if (device_id, at_us) in stored:
            stored.discard((device_id, at_us))  # twice in one batch: the first one counts
            fresh.append(reading)
    fresh.sort(key=lambda r: r.micros)
    for reading in fresh:
        meter = meters[str(reading.device_id)]
        if meter.value_date_us is None or reading.micros >= meter.value_date_us:
            # A new dict, so that SQLAlchemy sees the JSON column change; values a reading
            # lacks (a client posting only its counter) keep their last known value.
            meter.latest = {**meter.latest, **reading.values}
            meter.value_date_us = reading.micros
    for guid in dict.fromkeys(str(r.device_id) for r in fresh):
        meter = meters[guid]
        work.publish(ChangeEvent(FACE, "values", meter.owner_id, guid))
    # The realtime webhooks' outbox is written here, in this same transaction.
    return fresh
