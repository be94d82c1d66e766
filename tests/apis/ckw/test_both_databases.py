"""The data API on SQLite and on PostgreSQL: the same sums across the clock changes, the same
statuses, the same app-credential binding."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from homecloud.services import Services
from tests.apis.ckw.conftest import (
    CORE_DATA,
    METER_DATA,
    CustomerMaker,
    TokenMaker,
    bearer,
    local_ms,
)
from tests.apis.ckw.test_auth import app_token, backend_client


@pytest.fixture
def core(face_services: Services) -> Services:
    return face_services


async def test_a_year_across_both_clock_changes(
    face: httpx.AsyncClient, make_user: CustomerMaker, token_for: TokenMaker
) -> None:
    customer = await make_user()
    first = date(2025, 1, 1)
    count = (local_ms(date(2026, 1, 1)) - local_ms(first)) // 900_000
    values: list[float | None] = [round(0.1 + (index % 7) / 100, 3) for index in range(count)]
    values[5000] = None
    await customer.write(customer.consumption, local_ms(first), values, estimated=[9000])
    token = await token_for(customer)

    async def get(**params: str) -> list[dict[str, object]]:
        response = await face.get(
            METER_DATA,
            params={"metering_point_id": customer.consumption, **params},
            headers=bearer(token),
        )
        assert response.status_code == 200, response.text
        result: list[dict[str, object]] = response.json()["values"]
        return result

    days = await get(start_timestamp="2025-01-01", end_timestamp="2026-01-01", resolution="day")
    assert len(days) == 365
    spring = next(d for d in days if str(d["start_timestamp"]).startswith("2025-03-30"))
    autumn = next(d for d in days if str(d["start_timestamp"]).startswith("2025-10-26"))
    assert spring["end_timestamp"] == "2025-03-31T00:00:00+02:00"
    assert autumn["end_timestamp"] == "2025-10-27T00:00:00+01:00"
    statuses = [d["status"] for d in days]
    assert statuses.count("missing") == 1
    assert statuses.count("estimated") == 1
    [year] = await get(start_timestamp="2025-01-01", end_timestamp="2026-01-01", resolution="year")
    total = sum(v for v in values if v is not None)
    assert year["consumption_kwh"] == pytest.approx(total)
    assert sum(float(d["consumption_kwh"]) for d in days) == pytest.approx(total)  # type: ignore[arg-type]
    spring_quarters = await get(start_timestamp="2025-03-30", end_timestamp="2025-03-31")
    autumn_quarters = await get(start_timestamp="2025-10-26", end_timestamp="2025-10-27")
    assert (len(spring_quarters), len(autumn_quarters)) == (92, 100)


async def test_app_credentials_act_for_their_owner(
    face: httpx.AsyncClient, core: Services, make_user: CustomerMaker
) -> None:
    ann, bob = await make_user(), await make_user()
    token = await app_token(face, await backend_client(core, owner_id=ann.user_id))
    mine = await face.get(CORE_DATA, headers=bearer(token))
    assert mine.json()["customer_number"] == f"{ann.user_id:010d}"
    others = await face.get(
        METER_DATA,
        params={
            "metering_point_id": bob.consumption,
            "start_timestamp": "2025-01-01",
            "end_timestamp": "2025-01-02",
        },
        headers=bearer(token),
    )
    assert others.status_code == 404
