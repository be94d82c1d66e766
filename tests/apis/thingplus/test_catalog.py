"""Sites and the catalogue: gateway model 52, its device model and the 63 sensor types."""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError

from homecloud.apis.thingplus.catalog_data import read_sensor_type
from tests.apis.thingplus.conftest import Api, UserMaker

BASE = "/thingplus/v2"


async def test_the_catalogue_needs_no_token(face: httpx.AsyncClient) -> None:
    models = await face.get(BASE + "/gatewayModels")
    assert models.status_code == 200
    [model] = models.json()["data"]
    assert model["id"] == "52"
    types = await face.get(BASE + "/sensorTypes")
    assert types.status_code == 200
    data = types.json()["data"]
    assert len(data) == 63
    assert "_meta" not in types.json()
    ids = [entry["id"] for entry in data]
    assert ids[:3] == ["temperature", "humidity", "light"]
    assert {"location", "accelerometer", "ultraviolet-b", "methane"} <= set(ids)
    assert ids == [entry["type"] for entry in model["deviceModels"][0]["sensors"]]


async def test_sensor_types_by_id_and_filter(face: httpx.AsyncClient) -> None:
    one = await face.get(BASE + "/sensorTypes/location")
    assert one.json()["data"]["type"] == "object"
    assert (await face.get(BASE + "/sensorTypes/temperature")).json()["data"]["unit"] == "°C"
    filtered = await face.get(BASE + "/sensorTypes", params={"filter[id]": ["co2", "voc"]})
    body = filtered.json()
    assert [entry["id"] for entry in body["data"]] == ["co2", "voc"]
    assert body["_meta"] == {"count": 2, "page": 0, "total": 2}
    missing = await face.get(BASE + "/sensorTypes/teleport")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["code"] == "NOT_FOUND"


async def test_an_unknown_gateway_model_is_404(face: httpx.AsyncClient) -> None:
    response = await face.get(BASE + "/gatewayModels/53")
    assert response.status_code == 404
    body = response.json()
    assert body["statusCode"] == 404
    assert body["message"] == "Not Found"
    assert body["errors"][0]["category"] == "REQUEST_ERROR"


async def test_sites_one_own_site(make_user: UserMaker) -> None:
    alice = await make_user()
    bob = await make_user()
    listed = await alice.get("/sites")
    [site] = listed.json()["data"]
    assert site["id"] == str(alice.user_id)
    own = await alice.get(f"/sites/{alice.user_id}")
    assert own.json()["data"] == site
    other = await alice.get(f"/sites/{bob.user_id}")
    assert other.status_code == 403
    assert other.json()["errors"][0]["code"] == "ACCESSGROUP_DENY"
    missing = await alice.get("/sites/999999")
    assert missing.status_code == 404


async def test_sites_need_the_site_read_scope(make_user: UserMaker) -> None:
    api: Api = await make_user("gateway")
    response = await api.get("/sites")
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "ACL_DENY"


async def test_no_token_and_a_bad_token(face: httpx.AsyncClient) -> None:
    bare = await face.get(BASE + "/gateways")
    assert bare.status_code == 401
    assert bare.json() == "Access denied"
    bad = await face.get(BASE + "/gateways", headers={"Authorization": "Bearer not-a-jwt"})
    assert bad.status_code == 403
    assert bad.json() == {"name": "JsonWebTokenError", "message": "jwt malformed"}


@pytest.mark.parametrize(
    "row",
    [
        {"kind": "nubmer", "unit": ""},  # a kind that is not one
        {"kind": "number", "unit": "", "data_type": "spark"},
        {"kind": "number", "unit": "", "colour": "red"},  # a field that is not one
        {"kind": "number"},  # no unit
    ],
)
def test_a_sensor_types_row_that_is_not_one_is_refused(row: dict[str, object]) -> None:
    """sensor_types.toml is read through the same check: a typo fails at import, not later
    as a wrong answer."""
    with pytest.raises(ValidationError, match="SensorType"):
        read_sensor_type("x", row)
    assert read_sensor_type("x", {"kind": "number", "unit": "m", "model": "m1"}).model == "m1"
