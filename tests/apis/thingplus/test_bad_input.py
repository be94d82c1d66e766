"""Bad input on the Thing+ face (issue 10's audit): numbers that str.isdigit() takes but
int() refuses or reads leniently, huge pages, lenient numeric values, 405 answers."""

from __future__ import annotations

import pytest

from homecloud.core.models import now_ms
from tests.apis.thingplus.conftest import UserMaker, register
from tests.apis.thingplus.test_series import code_of, raw, sensor_path

NOT_ASCII_NUMBERS = ["²", "\u0661\u0662", "1_000", " 12 ", "+1"]


@pytest.mark.parametrize("site_id", ["²", "\u0661", "99999999999999999999"])
async def test_site_ids_that_are_not_ascii_numbers_are_not_found(
    make_user: UserMaker, site_id: str
) -> None:
    owner = await make_user()
    response = await owner.get(f"/sites/{site_id}")
    assert response.status_code == 404, response.text
    assert code_of(response) == "NOT_FOUND"
    registered = await owner.post(
        "/registerGateway",
        {"reqId": "0" * 32, "params": {"model": "52", "name": "G", "siteId": site_id}},
    )
    assert registered.status_code == 404, registered.text


@pytest.mark.parametrize("name", ["count", "page"])
@pytest.mark.parametrize("value", [*NOT_ASCII_NUMBERS, "99999999999999999999"])
async def test_collection_numbers_are_ascii_and_bounded(
    make_user: UserMaker, name: str, value: str
) -> None:
    owner = await make_user()
    response = await owner.get("/gateways", **{name: value})
    assert response.status_code == 400, response.text
    assert code_of(response) == "SCHEMA_VALIDATE"


async def test_a_huge_page_is_refused_with_its_bound(make_user: UserMaker) -> None:
    owner = await make_user()
    response = await owner.get("/gateways", page="99999999999999999999")
    detail = response.json()["errors"][0]["detail"]
    assert detail == {
        "keyword": "maximum",
        "dataPath": ".page",
        "params": {"comparison": "<=", "limit": 2**63 - 1},
    }


@pytest.mark.parametrize(
    "params",
    [
        {"dataStart": "²"},
        {"dataStart": "0", "dataEnd": "\u0661\u0662"},
        {"dataStart": "0", "interval": "0", "count": "²"},
        {
            "dataStart": "0",
            "statFunc[id]": "seriesStat",
            "statFunc[timeUnit]": "hour",
            "statFunc[timeInterval]": "²",
        },
    ],
)
async def test_series_numbers_are_ascii(make_user: UserMaker, params: dict[str, str]) -> None:
    owner = await make_user()
    path = await sensor_path(owner)
    response = await owner.get(path, **params)
    assert response.status_code == 400, response.text
    assert code_of(response) in ("SCHEMA_VALIDATE", "INVALID_INPUT")


@pytest.mark.parametrize("interval", ["²0000", "\u0666\u0660\u0660\u0660\u0660", " 60000"])
async def test_report_intervals_are_ascii_numbers(make_user: UserMaker, interval: str) -> None:
    owner = await make_user()
    gateway_id = await register(owner)
    response = await owner.put(f"/gateways/{gateway_id}", {"reportInterval": interval})
    assert response.status_code == 400, response.text
    assert code_of(response) == "SCHEMA_VALIDATE"


async def test_a_gateway_named_like_a_number_does_not_break_ordering(make_user: UserMaker) -> None:
    owner = await make_user()
    for name in ("²", "10", "\u0661", "-"):
        gateway_id = await register(owner)
        renamed = await owner.put(f"/gateways/{gateway_id}", {"name": name})
        assert renamed.status_code == 200, renamed.text
    for _ in range(2):  # and on every later call
        response = await owner.get("/gateways", orderBy="name")
        assert response.status_code == 200, response.text
        assert [gateway["name"] for gateway in response.json()["data"]] == [
            "10",
            "-",
            "²",
            "\u0661",
        ]


@pytest.mark.parametrize("value", ["1_000", " 12 ", "\u0661\u0662", "12 ", "inf", "1e999"])
async def test_numeric_values_are_plain_decimals(make_user: UserMaker, value: str) -> None:
    owner = await make_user()
    path = await sensor_path(owner)
    now = now_ms()
    response = await owner.put(
        path, [{"value": "20", "time": now - 1}, {"value": value, "time": now}]
    )
    assert response.status_code == 400, response.text
    assert code_of(response) == "INVALID_INPUT"
    assert await raw(owner, path, now - 60_000) == []


async def test_405_names_every_method_of_the_path(make_user: UserMaker) -> None:
    owner = await make_user()
    gateway_id = await register(owner)
    response = await owner.post(f"/gateways/{gateway_id}", {})
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET, PUT"
    listing = await owner.http.patch("/thingplus/v2/gateways", headers=owner.headers)
    assert listing.headers["allow"] == "GET"


@pytest.mark.parametrize(
    "params",
    [
        {"embed": "sensors", "sensors[embed]": "series"},
        {"embed": "sensors", "sensors[series][dataStart]": "0"},
        {"embed": "devices", "devices[fields]": "name"},
    ],
)
async def test_options_nested_where_they_are_not_read_are_refused(
    make_user: UserMaker, params: dict[str, str]
) -> None:
    owner = await make_user()
    gateway_id = await register(owner)
    for path in (f"/gateways/{gateway_id}", "/gateways"):
        response = await owner.get(path, **params)
        assert response.status_code == 400, (path, response.text)
        detail = response.json()["errors"][0]["detail"]
        assert detail["keyword"] == "additionalProperties"
        assert detail["params"]["additionalProperty"] in params


async def test_series_options_nested_under_a_sensor_are_read(make_user: UserMaker) -> None:
    owner = await make_user()
    path = await sensor_path(owner)
    sensor = path.removesuffix("/series")
    response = await owner.get(sensor, embed="series", **{"series[dataStart]": "0"})
    assert response.status_code == 200, response.text
    assert isinstance(response.json()["data"]["series"], dict)


async def test_deeply_nested_bodies_are_400(make_user: UserMaker) -> None:
    owner = await make_user()
    gateway_id = await register(owner)
    body = '{"name": ' + "[" * 1000 + "]" * 1000 + "}"
    response = await owner.http.put(
        f"/thingplus/v2/gateways/{gateway_id}",
        headers={**owner.headers, "Content-Type": "application/json"},
        content=body,
    )
    assert response.status_code == 400, response.text[:200]
    assert code_of(response) == "JSON_PARSING"
    assert "nests deeper than 64 levels" in response.json()["errors"][0]["message"]
