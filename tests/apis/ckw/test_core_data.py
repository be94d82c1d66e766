"""``GET /api/v1/core-data`` and its alias: the customer, installations and metering points."""

from __future__ import annotations

import httpx
import pytest

from tests.apis.ckw.conftest import CORE_DATA, CustomerMaker, TokenMaker, bearer


@pytest.mark.parametrize("path", [CORE_DATA, "/ckw/api/v1/coredata"])
async def test_core_data_lists_the_installation_and_its_points(
    face: httpx.AsyncClient, make_user: CustomerMaker, token_for: TokenMaker, path: str
) -> None:
    customer = await make_user(with_pv=True)
    response = await face.get(path, headers=bearer(await token_for(customer)))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["customer_number"] == f"{customer.user_id:010d}"
    [installation] = body["installations"]
    assert installation["address"] == {
        "street": "Musterweg 1",
        "zip": "6003",
        "city": "Luzern",
        "country": "CH",
    }
    points = installation["metering_points"]
    assert [p["metering_point_id"] for p in points] == customer.points
    assert [p["energy_direction"] for p in points] == ["consumption", "production"]
    assert all(len(p["metering_point_id"]) == 33 for p in points)
    assert all(p["metering_point_id"].startswith("CH") for p in points)
    assert points[0]["unit"] == "kWh"
    assert points[0]["valid_from"] == "2024-01-01T00:00:00+01:00"
    assert points[0]["valid_to"] is None
    for header in ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"):
        assert header in response.headers


async def test_a_user_who_is_no_customer_gets_404(
    face: httpx.AsyncClient, make_user: CustomerMaker, token_for: TokenMaker, core: object
) -> None:
    from homecloud.core.users import create_user
    from tests.apis.ckw.conftest import PASSWORD, code_flow_tokens

    services = core
    async with services.database.session(write=True) as session:  # type: ignore[attr-defined]
        await create_user(session, "nobody@example.com", PASSWORD, username="nobody")
    tokens = await code_flow_tokens(face, services.database, "nobody")  # type: ignore[attr-defined]
    response = await face.get(CORE_DATA, headers=bearer(tokens["access_token"]))
    assert response.status_code == 404
    assert response.json()["message"] == "Not Found"


async def test_each_user_sees_only_their_own_core_data(
    face: httpx.AsyncClient, make_user: CustomerMaker, token_for: TokenMaker
) -> None:
    ann, bob = await make_user(), await make_user(with_pv=True)
    ann_view = (await face.get(CORE_DATA, headers=bearer(await token_for(ann)))).json()
    bob_view = (await face.get(CORE_DATA, headers=bearer(await token_for(bob)))).json()
    ann_points = {
        p["metering_point_id"] for i in ann_view["installations"] for p in i["metering_points"]
    }
    bob_points = {
        p["metering_point_id"] for i in bob_view["installations"] for p in i["metering_points"]
    }
    assert ann_points == set(ann.points)
    assert bob_points == set(bob.points)
    assert not ann_points & bob_points
