"""``GET /api/v1/meter-data``: 15-minute values and their local-time sums, statuses,
daylight-saving days, half-open ranges, the delivery horizon and installations."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from tests.apis.ckw.conftest import (
    METER_DATA,
    QUARTER,
    Customer,
    CustomerMaker,
    TokenMaker,
    bearer,
    local_ms,
)


def quarter_hours(start: date, end: date) -> int:
    return (local_ms(end) - local_ms(start)) // QUARTER


def series_values(count: int, offset: int = 0) -> list[float | None]:
    """Distinct values with three decimals, as meters send them."""
    return [round(0.05 + ((index + offset) * 37 % 100) / 1000, 3) for index in range(count)]


class Reader:
    def __init__(self, face: httpx.AsyncClient, token: str) -> None:
        self.face = face
        self.token = token

    async def get(self, **params: str) -> httpx.Response:
        return await self.face.get(METER_DATA, params=params, headers=bearer(self.token))

    async def values(self, **params: str) -> list[dict[str, Any]]:
        response = await self.get(**params)
        assert response.status_code == 200, response.text
        values: list[dict[str, Any]] = response.json()["values"]
        return values


@pytest.fixture
async def customer(make_user: CustomerMaker) -> Customer:
    return await make_user(with_pv=True)


@pytest.fixture
async def reader(face: httpx.AsyncClient, customer: Customer, token_for: TokenMaker) -> Reader:
    return Reader(face, await token_for(customer))


async def test_a_day_of_quarter_hours(customer: Customer, reader: Reader) -> None:
    day = date(2025, 1, 10)
    written = series_values(96)
    await customer.write(customer.consumption, local_ms(day), written)
    response = await reader.get(
        metering_point_id=customer.consumption,
        start_timestamp="2025-01-10T00:00:00+01:00",
        end_timestamp="2025-01-11T00:00:00+01:00",
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["metering_point_id"] == customer.consumption
    assert body["resolution"] == "15min"
    assert body["unit"] == "kWh"
    assert body["timezone"] == "Europe/Zurich"
    assert body["start_timestamp"] == "2025-01-10T00:00:00+01:00"
    assert body["end_timestamp"] == "2025-01-11T00:00:00+01:00"
    values = body["values"]
    assert len(values) == 96
    assert values[0] == {
        "start_timestamp": "2025-01-10T00:00:00+01:00",
        "end_timestamp": "2025-01-10T00:15:00+01:00",
        "consumption_kwh": written[0],
        "production_kwh": None,
        "status": "measured",
    }
    assert [value["consumption_kwh"] for value in values] == written
    assert values[-1]["end_timestamp"] == "2025-01-11T00:00:00+01:00"


@pytest.mark.parametrize(
    ("day", "quarters", "hours"),
    [(date(2025, 3, 30), 92, 23), (date(2025, 10, 26), 100, 25), (date(2025, 6, 1), 96, 24)],
)
async def test_daylight_saving_days(
    customer: Customer, reader: Reader, day: date, quarters: int, hours: int
) -> None:
    assert quarter_hours(day, day + timedelta(days=1)) == quarters
    written = series_values(quarters)
    await customer.write(customer.consumption, local_ms(day), written)
    span = {
        "metering_point_id": customer.consumption,
        "start_timestamp": day.isoformat(),
        "end_timestamp": (day + timedelta(days=1)).isoformat(),
    }
    fifteen = await reader.values(**span)
    assert len(fifteen) == quarters
    assert len({value["start_timestamp"] for value in fifteen}) == quarters
    hourly = await reader.values(**span, resolution="hour")
    assert len(hourly) == hours
    [daily] = await reader.values(**span, resolution="day")
    assert daily["consumption_kwh"] == pytest.approx(sum(v for v in written if v is not None))
    assert daily["status"] == "measured"
    assert sum(h["consumption_kwh"] for h in hourly) == pytest.approx(daily["consumption_kwh"])
    if quarters == 100:
        # The repeated hour shows twice, told apart by its offset.
        repeated = [h["start_timestamp"] for h in hourly if "T02:00:00" in h["start_timestamp"]]
        assert repeated == [f"{day}T02:00:00+02:00", f"{day}T02:00:00+01:00"]
    if quarters == 92:
        assert not any("T02:" in h["start_timestamp"] for h in hourly)


@pytest.mark.parametrize("resolution", ["hour", "day", "week", "month"])
async def test_every_aggregate_is_the_sum_of_its_quarter_hours(
    customer: Customer, reader: Reader, resolution: str
) -> None:
    # March 2025: a month with the spring clock change, a partial first week.
    first, last = date(2025, 3, 1), date(2025, 4, 1)
    written = series_values(quarter_hours(first, last), offset=3)
    await customer.write(customer.consumption, local_ms(first), written)
    span = {
        "metering_point_id": customer.consumption,
        "start_timestamp": "2025-03-01",
        "end_timestamp": "2025-04-01",
    }
    fifteen = await reader.values(**span)
    assert len(fifteen) == len(written)
    buckets = await reader.values(**span, resolution=resolution)
    assert buckets
    for bucket in buckets:
        inside = [
            value["consumption_kwh"]
            for value in fifteen
            if bucket["start_timestamp"] <= value["start_timestamp"] < bucket["end_timestamp"]
            or _within(value, bucket)
        ]
        assert bucket["consumption_kwh"] == pytest.approx(sum(inside)), bucket
    assert sum(b["consumption_kwh"] for b in buckets) == pytest.approx(sum(written))  # type: ignore[arg-type]


def _within(value: dict[str, Any], bucket: dict[str, Any]) -> bool:
    from datetime import datetime

    start = datetime.fromisoformat(value["start_timestamp"])
    return (
        datetime.fromisoformat(bucket["start_timestamp"])
        <= start
        < datetime.fromisoformat(bucket["end_timestamp"])
    )


async def test_a_year_is_the_sum_of_its_days(customer: Customer, reader: Reader) -> None:
    first, last = date(2024, 1, 1), date(2025, 1, 1)
    written = series_values(quarter_hours(first, last))
    await customer.write(customer.consumption, local_ms(first), written)
    span = {
        "metering_point_id": customer.consumption,
        "start_timestamp": "2024-01-01T00:00:00+01:00",
        "end_timestamp": "2025-01-01T00:00:00+01:00",
    }
    days = await reader.values(**span, resolution="day")
    assert len(days) == 366
    assert {day["status"] for day in days} == {"measured"}
    [year] = await reader.values(**span, resolution="year")
    assert year["start_timestamp"] == "2024-01-01T00:00:00+01:00"
    assert year["end_timestamp"] == "2025-01-01T00:00:00+01:00"
    assert year["consumption_kwh"] == pytest.approx(sum(d["consumption_kwh"] for d in days))
    months = await reader.values(**span, resolution="month")
    assert len(months) == 12
    assert sum(m["consumption_kwh"] for m in months) == pytest.approx(year["consumption_kwh"])


async def test_statuses_of_values_and_of_their_sums(customer: Customer, reader: Reader) -> None:
    day = date(2025, 2, 3)
    written = series_values(96 * 3)
    written[100] = None  # a quarter-hour of the second day is missing
    await customer.write(
        customer.consumption,
        local_ms(day),
        written,
        estimated=[200, 201],  # third day
    )
    span = {
        "metering_point_id": customer.consumption,
        "start_timestamp": day.isoformat(),
        "end_timestamp": (day + timedelta(days=3)).isoformat(),
    }
    fifteen = await reader.values(**span)
    assert fifteen[100]["status"] == "missing"
    assert fifteen[100]["consumption_kwh"] is None
    assert fifteen[200]["status"] == fifteen[201]["status"] == "estimated"
    assert fifteen[200]["consumption_kwh"] == written[200]
    assert fifteen[0]["status"] == "measured"
    days = await reader.values(**span, resolution="day")
    assert [d["status"] for d in days] == ["measured", "missing", "estimated"]
    # A day with a gap sums what is there.
    assert days[1]["consumption_kwh"] == pytest.approx(
        sum(v for v in written[96:192] if v is not None)
    )


async def test_nothing_is_reported_past_the_last_delivery(
    customer: Customer, reader: Reader
) -> None:
    day = date(2025, 5, 10)
    # Delivered up to the end of the 10th; the 11th is "today", not yet sent.
    await customer.write(customer.consumption, local_ms(day), series_values(96))
    span = {
        "metering_point_id": customer.consumption,
        "start_timestamp": "2025-05-10",
        "end_timestamp": "2025-05-12",
    }
    assert len(await reader.values(**span)) == 96
    assert len(await reader.values(**span, resolution="day")) == 1
    # The month so far: one bucket, complete as far as delivered.
    [month] = await reader.values(
        metering_point_id=customer.consumption,
        start_timestamp="2025-05-01",
        end_timestamp="2025-06-01",
        resolution="month",
    )
    # Delivered from 2024-01-01 (validity) on, but only the 10th has values: missing.
    assert month["status"] == "missing"
    assert month["consumption_kwh"] == pytest.approx(sum(series_values(96)))  # type: ignore[arg-type]


async def test_nothing_before_the_meter_was_valid(
    make_user: CustomerMaker, face: httpx.AsyncClient, token_for: TokenMaker
) -> None:
    customer = await make_user(valid_from=date(2025, 5, 10))
    reader = Reader(face, await token_for(customer))
    await customer.write(customer.consumption, local_ms(date(2025, 5, 10)), series_values(96))
    days = await reader.values(
        metering_point_id=customer.consumption,
        start_timestamp="2025-05-01",
        end_timestamp="2025-05-12",
        resolution="day",
    )
    assert [d["start_timestamp"] for d in days] == ["2025-05-10T00:00:00+02:00"]
    assert days[0]["status"] == "measured"


async def test_a_meter_without_deliveries_reports_nothing(
    customer: Customer, reader: Reader
) -> None:
    body = (
        await reader.get(
            metering_point_id=customer.consumption,
            start_timestamp="2025-01-01",
            end_timestamp="2025-01-02",
        )
    ).json()
    assert body["values"] == []


async def test_ranges_are_half_open_and_widened_to_whole_buckets(
    customer: Customer, reader: Reader
) -> None:
    day = date(2025, 1, 10)
    await customer.write(customer.consumption, local_ms(day), series_values(96))
    hour = await reader.values(
        metering_point_id=customer.consumption,
        start_timestamp="2025-01-10T10:00:00+01:00",
        end_timestamp="2025-01-10T11:00:00+01:00",
    )
    assert [v["start_timestamp"][11:16] for v in hour] == ["10:00", "10:15", "10:30", "10:45"]
    assert hour[-1]["end_timestamp"] == "2025-01-10T11:00:00+01:00"
    widened = await reader.get(
        metering_point_id=customer.consumption,
        start_timestamp="2025-01-10T10:07:00+01:00",
        end_timestamp="2025-01-10T10:16:00+01:00",
    )
    body = widened.json()
    assert body["start_timestamp"] == "2025-01-10T10:00:00+01:00"
    assert body["end_timestamp"] == "2025-01-10T10:30:00+01:00"
    assert len(body["values"]) == 2


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2025-01-10", "2025-01-11"),
        ("2025-01-10T00:00:00+01:00", "2025-01-11T00:00:00+01:00"),
        ("2025-01-09T23:00:00Z", "2025-01-10T23:00:00Z"),
        ("2025-01-09T23:00Z", "2025-01-10T23:00:00.000Z"),
        ("2025-01-10T00:00:00+0100", "2025-01-11T00:00:00+0100"),
    ],
)
async def test_dates_and_instants_name_the_same_range(
    customer: Customer, reader: Reader, start: str, end: str
) -> None:
    await customer.write(customer.consumption, local_ms(date(2025, 1, 10)), series_values(96))
    body = (
        await reader.get(
            metering_point_id=customer.consumption, start_timestamp=start, end_timestamp=end
        )
    ).json()
    assert body["start_timestamp"] == "2025-01-10T00:00:00+01:00"
    assert body["end_timestamp"] == "2025-01-11T00:00:00+01:00"
    assert len(body["values"]) == 96


async def test_the_alias_path_answers_the_same(
    customer: Customer, reader: Reader, face: httpx.AsyncClient
) -> None:
    await customer.write(customer.consumption, local_ms(date(2025, 1, 10)), series_values(96))
    params = {
        "metering_point_id": customer.consumption,
        "start_timestamp": "2025-01-10",
        "end_timestamp": "2025-01-11",
        "resolution": "hour",
    }
    main = await face.get(METER_DATA, params=params, headers=bearer(reader.token))
    alias = await face.get("/ckw/api/v1/meterdata", params=params, headers=bearer(reader.token))
    assert alias.status_code == 200
    assert alias.json() == main.json()


async def test_an_installation_combines_consumption_and_production(
    customer: Customer, reader: Reader
) -> None:
    day = date(2025, 6, 1)
    used, produced = series_values(96), series_values(96, offset=50)
    await customer.write(customer.points[0], local_ms(day), used)
    await customer.write(customer.points[1], local_ms(day), produced, estimated=[40])
    installation = f"41{customer.user_id:07d}0"
    values = await reader.values(
        installation_id=installation,
        start_timestamp="2025-06-01",
        end_timestamp="2025-06-02",
        resolution="hour",
    )
    assert len(values) == 24
    assert values[0]["consumption_kwh"] == pytest.approx(sum(used[:4]))  # type: ignore[arg-type]
    assert values[0]["production_kwh"] == pytest.approx(sum(produced[:4]))  # type: ignore[arg-type]
    assert values[10]["status"] == "estimated"  # 40 // 4: the production's estimate
    assert values[0]["status"] == "measured"
    body = (
        await reader.get(
            installation_id=installation, start_timestamp="2025-06-01", end_timestamp="2025-06-02"
        )
    ).json()
    assert body["installation_id"] == installation
    assert "metering_point_id" not in body
