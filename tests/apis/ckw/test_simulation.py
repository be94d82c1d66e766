"""The simulated meters: deterministic values with gaps and estimates, delivered once a day
(configurable), so today is empty (or partial), and nothing is delivered twice."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time

import httpx
import pytest

from homecloud.apis.ckw import repository, service
from homecloud.apis.ckw.query import ZONE
from homecloud.apis.ckw.settings import CkwSettings
from homecloud.apis.ckw.simulation import (
    MeterDelivery,
    deliver,
    delivery_horizon,
    quarter_hours,
)
from homecloud.core.unit_of_work import UnitOfWork
from homecloud.core.users import create_user
from homecloud.services import Services
from homecloud.sim.clock import ManualClock
from tests.apis.ckw.conftest import METER_DATA, PASSWORD, bearer, code_flow_tokens, local_ms


def at(day: date, hour: int, minute: int = 0) -> int:
    return int(datetime.combine(day, time(hour, minute), ZONE).timestamp() * 1000)


def test_values_are_the_same_whenever_they_are_computed() -> None:
    start, end = local_ms(date(2025, 3, 1)), local_ms(date(2025, 3, 3))
    whole = list(quarter_hours("consumption", 9, start, end))
    halves = list(quarter_hours("consumption", 9, start, local_ms(date(2025, 3, 2)))) + list(
        quarter_hours("consumption", 9, local_ms(date(2025, 3, 2)), end)
    )
    assert whole == halves
    assert all(value.ts_ms % 900_000 == 0 for value in whole)
    assert whole != list(quarter_hours("consumption", 10, start, end))


def test_a_year_has_some_gaps_some_estimates_and_mostly_measurements() -> None:
    start, end = local_ms(date(2024, 1, 1)), local_ms(date(2025, 1, 1))
    values = list(quarter_hours("consumption", 4, start, end))
    expected = (end - start) // 900_000
    missing = expected - len(values)
    estimated = sum(value.estimated for value in values)
    assert 0 < missing < expected * 0.01
    assert 0 < estimated < expected * 0.01
    production = list(quarter_hours("production", 4, start, end))
    assert any(value.kwh == 0 for value in production)  # nights
    assert max(value.kwh for value in production) > 1.0  # 8 kWp at noon: ~2 kWh a quarter-hour


@pytest.mark.parametrize(
    ("now", "every", "delivered"),
    [
        # Once a day at 06:00: before it, yesterday is not there yet.
        ((date(2025, 5, 10), 5, 59), 24, (date(2025, 5, 9), 0)),
        ((date(2025, 5, 10), 6, 0), 24, (date(2025, 5, 10), 0)),
        ((date(2025, 5, 10), 23, 0), 24, (date(2025, 5, 10), 0)),
        # Every 6 hours (06:00 after each period): today is partial.
        ((date(2025, 5, 10), 13, 0), 6, (date(2025, 5, 10), 6)),
        ((date(2025, 5, 10), 5, 0), 6, (date(2025, 5, 9), 18)),
        # The spring clock change: midnight still delivers at 06:00 local.
        ((date(2025, 3, 30), 7, 0), 24, (date(2025, 3, 30), 0)),
    ],
)
def test_the_delivery_horizon(
    now: tuple[date, int, int], every: int, delivered: tuple[date, int]
) -> None:
    settings = CkwSettings(delivery_every_hours=every)
    assert delivery_horizon(at(*now), settings) == at(delivered[0], delivered[1])


def test_delivery_periods_must_divide_the_day() -> None:
    with pytest.raises(ValueError, match="divide 24"):
        CkwSettings(delivery_every_hours=5)


async def simulated_customer(core: Services, valid_from: date) -> tuple[int, list[str]]:
    async with core.database.session(write=True) as session:
        user = await create_user(session, "sim@example.com", PASSWORD, username="sim")
    async with UnitOfWork.begin(core.database, core.events) as work:
        points = await service.provision_customer(
            work, user.id, valid_from_ms=local_ms(valid_from), with_pv=True, seed=77
        )
    return user.id, [point.metering_point_id for point in points]


async def test_deliveries_fill_up_to_the_horizon_once(
    core: Services, face: httpx.AsyncClient
) -> None:
    user_id, points = await simulated_customer(core, date(2025, 5, 1))
    settings = CkwSettings()
    now = at(date(2025, 5, 10), 9, 0)
    written = await deliver(core.database, now, settings)
    slots = (local_ms(date(2025, 5, 10)) - local_ms(date(2025, 5, 1))) // 900_000
    assert slots * 2 * 0.98 < written <= slots * 2
    assert await deliver(core.database, now, settings) == 0  # nothing new
    meter = await repository.meter_of_user(core.database, user_id, points[0])
    assert meter is not None
    assert meter.delivered_until == local_ms(date(2025, 5, 10))

    tokens = await code_flow_tokens(face, core.database, "sim")
    days = await face.get(
        METER_DATA,
        params={
            "installation_id": f"41{user_id:07d}0",
            "start_timestamp": "2025-05-01",
            "end_timestamp": "2025-05-12",
            "resolution": "day",
        },
        headers=bearer(tokens["access_token"]),
    )
    assert days.status_code == 200, days.text
    values = days.json()["values"]
    # The 10th (today) and the 11th are not delivered yet.
    assert [value["start_timestamp"][:10] for value in values] == [
        f"2025-05-{day:02d}" for day in range(1, 10)
    ]
    assert all(value["consumption_kwh"] > 0 for value in values)
    assert all(value["production_kwh"] > 0 for value in values)

    # The next morning's delivery brings the 10th.
    await deliver(core.database, at(date(2025, 5, 11), 6, 30), settings)
    meter = await repository.meter_of_user(core.database, user_id, points[1])
    assert meter is not None
    assert meter.delivered_until == local_ms(date(2025, 5, 11))


async def test_the_server_delivers_in_the_background(core: Services) -> None:
    user_id, points = await simulated_customer(core, date(2025, 5, 8))
    clock = ManualClock(at(date(2025, 5, 10), 7, 0))
    delivery = MeterDelivery(core.database, CkwSettings(check_seconds=0.01), clock)
    task = asyncio.create_task(delivery.run())
    try:
        for _ in range(500):
            meter = await repository.meter_of_user(core.database, user_id, points[0])
            assert meter is not None
            if meter.delivered_until == local_ms(date(2025, 5, 10)):
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the background delivery never came")
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
