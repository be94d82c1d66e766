"""``/RegisterForRealtimeApi``, ``/RealtimeApiDeliveries`` and ``/RealtimeApiReceivers`` over
HTTP on both databases: both path styles in any case, every credential smart-me takes, scopes,
one user never seeing another's, and what each bad input gets."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from homecloud.apis.smartme.readings import Reading
from homecloud.apis.smartme.settings import SmartMeSettings
from homecloud.apis.smartme.webhooks.models import WebhookRegistration
from homecloud.app import create_app
from homecloud.services import Services
from tests.apis.smartme.conftest import (
    AT,
    CredentialMaker,
    SmartMeUser,
    TokenMaker,
    UserMaker,
)

from .helpers import ENERGY, record

HOOK = "http://127.0.0.1:9/hook"


async def registrations(face: httpx.AsyncClient, user: SmartMeUser) -> list[dict[str, object]]:
    response = await face.get("/smartme/api/RegisterForRealtimeApi", headers=user.basic)
    assert response.status_code == 200, response.text
    listed: list[dict[str, object]] = response.json()
    return listed


@pytest.mark.parametrize(
    "path",
    [
        "/smartme/api/RegisterForRealtimeApi",
        "/smartme/RegisterForRealtimeApi",
        "/smartme/API/REGISTERFORREALTIMEAPI",
        "/smartme/registerforrealtimeapi/",
    ],
)
async def test_register_list_and_delete_on_both_path_styles_in_any_case(
    face: httpx.AsyncClient, make_user: UserMaker, path: str
) -> None:
    user = await make_user("three_phase")
    meter = user.meter("three_phase")
    created = await face.post(
        path,
        json={"ApiUrl": HOOK, "RegistrationType": "SingleMeterRegistration", "MeterId": meter.guid},
        headers=user.basic,
    )
    assert created.status_code == 204, created.text
    assert created.content == b""
    listed = await face.get(path, headers=user.basic)
    assert listed.status_code == 200
    (registration,) = listed.json()
    assert registration == {
        "Id": registration["Id"],
        "ApiUrl": HOOK,
        "RegistrationType": 1,
        "MeterId": meter.guid,
    }
    one = await face.get(f"{path.rstrip('/')}/{registration['Id']}", headers=user.basic)
    assert one.json() == registration
    deleted = await face.delete(f"{path.rstrip('/')}/{registration['Id']}", headers=user.basic)
    assert deleted.status_code == 204
    assert await registrations(face, user) == []


async def test_every_credential_smart_me_takes_with_its_scopes(
    face: httpx.AsyncClient,
    make_user: UserMaker,
    token_for: TokenMaker,
    api_key_for: CredentialMaker,
    card_for: CredentialMaker,
) -> None:
    user = await make_user()
    writer = {"Authorization": f"Bearer {await token_for(user, 'device.readwrite')}"}
    reader = {"Authorization": f"Bearer {await token_for(user, 'device.read')}"}
    key = await api_key_for(user, "device.readwrite")
    read_key = await api_key_for(user, "device.read")
    card = await card_for(user)
    body = {"ApiUrl": HOOK}
    for headers in (user.basic, writer, key):
        assert (
            await face.post("/smartme/RegisterForRealtimeApi", json=body, headers=headers)
        ).status_code == 204
    for headers in (reader, read_key, card):  # reading scopes only: no new receivers
        refused = await face.post("/smartme/RegisterForRealtimeApi", json=body, headers=headers)
        assert refused.status_code == 403
        assert "Message" in refused.json()
    for headers in (user.basic, writer, reader, key, read_key, card):
        listed = await face.get("/smartme/RegisterForRealtimeApi", headers=headers)
        assert listed.status_code == 200
        assert len(listed.json()) == 3
    anonymous = await face.get("/smartme/RegisterForRealtimeApi")
    assert anonymous.status_code == 401
    assert anonymous.json() == {"Message": "Authorization has been denied for this request."}
    some = (await registrations(face, user))[0]["Id"]
    for headers in (reader, card):
        refused = await face.delete(f"/smartme/RegisterForRealtimeApi/{some}", headers=headers)
        assert refused.status_code == 403


async def test_no_user_sees_or_touches_another_users_registrations_or_deliveries(
    face: httpx.AsyncClient, make_user: UserMaker, face_services: Services
) -> None:
    alice, bob = await make_user("three_phase"), await make_user("three_phase")
    await face.post("/smartme/RegisterForRealtimeApi", json={"ApiUrl": HOOK}, headers=alice.basic)
    (mine,) = await registrations(face, alice)
    assert await registrations(face, bob) == []
    for method in ("GET", "DELETE"):
        answer = await face.request(
            method, f"/smartme/RegisterForRealtimeApi/{mine['Id']}", headers=bob.basic
        )
        assert answer.status_code == 404
    update = await face.post(
        "/smartme/RegisterForRealtimeApi",
        json={"Id": mine["Id"], "ApiUrl": "http://127.0.0.1:9/bob"},
        headers=bob.basic,
    )
    assert update.status_code == 404
    # Nor can Bob register for Alice's meter, by GUID or serial number.
    for field, value in (
        ("MeterId", alice.meter("three_phase").guid),
        ("SerialNumber", str(alice.meter("three_phase").serial)),
    ):
        answer = await face.post(
            "/smartme/RegisterForRealtimeApi",
            json={"ApiUrl": HOOK, field: value},
            headers=bob.basic,
        )
        assert answer.status_code == 404, answer.text
    meter = uuid.UUID(alice.meter("three_phase").guid)
    await record(
        face_services.database,
        [Reading(meter, alice.id, 1, AT + timedelta(minutes=1), {ENERGY: 5.0})],
    )
    mine_now = (await face.get("/smartme/RealtimeApiDeliveries", headers=alice.basic)).json()
    assert len(mine_now) == 1
    assert (await face.get("/smartme/RealtimeApiDeliveries", headers=bob.basic)).json() == []
    assert (await face.get("/smartme/RealtimeApiReceivers", headers=bob.basic)).json() == []
    assert await registrations(face, alice) == [mine]


async def test_deliveries_and_receivers_show_outcomes(
    face: httpx.AsyncClient, make_user: UserMaker, face_services: Services
) -> None:
    user = await make_user("three_phase")
    meter = user.meter("three_phase")
    await face.post(
        "/smartme/RegisterForRealtimeApi",
        json={"ApiUrl": HOOK, "SerialNumber": f"1 SME 01 {meter.serial}"},
        headers=user.basic,
    )
    (registration,) = await registrations(face, user)
    assert registration["MeterId"] == meter.guid
    assert registration["SerialNumber"] == f"1 SME 01 {meter.serial}"
    at = AT + timedelta(minutes=1, microseconds=5)
    await record(
        face_services.database, [Reading(uuid.UUID(meter.guid), user.id, 1, at, {ENERGY: 5.5})]
    )
    (delivery,) = (await face.get("/smartme/api/RealtimeApiDeliveries", headers=user.basic)).json()
    assert delivery["RegistrationId"] == registration["Id"]
    assert delivery["MeterId"] == meter.guid
    assert delivery["ValueDate"] == "2026-07-25T12:01:00.0000050Z"
    assert delivery["State"] == 0
    assert delivery["StateName"] == "Pending"
    assert delivery["Attempts"] == 0
    assert delivery["Values"] == {ENERGY: 5.5}
    assert "FinishedDate" not in delivery
    filtered = await face.get(
        "/smartme/RealtimeApiDeliveries",
        params={"state": "Delivered", "registrationId": registration["Id"]},
        headers=user.basic,
    )
    assert filtered.json() == []
    (receiver,) = (await face.get("/smartme/RealtimeApiReceivers", headers=user.basic)).json()
    assert receiver["Id"] == registration["Id"]
    assert receiver["Pending"] == 1
    assert receiver["ConsecutiveFailures"] == 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [("UserRegistration", 2), ("userregistration", 2), (2, 2), ("2", 2), ("Disabled", 0), (0, 0)],
)
async def test_registration_type_takes_names_or_numbers_and_answers_numbers(
    face: httpx.AsyncClient, make_user: UserMaker, value: object, expected: int
) -> None:
    user = await make_user()
    answer = await face.post(
        "/smartme/RegisterForRealtimeApi",
        json={"ApiUrl": HOOK, "RegistrationType": value},
        headers=user.basic,
    )
    assert answer.status_code == 204, answer.text
    assert (await registrations(face, user))[0]["RegistrationType"] == expected


async def test_the_password_is_never_shown_kept_on_update_and_cleared_when_empty(
    face: httpx.AsyncClient, make_user: UserMaker, face_services: Services
) -> None:
    user = await make_user()
    body = {"ApiUrl": HOOK, "BasicAuthUsername": "hook", "BasicAuthPassword": "pa55-w0rd!"}
    await face.post("/smartme/RegisterForRealtimeApi", json=body, headers=user.basic)
    (listed,) = await registrations(face, user)
    assert listed["BasicAuthUsername"] == "hook"
    assert "BasicAuthPassword" not in listed

    async def sealed() -> str | None:
        async with face_services.database.session() as session:
            value: str | None = await session.scalar(
                select(WebhookRegistration.basic_password_sealed).where(
                    WebhookRegistration.guid == listed["Id"]
                )
            )
        return value

    first = await sealed()
    assert first is not None
    assert "pa55" not in first
    await face.post(
        "/smartme/RegisterForRealtimeApi",
        json={"Id": listed["Id"], "ApiUrl": "http://127.0.0.1:9/other"},
        headers=user.basic,
    )
    assert await sealed() == first
    await face.post(
        "/smartme/RegisterForRealtimeApi",
        json={"Id": listed["Id"], "BasicAuthPassword": ""},
        headers=user.basic,
    )
    assert await sealed() is None
    assert (await registrations(face, user))[0]["ApiUrl"] == "http://127.0.0.1:9/other"


BAD = [
    ({}, 400, "ApiUrl is required"),
    ({"ApiUrl": 5}, 400, "ApiUrl must be text"),
    ({"ApiUrl": "ftp://example.com/x"}, 400, "http or https"),
    ({"ApiUrl": "https://u:p@example.com/x"}, 400, "credentials"),
    ({"ApiUrl": HOOK, "RegistrationType": "Sometimes"}, 400, "not a RegistrationType"),
    ({"ApiUrl": HOOK, "RegistrationType": 7}, 400, "not a RegistrationType"),
    ({"ApiUrl": HOOK, "RegistrationType": "SingleMeterRegistration"}, 400, "needs the meter"),
    ({"ApiUrl": HOOK, "MeterId": "not-a-guid"}, 400, "not a GUID"),
    ({"ApiUrl": HOOK, "MeterId": str(uuid.uuid4())}, 404, "no meter"),
    ({"ApiUrl": HOOK, "SerialNumber": "SME"}, 400, "serial number"),
    ({"ApiUrl": HOOK, "SerialNumber": "12345"}, 404, "serial number 12345"),
    ({"ApiUrl": HOOK, "BasicAuthUsername": "a:b"}, 400, "colon"),
    ({"ApiUrl": HOOK, "BasicAuthPassword": "x" * 300}, 400, "at most 255"),
    ({"Id": "nope", "ApiUrl": HOOK}, 400, "not a GUID"),
    ({"Id": str(uuid.uuid4()), "ApiUrl": HOOK}, 404, "no realtime API registration"),
]


@pytest.mark.parametrize(("body", "status", "words"), BAD)
async def test_bad_registrations_get_the_vendor_error_and_store_nothing(
    face: httpx.AsyncClient, make_user: UserMaker, body: dict[str, object], status: int, words: str
) -> None:
    user = await make_user()
    answer = await face.post("/smartme/RegisterForRealtimeApi", json=body, headers=user.basic)
    assert answer.status_code == status, answer.text
    assert words in answer.json()["Message"]
    assert await registrations(face, user) == []


async def test_bad_bodies_queries_and_ids_get_400(
    face: httpx.AsyncClient, make_user: UserMaker
) -> None:
    user = await make_user()
    for content, kind in (
        ("[1]", "application/json"),
        ("{", "application/json"),
        ("x", "text/plain"),
    ):
        answer = await face.post(
            "/smartme/RegisterForRealtimeApi",
            content=content,
            headers={**user.basic, "Content-Type": kind},
        )
        assert answer.status_code in (400, 415), answer.text
    for path in (
        "/smartme/RegisterForRealtimeApi/12",
        "/smartme/RealtimeApiDeliveries?limit=0",
        "/smartme/RealtimeApiDeliveries?limit=abc",
        "/smartme/RealtimeApiDeliveries?state=Lost",
        "/smartme/RealtimeApiDeliveries?registrationId=12",
        "/smartme/RealtimeApiDeliveries?registrationId=",
        "/smartme/RealtimeApiDeliveries?state=",
        "/smartme/RealtimeApiDeliveries?limit=",
    ):
        answer = await face.get(path, headers=user.basic)
        assert answer.status_code == 400, path
        assert "Message" in answer.json()
    assert (
        await face.delete("/smartme/RegisterForRealtimeApi/12", headers=user.basic)
    ).status_code == 400


async def test_a_user_has_at_most_the_configured_number_of_registrations(
    face: httpx.AsyncClient, make_user: UserMaker
) -> None:
    user = await make_user()
    for _ in range(5):
        assert (
            await face.post(
                "/smartme/RegisterForRealtimeApi", json={"ApiUrl": HOOK}, headers=user.basic
            )
        ).status_code == 204
    refused = await face.post(
        "/smartme/RegisterForRealtimeApi", json={"ApiUrl": HOOK}, headers=user.basic
    )
    assert refused.status_code == 400
    assert "at most 5" in refused.json()["Message"]


async def test_receivers_on_private_addresses_are_refused_unless_allowed(
    face_services: Services, make_user: UserMaker
) -> None:
    strict = face_services.settings.model_copy(
        update={"smartme": SmartMeSettings(simulation=False, webhook_delivery=False)}
    )
    services = dataclasses.replace(face_services, settings=strict)
    transport = httpx.ASGITransport(app=create_app(strict, services))
    user = await make_user()
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for url, why in (
            ("http://127.0.0.1:8080/hook", "loopback"),
            ("http://10.0.0.8/hook", "private"),
            ("http://169.254.169.254/latest", "link-local"),
            ("http://localhost/hook", "local host name"),
        ):
            answer = await client.post(
                "/smartme/RegisterForRealtimeApi", json={"ApiUrl": url}, headers=user.basic
            )
            assert answer.status_code == 400
            assert why in answer.json()["Message"]
