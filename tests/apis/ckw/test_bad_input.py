"""What each bad request gets: 400 naming the parameter, 401, 403, 404 (never a 500), in
CKW's error shape ``{"message", "detail"}``."""

from __future__ import annotations

import httpx
import pytest

from tests.apis.ckw.conftest import (
    CORE_DATA,
    METER_DATA,
    Customer,
    CustomerMaker,
    TokenMaker,
    bearer,
)


@pytest.fixture
async def customer(make_user: CustomerMaker) -> Customer:
    return await make_user()


@pytest.fixture
async def token(customer: Customer, token_for: TokenMaker) -> str:
    return await token_for(customer)


GOOD = {"start_timestamp": "2025-01-10", "end_timestamp": "2025-01-11"}


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({}, "metering_point_id"),
        ({"metering_point_id": "x" * 65}, "metering_point_id"),
        ({"metering_point_id": "CH 1"}, "metering_point_id"),
        ({"installation_id": "ä"}, "installation_id"),
        ({"installation_id": "4100", "metering_point_id": "CH1"}, "installation_id"),
        ({"resolution": "minute"}, "resolution"),
        ({"resolution": ""}, "resolution"),
        ({"start_timestamp": None}, "start_timestamp"),
        ({"end_timestamp": None}, "end_timestamp"),
        ({"start_timestamp": "yesterday"}, "start_timestamp"),
        ({"start_timestamp": "2025-02-30"}, "start_timestamp"),
        ({"start_timestamp": "2025-01-10T00:00:00"}, "start_timestamp"),  # no offset
        ({"start_timestamp": "2025-01-10T25:00:00+01:00"}, "start_timestamp"),
        ({"start_timestamp": "2025-01-10T00:00:00+25:00"}, "start_timestamp"),
        ({"start_timestamp": "1999-12-31"}, "start_timestamp"),
        ({"end_timestamp": "9999-12-31"}, "end_timestamp"),
        ({"end_timestamp": "2025-01-10"}, "end_timestamp"),  # start == end
        ({"end_timestamp": "2025-01-09"}, "end_timestamp"),  # end before start
        ({"end_timestamp": "2025-02-11"}, "end_timestamp"),  # 32 days at 15 minutes
        ({"end_timestamp": "2025-04-13", "resolution": "hour"}, "end_timestamp"),
        ({"end_timestamp": "2028-01-16", "resolution": "day"}, "end_timestamp"),
    ],
)
async def test_a_bad_parameter_is_named(
    face: httpx.AsyncClient,
    customer: Customer,
    token: str,
    params: dict[str, str | None],
    named: str,
) -> None:
    query = {"metering_point_id": customer.consumption, **GOOD, **params}
    if "installation_id" in params and "metering_point_id" not in params:
        del query["metering_point_id"]
    if not params:
        del query["metering_point_id"]
    response = await face.get(
        METER_DATA,
        params={name: value for name, value in query.items() if value is not None},
        headers=bearer(token),
    )
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["message"] == "Bad Request"
    assert named in body["detail"]
    # Refused calls are counted too, and say so.
    assert "x-ratelimit-remaining" in response.headers


@pytest.mark.parametrize(
    ("resolution", "end"),
    [
        ("15min", "2025-02-10"),
        ("hour", "2025-04-12"),
        ("day", "2028-01-15"),
        ("week", "2030-01-13"),
        ("month", "2035-02-06"),
        ("year", "2045-01-05"),
    ],
)
async def test_the_longest_range_of_each_resolution_is_accepted(
    face: httpx.AsyncClient, customer: Customer, token: str, resolution: str, end: str
) -> None:
    response = await face.get(
        METER_DATA,
        params={
            "metering_point_id": customer.consumption,
            "start_timestamp": "2025-01-10",
            "end_timestamp": end,
            "resolution": resolution,
        },
        headers=bearer(token),
    )
    assert response.status_code == 200, response.text


async def test_unknown_parameters_are_ignored(
    face: httpx.AsyncClient, customer: Customer, token: str
) -> None:
    response = await face.get(
        METER_DATA,
        params={"metering_point_id": customer.consumption, **GOOD, "format": "csv"},
        headers=bearer(token),
    )
    assert response.status_code == 200


async def test_another_users_metering_point_is_not_found(
    face: httpx.AsyncClient, make_user: CustomerMaker, customer: Customer, token: str
) -> None:
    other = await make_user(with_pv=True)
    for params in (
        {"metering_point_id": other.consumption},
        {"metering_point_id": "CH0000000000000000000000000000000"},
        {"installation_id": f"41{other.user_id:07d}0"},
    ):
        response = await face.get(METER_DATA, params={**params, **GOOD}, headers=bearer(token))
        assert response.status_code == 404, params
        assert response.json()["message"] == "Not Found"
        # The answer for another user's point is the answer for a point that does not exist.
        assert (
            other.consumption not in response.json()["detail"]
            or "among your" in response.json()["detail"]
        )


@pytest.mark.parametrize("path", [CORE_DATA, METER_DATA])
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Bearer a.b.c"},
        {"Authorization": "Basic !!!"},
        {"Authorization": "Basic " + "dXNlcjpwYXNz"},  # user:pass, no such client
        {"client_id": "nobody", "client_secret": "nothing"},
    ],
)
async def test_missing_or_bad_credentials_get_401(
    face: httpx.AsyncClient, path: str, headers: dict[str, str]
) -> None:
    response = await face.get(path, params=GOOD, headers=headers)
    assert response.status_code == 401, response.text
    assert response.json()["message"] == "Unauthorized"
    assert "www-authenticate" in response.headers


async def test_a_wrong_method_gets_405_in_the_vendor_shape(
    face: httpx.AsyncClient, token: str
) -> None:
    response = await face.post(CORE_DATA, headers=bearer(token))
    assert response.status_code == 405
    assert response.json()["message"] == "Method Not Allowed"
