"""v1 Account and Group, and away mode."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from homecloud.core.models import User
from homecloud.services import Services
from tests.apis.nuheat.conftest import UserMaker

GROUP = "/nuheat/api/v1/Group"
THERMOSTAT = "/nuheat/api/v1/Thermostat"


async def test_account(face: httpx.AsyncClient, make_user: UserMaker, services: Services) -> None:
    account = await make_user()
    response = await face.get("/nuheat/api/v1/Account", headers=account.auth)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "firstName": "Jane",
        "lastName": "Doe",
        "email": account.email,
        "use12Hour": False,
        "temperatureScale": "Celsius",
    }
    async with services.database.session(write=True) as session:
        user = await session.scalar(select(User).where(User.id == account.user_id))
        assert user is not None
        user.preferences = {"nuheat": {"temperatureScale": "Fahrenheit", "use12Hour": True}}
    changed = (await face.get("/nuheat/api/v1/Account", headers=account.auth)).json()
    assert (changed["temperatureScale"], changed["use12Hour"]) == ("Fahrenheit", True)


async def test_groups_list_and_one(face: httpx.AsyncClient, make_user: UserMaker) -> None:
    account = await make_user()
    listed = await face.get(GROUP, headers=account.auth)
    expected = {
        "groupId": str(account.group_id),
        "groupName": "Home",
        "awayMode": False,
        "awaySetPointTemp": 1500,
    }
    assert listed.json() == [expected]
    one = await face.get(f"{GROUP}/{account.group_id}", headers=account.auth)
    assert one.json() == expected


async def test_away_mode_holds_the_away_set_point_until_cleared(
    face: httpx.AsyncClient, make_user: UserMaker, services: Services
) -> None:
    account = await make_user()
    before = (await face.get(THERMOSTAT, headers=account.auth)).json()
    subscription = services.events.subscribe(lambda event: event.face == "nuheat")
    # senorshaun's plugin sends the id as a number.
    away = await face.put(
        GROUP, json={"groupId": account.group_id, "awayMode": True}, headers=account.auth
    )
    assert away.status_code == 204
    events = [await subscription.get() for _ in range(3)]
    assert {(e.kind, e.resource_id) for e in events} == {
        ("group", str(account.group_id)),
        *(("thermostat", serial) for serial in account.serials),
    }
    during = (await face.get(THERMOSTAT, headers=account.auth)).json()
    assert [t["setPointTemp"] for t in during] == [1500, 1500]
    assert (await face.get(f"{GROUP}/{account.group_id}", headers=account.auth)).json()["awayMode"]
    back = await face.put(
        GROUP, json={"groupId": str(account.group_id), "awayMode": False}, headers=account.auth
    )
    assert back.status_code == 204
    after = (await face.get(THERMOSTAT, headers=account.auth)).json()
    assert [t["setPointTemp"] for t in after] == [t["setPointTemp"] for t in before]
    subscription.close()


async def test_unknown_and_foreign_groups_are_404_and_a_missing_id_400(
    face: httpx.AsyncClient, make_user: UserMaker
) -> None:
    ann = await make_user()
    bob = await make_user()
    for group_id in (str(bob.group_id), "999999", "abc"):
        assert (await face.get(f"{GROUP}/{group_id}", headers=ann.auth)).status_code == 404
        put = await face.put(GROUP, json={"groupId": group_id, "awayMode": True}, headers=ann.auth)
        assert put.status_code == 404
    assert (await face.get(f"{GROUP}/{bob.group_id}", headers=bob.auth)).json()["awayMode"] is False
    missing = await face.put(GROUP, json={"awayMode": True}, headers=ann.auth)
    assert (missing.status_code, missing.json()) == (400, {"messages": ["groupId is required."]})
