"""record_readings: the one way a reading enters the store (both databases)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from homecloud.apis.smartme import repository, service
from homecloud.apis.smartme.models import SmartMeMeter
from homecloud.apis.smartme.readings import Reading, ReadingError, from_micros, micros_of
from homecloud.core.database import Database
from homecloud.core.events import ChangeEvent, InProcessBus
from homecloud.core.unit_of_work import UnitOfWork
from homecloud.core.users import create_user


async def new_meter(database: Database, bus: InProcessBus) -> tuple[int, uuid.UUID]:
    guid = uuid.uuid4()
    async with UnitOfWork.begin(database, bus) as work:
        session = await work.session()
        user = await create_user(session, f"{guid.hex[:8]}@example.com", "password-1")
        await repository.add_meter(
            session,
            SmartMeMeter(
                owner_id=user.id,
                guid=str(guid),
                serial=guid.int % 10**9,
                energy_type=1,
                sub_type=4,
                family_type=12,
            ),
            kind="three_phase",
            name="House",
            attributes={},
        )
    return user.id, guid


def reading(owner: int, guid: uuid.UUID, at: datetime, **values: float) -> Reading:
    return Reading(guid, owner, 1, at, {code: value for code, value in values.items()})


async def test_readings_are_stored_once_and_the_newest_is_the_latest(database: Database) -> None:
    bus = InProcessBus()
    events = bus.subscribe(lambda event: True)
    owner, guid = await new_meter(database, bus)
    t0 = datetime(2026, 7, 25, 13, 6, 32, 50051, tzinfo=UTC)
    first = reading(owner, guid, t0, **{"0100010800FF": 10.0})
    second = reading(owner, guid, t0 + timedelta(seconds=5), **{"0100010800FF": 11.5})
    async with UnitOfWork.begin(database, bus) as work:
        fresh = await service.record_readings(work, [second, first, first])
    assert fresh == [first, second]
    async with UnitOfWork.begin(database, bus) as work:
        again = await service.record_readings(work, [first])
    assert again == []
    async with database.session() as session:
        meter = (await repository.meters_by_guid(session, [str(guid)]))[str(guid)]
    assert meter.latest == {"0100010800FF": 11.5}
    assert meter.value_date_us == second.micros
    event = await events.get()
    assert isinstance(event, ChangeEvent)
    assert (event.face, event.kind, event.owner_id, event.resource_id) == (
        "smartme",
        "values",
        owner,
        str(guid),
    )


async def test_a_reading_of_an_unknown_or_foreign_meter_is_refused(database: Database) -> None:
    bus = InProcessBus()
    owner, guid = await new_meter(database, bus)
    now = datetime.now(UTC)
    for bad in (reading(owner + 1, guid, now), reading(owner, uuid.uuid4(), now)):
        with pytest.raises(ReadingError):
            async with UnitOfWork.begin(database, bus) as work:
                await service.record_readings(work, [bad])


def test_a_reading_checks_and_normalises_what_it_holds() -> None:
    guid = uuid.uuid4()
    local = datetime(2026, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=1)))
    made = Reading(guid, 1, 2, local, {"0100010800ff": 3})
    assert made.value_date == datetime(2026, 1, 1, tzinfo=UTC)
    assert dict(made.values) == {"0100010800FF": 3.0}
    assert from_micros(micros_of(made.value_date)) == made.value_date
    for values in ({"1.8.0": 1.0}, {"0100010800FF": float("nan")}, {"0100010800FF": True}):
        with pytest.raises(ReadingError):
            Reading(guid, 1, 2, made.value_date, values)
    with pytest.raises(ReadingError):
        Reading(guid, 1, 2, datetime(2026, 1, 1), {})


async def test_a_large_batch_is_stored_whole(database: Database) -> None:
    bus = InProcessBus()
    owner, guid = await new_meter(database, bus)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    batch = [
        reading(owner, guid, t0 + timedelta(seconds=i), **{"0100010800FF": float(i)})
        for i in range(1_201)
    ]
    async with UnitOfWork.begin(database, bus) as work:
        fresh = await service.record_readings(work, batch)
    assert len(fresh) == 1_201
    async with database.session() as session:
        stored = await repository.readings_between(
            session,
            (await repository.meters_by_guid(session, [str(guid)]))[str(guid)].device_id,
            0,
            2**62,
            5_000,
        )
        meter = (await repository.meters_by_guid(session, [str(guid)]))[str(guid)]
    assert len(stored) == 1_201
    assert meter.latest == {"0100010800FF": 1_200.0}
