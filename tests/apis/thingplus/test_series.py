"""Sensor values: writes (typing by sensor type, atomicity, idempotence, the time window) and
reads (latest, raw, intervals, statistics)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from homecloud.core.models import now_ms
from tests.apis.thingplus.conftest import Api, UserMaker, add_sensor, register

HOUR = 3_600_000


def code_of(response: Any) -> str:
    return str(response.json()["errors"][0]["code"])


async def sensor_path(api: Api, sensor_type: str = "temperature", model: str = "") -> str:
    gateway_id = await register(api)
    fields = {}
    if sensor_type != "temperature":
        fields = {"type": sensor_type, "model": model, "name": sensor_type}
    sensor_id = await add_sensor(api, gateway_id, **fields)
    return f"/gateways/{gateway_id}/sensors/{sensor_id}/series"


async def raw(api: Api, path: str, start: int, **params: str) -> list[Any]:
    response = await api.get(path, dataStart=str(start), interval="0", **params)
    assert response.status_code == 200, response.text
    return list(response.json()["data"]["series"]["data"])


async def test_a_rejected_batch_stores_nothing(make_user: UserMaker) -> None:
    owner = await make_user()
    path = await sensor_path(owner)
    now = now_ms()
    good = [{"value": str(index), "time": now - 1000 + index} for index in range(5)]
    for bad, code in (
        ({"value": "warm", "time": now}, "INVALID_INPUT"),
        ({"value": "NaN", "time": now}, "INVALID_INPUT"),
        ({"value": 15, "time": now}, "SCHEMA_VALIDATE"),
        ({"value": "15", "time": str(now)}, "SCHEMA_VALIDATE"),
        ({"value": "15"}, "SCHEMA_VALIDATE"),
        ({"value": "15", "time": now, "unit": "C"}, "SCHEMA_VALIDATE"),
        ({"value": "15", "time": now - 31 * 86_400_000}, "INVALID_INPUT"),
        ({"value": "15", "time": now + 2 * 86_400_000}, "INVALID_INPUT"),
        ("15", "SCHEMA_VALIDATE"),
    ):
        response = await owner.put(path, [*good, bad, *good])
        assert response.status_code == 400, bad
        assert code_of(response) == code, bad
        assert response.json()["errors"][0]["message"]
    assert await raw(owner, path, now - 60_000) == []
    detail = (await owner.put(path, [*good, {"value": 15, "time": now}])).json()["errors"][0]
    assert detail["detail"] == {
        "keyword": "type",
        "dataPath": "[5].value",
        "params": {"type": "string"},
    }


@pytest.mark.parametrize(
    ("content", "code"),
    [(b"{not json", "JSON_PARSING"), (b"[]", "SCHEMA_VALIDATE"), (b"42", "SCHEMA_VALIDATE")],
)
async def test_malformed_bodies(make_user: UserMaker, content: bytes, code: str) -> None:
    owner = await make_user()
    path = await sensor_path(owner)
    response = await owner.http.put(
        "/thingplus/v2" + path,
        content=content,
        headers={**owner.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert code_of(response) == code


async def test_resending_a_batch_adds_nothing(make_user: UserMaker) -> None:
    owner = await make_user()
    path = await sensor_path(owner)
    now = now_ms()
    batch = [
        {"value": f"{20 + index / 10:.1f}", "time": now - 10_000 + index} for index in range(100)
    ]
    first = await owner.put(path, batch)
    assert first.status_code == 200
    again = await owner.put(path, batch)
    assert again.status_code == 200
    assert again.json()["data"]["seriesPack"] == batch
    stored = await raw(owner, path, now - 60_000)
    assert len(stored) == 200
    assert stored[:4] == ["20", now - 10_000, "20.1", now - 9_999]


async def test_the_pack_is_echoed_as_sent(make_user: UserMaker) -> None:
    owner = await make_user()
    path = await sensor_path(owner)
    now = now_ms()
    await owner.put(path, {"value": "1", "time": now - 10})
    sent = f'[\n  {{"time": {now - 5}, "value": "2.50"}},\n  {{"value": "3", "time": {now}}}\n]\n'
    response = await owner.http.put(
        "/thingplus/v2" + path,
        content=sent.encode(),
        headers={**owner.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 200
    leaf = response.json()["data"]
    assert leaf["seriesPack"] == [{"time": now - 5, "value": "2.50"}, {"value": "3", "time": now}]
    assert list(leaf)[:3] == ["type", "srcType", "seriesPack"]
    assert leaf["value"] == "3"


async def test_a_late_batch_is_stored_but_does_not_move_the_latest_value(
    make_user: UserMaker,
) -> None:
    owner = await make_user()
    path = await sensor_path(owner)
    now = now_ms()
    await owner.put(path, {"value": "30", "time": now})
    leaf = (await owner.put(path, [{"value": "10", "time": now - 5000}])).json()["data"]
    assert leaf["value"] == "30"
    assert leaf["time"] == str(now)
    single = (await owner.put(path, {"value": "31", "time": now + 1})).json()["data"]
    assert "seriesPack" not in single
    assert single["value"] == "31"
    assert await raw(owner, path, now - 60_000) == ["10", now - 5000, "30", now, "31", now + 1]
    latest = (await owner.get(path)).json()["data"]
    assert latest["series"]["value"] == "31"
    assert "data" not in latest["series"]


async def test_object_and_string_types(make_user: UserMaker) -> None:
    owner = await make_user()
    now = now_ms()
    location = await sensor_path(owner, "location", "openApiLocation")
    ok = await owner.put(
        location,
        [
            {"value": {"lat": 37.5, "lng": 127.0, "alt": 12}, "time": now - 2},
            {"value": {"latitude": 37.6, "longitude": 127.1}, "time": now - 1},
        ],
    )
    assert ok.status_code == 200, ok.text
    assert await raw(owner, location, now - 60_000) == [
        {"lat": 37.5, "lng": 127.0, "alt": 12},
        now - 2,
        {"lat": 37.6, "lng": 127.1},
        now - 1,
    ]
    for bad in ("37.5,127", {"lat": 37.5}, {"lat": "37.5", "lng": 1}, {"lat": 1, "lng": 2, "z": 3}):
        response = await owner.put(location, {"value": bad, "time": now})
        assert response.status_code == 400, bad
        assert code_of(response) == "SCHEMA_VALIDATE"
    accelerometer = await sensor_path(owner, "accelerometer", "openApiAccelerometer")
    assert (
        await owner.put(accelerometer, {"value": {"x": 0.1, "y": 0, "z": 9.8}, "time": now})
    ).status_code == 200
    assert (
        await owner.put(accelerometer, {"value": {"x": 0.1, "y": 0}, "time": now})
    ).status_code == 400
    text = await sensor_path(owner, "string", "openApiString")
    assert (await owner.put(text, {"value": "door opened", "time": now})).status_code == 200
    assert (await owner.put(text, {"value": {"a": 1}, "time": now + 1})).status_code == 400
    assert await raw(owner, text, now - 60_000) == ["door opened", now]


async def test_raw_reads_count_and_window(make_user: UserMaker) -> None:
    owner = await make_user()
    path = await sensor_path(owner)
    start = (now_ms() // HOUR - 2) * HOUR
    await owner.put(
        path, [{"value": str(index), "time": start + index * 60_000} for index in range(60)]
    )
    assert len(await raw(owner, path, start, count="10")) == 20
    window = await raw(owner, path, start + 60_000, dataEnd=str(start + 3 * 60_000))
    assert window == ["1", start + 60_000, "2", start + 120_000]
    # ISO 8601 with an offset, as the vendor's examples write it (+09:00).
    seoul = timezone(timedelta(hours=9))
    iso = datetime.fromtimestamp((start + 60_000) / 1000, seoul).isoformat()
    assert iso.endswith("+09:00")
    by_iso = await owner.get(path, dataStart=iso, interval="0")
    assert by_iso.json()["data"]["series"]["data"][:2] == ["1", start + 60_000]
    response = await owner.get(path, dataStart=str(start), interval="0", count="20000")
    assert response.status_code == 400
    body = (await owner.get(path, dataStart=str(start), interval="0", count="3")).json()
    assert body["_meta"]["count"] == 3
    assert body["_meta"]["interval"] == "0"
    assert body["_meta"]["dataStart"].endswith("Z")


async def test_interval_reads(make_user: UserMaker) -> None:
    owner = await make_user()
    path = await sensor_path(owner)
    start = (now_ms() // HOUR - 3) * HOUR
    # Two hours of one value a minute: 0..59 then 60..119.
    await owner.put(
        path, [{"value": str(index), "time": start + index * 60_000} for index in range(120)]
    )
    hourly = (await owner.get(path, dataStart=str(start), interval="1h")).json()
    assert hourly["data"]["series"]["data"] == [29.5, start, 89.5, start + HOUR]
    assert hourly["_meta"] == {
        "count": 2,
        "dataStart": hourly["_meta"]["dataStart"],
        "dataEnd": hourly["_meta"]["dataEnd"],
        "stat": "average",
        "interval": "1h",
    }
    sums = (await owner.get(path, dataStart=str(start), interval="1h", intervalFunc="sum")).json()
    assert sums["data"]["series"]["data"] == [
        sum(range(60)),
        start,
        sum(range(60, 120)),
        start + HOUR,
    ]
    counts = (
        await owner.get(path, dataStart=str(start), interval="15m", intervalFunc="count")
    ).json()
    assert counts["data"]["series"]["data"][:4] == [15, start, 15, start + 15 * 60_000]
    default = (await owner.get(path, dataStart=str(start), dataEnd=str(start + 120_000))).json()
    assert default["data"]["series"]["data"] == [0.0, start, 1.0, start + 60_000]
    for bad in ({"interval": "90s"}, {"interval": "1y"}, {"intervalFunc": "median"}):
        response = await owner.get(path, dataStart=str(start), **bad)
        assert response.status_code == 400, bad
    assert (await owner.get(path, dataStart="yesterday")).status_code == 400
    assert (await owner.get(path, dataStart=str(start), dataEnd=str(start))).status_code == 400


async def test_statistics(make_user: UserMaker) -> None:
    owner = await make_user()
    path = await sensor_path(owner)
    start = (now_ms() // HOUR - 4) * HOUR
    await owner.put(
        path, [{"value": str(index), "time": start + index * 60_000} for index in range(180)]
    )
    response = await owner.get(
        path,
        dataStart=str(start),
        dataEnd=str(start + 3 * HOUR),
        **{
            "statFunc[id]": "seriesStat",
            "statFunc[timeUnit]": "hour",
            "statFunc[subFunc]": [
                "avg",
                "min",
                "max",
                "count",
                "range",
                "diff",
                "first",
                "last",
                "sum",
            ],
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    first, second, third = body["data"]["series"]["data"]
    hour = datetime.fromtimestamp(start / 1000, UTC)
    assert first["_id"] == {
        "year": hour.year,
        "month": hour.month,
        "day": hour.day,
        "hour": hour.hour,
    }
    assert first["avg"] == 29.5
    assert first["min"] == 0
    assert first["max"] == 59
    assert first["count"] == 60
    assert first["range"] == 59
    assert first["diff"] == 59
    assert first["first"] == 0
    assert first["last"] == 59
    assert first["sum"] == sum(range(60))
    assert first["btime"] == {"start": start, "end": start + HOUR}
    assert third["min"] == 120
    assert second["max"] == 119
    assert body["_meta"]["gmt"] == "+0.00"
    assert body["_meta"]["timeUnit"] == "hour"
    assert body["_meta"]["count"] == 3
    merged = await owner.get(
        path,
        dataStart=str(start),
        dataEnd=str(start + 3 * HOUR),
        **{
            "statFunc[id]": "seriesStat",
            "statFunc[timeUnit]": "hour",
            "statFunc[timeInterval]": "2",
            "statFunc[subFunc]": "count,max",
        },
    )
    data = merged.json()["data"]["series"]["data"]
    assert [(entry["count"], entry["max"]) for entry in data] == [(120, 119), (60, 179)]
    days = await owner.get(path, dataStart=str(start), **{"statFunc[id]": "seriesStat"})
    assert sum(entry["avg"] is not None for entry in days.json()["data"]["series"]["data"]) >= 1
    for bad in (
        {"statFunc[id]": "other"},
        {"statFunc[id]": "seriesStat", "statFunc[timeUnit]": "minute"},
        {"statFunc[id]": "seriesStat", "statFunc[subFunc]": "median"},
        {"statFunc[id]": "seriesStat", "statFunc[timeInterval]": "5", "statFunc[timeUnit]": "hour"},
        {"statFunc[id]": "seriesStat", "statFunc[timeInterval]": "2"},
    ):
        assert (await owner.get(path, dataStart=str(start), **bad)).status_code == 400, bad


async def test_reading_a_sensor_without_values(make_user: UserMaker) -> None:
    owner = await make_user()
    path = await sensor_path(owner)
    latest = (await owner.get(path)).json()["data"]
    assert "series" not in latest
    ranged = (await owner.get(path, dataStart="0", interval="0")).json()
    assert ranged["data"]["series"] == {"type": "series", "data": []}
    assert ranged["_meta"]["count"] == 0


async def test_a_sensor_read_with_the_series_embedded_and_its_range(make_user: UserMaker) -> None:
    owner = await make_user()
    path = await sensor_path(owner)
    start = (now_ms() // HOUR - 2) * HOUR
    await owner.put(
        path, [{"value": str(index), "time": start + index * 60_000} for index in range(3)]
    )
    sensor = path.removesuffix("/series")
    response = await owner.get(
        sensor,
        embed="series",
        **{"series[dataStart]": str(start), "series[interval]": "0", "series[count]": "2"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"]["id"] == "temp-1"
    assert body["data"]["series"]["data"] == ["0", start, "1", start + 60_000]
    assert body["_meta"]["count"] == 2
    stats = await owner.get(
        sensor,
        embed=["series", "status"],
        **{
            "series[dataStart]": str(start),
            "series[statFunc][id]": "seriesStat",
            "series[statFunc][timeUnit]": "hour",
            "series[statFunc][subFunc]": "max",
        },
    )
    assert stats.json()["data"]["series"]["data"][0]["max"] == 2
    # Without embed=series the nested parameters do nothing.
    plain = (await owner.get(sensor, **{"series[dataStart]": str(start)})).json()
    assert plain["data"]["series"].startswith("series.sensor.")
    assert "_meta" not in plain


async def test_concurrent_uploads_leave_the_newest_value_latest(make_user: UserMaker) -> None:
    owner = await make_user()
    path = await sensor_path(owner)
    now = now_ms()
    batches = [
        [{"value": str(batch), "time": now - 100_000 + batch * 1000 + index} for index in range(50)]
        for batch in range(8)
    ]
    answers = await asyncio.gather(*(owner.put(path, batch) for batch in reversed(batches)))
    assert {answer.status_code for answer in answers} == {200}
    latest = (await owner.get(path)).json()["data"]["series"]
    assert latest["time"] == str(now - 100_000 + 7 * 1000 + 49)
    assert latest["value"] == "7"
    assert len(await raw(owner, path, now - 200_000, count="1000")) == 2 * 8 * 50


async def test_ranges_beyond_reason_are_refused(make_user: UserMaker) -> None:
    owner = await make_user()
    path = await sensor_path(owner)
    for params in (
        {"dataStart": "99999999999999999999"},
        {"dataStart": "0", "dataEnd": "99999999999999999999"},
        {"dataStart": "0001-01-01T00:00:00Z"},
        {"dataStart": "0", "interval": "999999w"},
        # Fifty years of hours is more buckets than one answer holds.
        {"dataStart": "0", "statFunc[id]": "seriesStat", "statFunc[timeUnit]": "hour"},
    ):
        response = await owner.get(path, **params)
        assert response.status_code == 400, params
        assert code_of(response) == "INVALID_INPUT", params
