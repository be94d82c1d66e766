"""GET /v1/controllers and /v1/controllers/{serial_number}: HAL as the seed shows it, every
query option alone and combined, ETag/304, renaming, the sensor history, and who sees what."""

from __future__ import annotations

import httpx

from homecloud.core.parsing import MAX_ID
from tests.apis.mclimate.conftest import API, Login, assert_problem


async def test_the_collection_is_hal_with_the_vendors_quirks(login: Login) -> None:
    api = await login("melissa", "bobbie", "smart_plug", "vicki")
    answer = await api.get("/controllers")
    assert answer.status_code == 200
    body = answer.json()
    assert body["total"] == 4
    assert body["_links"] == {
        "self": {"href": "/v1/controllers"},
        "first": {"href": "/v1/controllers?page=1"},
        "last": {"href": "/v1/controllers?page=1"},
    }
    items = body["_embedded"]["controller"]
    assert [item["type"] for item in items] == ["melissa", "bobbie", "smart_plug", "vicki"]
    for item in items:
        # The vendor's quirk: every embedded controller links to the collection.
        assert item["_links"] == {"self": {"href": "/v1/controllers"}}
        assert item["user_id"] == api.user.id
        assert isinstance(item["id"], int)
        assert len(item["created"]) == 19
        assert item["created"][10] == " "
        assert item["online"] is True
    melissa, bobbie, plug, vicki = items
    assert melissa["name"] == f"Melissa {melissa['serial_number']}"
    assert melissa["firmware_version"] == "V1SHTHF"
    assert len(melissa["mac"]) == 12
    assert isinstance(melissa["brand_id"], int)
    log = melissa["controller_log"]
    assert set(log) == {"temp", "raw_temperature", "humidity", "raw_humidity", "created"}
    assert log["created"].endswith("Z")
    assert set(bobbie["controller_log"]) >= {"cold", "hot", "home", "energy", "relay_state"}
    assert "assigned_at" in bobbie
    assert "brand_id" not in bobbie
    assert plug["relay_state"] is True
    assert len(vicki["mac"]) == 16
    assert "relay_state" not in melissa
    assert "relay_state" not in vicki


async def test_an_empty_collection_still_has_its_embedded_list(login: Login) -> None:
    api = await login()
    body = (await api.get("/controllers")).json()
    assert body["_embedded"] == {"controller": []}
    assert body["total"] == 0
    assert body["_links"]["last"] == {"href": "/v1/controllers?page=1"}


async def test_thirty_per_page_with_prev_and_next(login: Login) -> None:
    api = await login(*["smart_plug"] * 65)
    first = (await api.get("/controllers")).json()
    assert len(first["_embedded"]["controller"]) == 30
    assert first["total"] == 65
    assert first["_links"]["last"] == {"href": "/v1/controllers?page=3"}
    assert first["_links"]["next"] == {"href": "/v1/controllers?page=2"}
    assert "prev" not in first["_links"]
    second = (await api.get("/controllers", page=2)).json()
    assert second["_links"]["self"] == {"href": "/v1/controllers?page=2"}
    assert second["_links"]["prev"] == {"href": "/v1/controllers?page=1"}
    assert second["_links"]["next"] == {"href": "/v1/controllers?page=3"}
    third = (await api.get("/controllers", page=3)).json()
    assert len(third["_embedded"]["controller"]) == 5
    assert "next" not in third["_links"]
    serials = [
        item["serial_number"]
        for page in (first, second, third)
        for item in page["_embedded"]["controller"]
    ]
    assert serials == api.user.serials["smart_plug"]
    beyond = (await api.get("/controllers", page=9)).json()
    assert beyond["_embedded"]["controller"] == []
    assert beyond["total"] == 65


async def test_type_filter_and_every_field_filter(login: Login) -> None:
    api = await login("melissa", "melissa", "bobbie", "vicki")
    melissas = (await api.get("/controllers", type="melissa")).json()
    assert [item["type"] for item in melissas["_embedded"]["controller"]] == ["melissa"] * 2
    assert melissas["total"] == 2
    assert melissas["_links"]["first"] == {"href": "/v1/controllers?type=melissa&page=1"}
    serial = api.user.serials["bobbie"][0]
    one = (await api.get("/controllers", serial_number=serial)).json()
    assert [item["serial_number"] for item in one["_embedded"]["controller"]] == [serial]
    assert (await api.get("/controllers", online="true")).json()["total"] == 4
    assert (await api.get("/controllers", online="0")).json()["total"] == 0
    assert (await api.get("/controllers", room_id="null")).json()["total"] == 4
    assert (await api.get("/controllers", brand_id="null")).json()["total"] == 2
    identifier = one["_embedded"]["controller"][0]["id"]
    by_id = (await api.get("/controllers", id=str(identifier))).json()
    assert by_id["total"] == 1
    created = one["_embedded"]["controller"][0]["created"]
    assert (await api.get("/controllers", created=created)).json()["total"] >= 1


async def test_fields_sort_and_limit_alone_and_combined(login: Login) -> None:
    api = await login("melissa", "bobbie", "smart_plug", "vicki", "melissa")
    chosen = (await api.get("/controllers", fields="serial_number,type")).json()
    for item in chosen["_embedded"]["controller"]:
        assert set(item) == {"serial_number", "type", "_links"}
    by_name = (await api.get("/controllers", sort="-name")).json()
    names = [item["name"] for item in by_name["_embedded"]["controller"]]
    assert names == sorted(names, reverse=True)
    by_type = (await api.get("/controllers", sort="type,-id")).json()
    pairs = [(item["type"], item["id"]) for item in by_type["_embedded"]["controller"]]
    assert pairs == sorted(pairs, key=lambda pair: (pair[0], -pair[1]))
    limited = (await api.get("/controllers", limit="2")).json()
    assert len(limited["_embedded"]["controller"]) == 2
    assert limited["total"] == 5
    assert limited["_links"]["last"] == {"href": "/v1/controllers?limit=2&page=3"}
    combined = (
        await api.get(
            "/controllers", type="melissa", sort="-created", limit="1", page="2", fields="id,type"
        )
    ).json()
    assert combined["total"] == 2
    [only] = combined["_embedded"]["controller"]
    assert set(only) == {"id", "type", "_links"}
    assert only["type"] == "melissa"
    ids = [
        item["id"]
        for item in (await api.get("/controllers", type="melissa")).json()["_embedded"][
            "controller"
        ]
    ]
    assert only["id"] == min(ids)  # -created, then id: the older of the two comes second
    assert combined["_links"]["self"]["href"].startswith("/v1/controllers?type=melissa")


async def test_a_field_the_resource_lacks_is_an_error(login: Login) -> None:
    api = await login("melissa")
    assert_problem(await api.get("/controllers", foo="bar"), 400, '"foo"')
    assert_problem(await api.get("/controllers", fields="serial_number,foo"), 400, '"foo"')
    assert_problem(await api.get("/controllers", sort="-foo"), 400, '"foo"')
    assert_problem(await api.get("/controllers", sort="controller_log"), 400)
    assert_problem(await api.get("/controllers", controller_log="x"), 400)
    assert_problem(await api.get("/controllers", fields=""), 400)
    assert_problem(await api.get("/controllers", sort=","), 400)


async def test_bad_option_values_are_400(login: Login) -> None:
    api = await login("melissa")
    for options in (
        {"page": "0"},
        {"page": "x"},
        {"page": "1" * 30},
        {"limit": "31"},
        {"limit": "0"},
        {"id": "abc"},
        {"id": str(MAX_ID + 1)},
        {"online": "maybe"},
        {"created": "yesterday"},
    ):
        assert_problem(await api.get("/controllers", **options), 400)


async def test_the_entity_carries_exactly_the_last_ac_command(login: Login) -> None:
    api = await login("melissa", "vicki")
    serial = api.user.serial()
    answer = await api.get(f"/controllers/{serial}")
    assert answer.status_code == 200
    body = answer.json()
    assert body["_links"] == {"self": {"href": f"/v1/controllers/{serial}"}}
    controller = body["controller"]
    assert controller["serial_number"] == serial
    assert controller["deleted_at"] is None
    assert controller["_relation"]["command_log"] == {"state": 0, "mode": 2, "temp": 20, "fan": 2}
    vicki = (await api.get(f"/controllers/{api.user.serial('vicki')}")).json()["controller"]
    assert vicki["_relation"]["command_log"] == {
        "state": None,
        "mode": None,
        "temp": None,
        "fan": None,
    }
    picked = (await api.get(f"/controllers/{serial}", fields="serial_number,mac,name")).json()
    assert set(picked["controller"]) == {"serial_number", "mac", "name"}
    assert_problem(await api.get(f"/controllers/{serial}", fields="foo"), 400, '"foo"')
    assert_problem(await api.get(f"/controllers/{serial}", foo="1"), 400, '"foo"')
    assert_problem(await api.get(f"/controllers/{serial}", page="1"), 400)


async def test_unknown_and_other_users_serials_are_404(login: Login) -> None:
    mine, theirs = await login("melissa"), await login("melissa", "bobbie")
    other = theirs.user.serial()
    assert_problem(await mine.get(f"/controllers/{other}"), 404, "Controller not found")
    assert_problem(await mine.get("/controllers/NOPE"), 404)
    assert (await mine.get("/controllers", serial_number=other)).json()["total"] == 0
    assert_problem(await mine.post("/provider/fetch", {"serial_number": other}), 404)
    assert_problem(await mine.send(other, "send_ir_code", state=1), 404)
    assert_problem(await mine.patch(f"/controllers/{other}", {"name": "mine now"}), 404)
    assert_problem(await mine.get(f"/controllers/{other}/logs"), 404)
    assert_problem(await mine.get(f"/schedules/{other}"), 404)
    # And the other user's view is untouched.
    theirs_list = (await theirs.get("/controllers")).json()
    assert theirs_list["total"] == 2
    assert theirs_list["_embedded"]["controller"][0]["name"] == f"Melissa {other}"


async def test_without_a_valid_token_everything_is_401(
    face: httpx.AsyncClient, login: Login
) -> None:
    api = await login("melissa")
    for headers in ({}, {"Authorization": "Bearer " + "0" * 40}, {"Authorization": "Basic x"}):
        assert_problem(await face.get(API + "/controllers", headers=headers), 401)
        assert_problem(
            await face.post(
                API + "/provider/fetch", json={"serial_number": api.user.serial()}, headers=headers
            ),
            401,
        )
    assert_problem(await face.get(API + "/users/me"), 401)


async def test_etag_and_if_none_match(login: Login) -> None:
    api = await login("melissa", "bobbie")
    first = await api.get("/controllers")
    etag = first.headers["etag"]
    assert etag.startswith('"')
    assert etag.endswith('"')
    again = await api.get("/controllers", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert (
        await api.get("/controllers", headers={"If-None-Match": "W/" + etag})
    ).status_code == 304
    assert (await api.get("/controllers", headers={"If-None-Match": '"other"'})).status_code == 200
    serial = api.user.serial()
    entity = await api.get(f"/controllers/{serial}")
    assert (
        await api.get(f"/controllers/{serial}", headers={"If-None-Match": entity.headers["etag"]})
    ).status_code == 304
    # A change makes a new tag.
    assert (await api.patch(f"/controllers/{serial}", {"name": "Living room"})).status_code == 200
    changed = await api.get(
        f"/controllers/{serial}", headers={"If-None-Match": entity.headers["etag"]}
    )
    assert changed.status_code == 200
    assert changed.headers["etag"] != entity.headers["etag"]
    me = await api.get("/users/me")
    assert (
        await api.get("/users/me", headers={"If-None-Match": me.headers["etag"]})
    ).status_code == 304


async def test_renaming_and_rooms(login: Login) -> None:
    api = await login("melissa")
    serial = api.user.serial()
    renamed = await api.patch(f"/controllers/{serial}", {"name": "Bedroom AC", "extra": 1})
    assert renamed.status_code == 200
    assert renamed.json()["controller"]["name"] == "Bedroom AC"
    assert renamed.json()["controller"]["_relation"]["command_log"]["temp"] == 20
    roomed = await api.patch(f"/controllers/{serial}", {"room_id": "7"})
    assert roomed.json()["controller"]["room_id"] == 7
    listed = (await api.get("/controllers", room_id="7")).json()["_embedded"]["controller"]
    assert [item["name"] for item in listed] == ["Bedroom AC"]
    assert (await api.patch(f"/controllers/{serial}", {"room_id": None})).json()["controller"][
        "room_id"
    ] is None
    assert_problem(await api.patch(f"/controllers/{serial}", {}), 400, "Nothing to change")
    assert_problem(await api.patch(f"/controllers/{serial}", {"name": {"x": 1}}), 400, "name")
    assert_problem(await api.patch(f"/controllers/{serial}", {"name": "  "}), 422, "name")
    assert_problem(await api.patch(f"/controllers/{serial}", {"name": "x" * 201}), 422, "name")
    assert_problem(await api.patch(f"/controllers/{serial}", {"room_id": 0}), 422, "room_id")
    assert_problem(await api.patch(f"/controllers/{serial}", [1]), 400)
    answer = await api.http.patch(
        API + f"/controllers/{serial}", headers=api.headers, content=b"{name"
    )
    assert_problem(answer, 400, "JSON")


async def test_users_me_moved_into_the_template(login: Login) -> None:
    api = await login()
    body = (await api.get("/users/me")).json()
    assert body["users"]["username"] == api.user.email
    assert body["users"]["user_id"] == api.user.id
    assert body["_links"]["self"] == {"href": "/v1/users"}
