"""The device authorization grant (RFC 8628) of the faces whose vendors offer it: Nuheat
(IdentityServer's ``/connect/deviceauthorization``) and smart-me (``/api/oauth/device``).

A device asks for a code, polls while a person signs in on the verification page, types the
code and allows (or denies) it; what every step answers, on both databases: pending,
slow_down with a growing interval, tokens once, invalid_grant after, access_denied,
expired_token, clients not registered for the grant, codes of other clients, bad and guessed
user codes, a missing CSRF token, and the faces without the grant.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import update

from homecloud.core.models import now_ms
from homecloud.core.users import create_user
from homecloud.identity import housekeeping
from homecloud.identity.clients import DEVICE_CODE, register_client
from homecloud.identity.models import DeviceAuthorization
from homecloud.identity.server.device import USER_CODE_LETTERS, DeviceEndpoint, user_code_key
from homecloud.services import Services
from tests.conftest import app_client
from tests.identity.person import field, fill_sign_in, hidden_fields

PASSWORD = "correct-horse-battery"
USER_CODE = re.compile(r"^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$")


@dataclass(frozen=True)
class Face:
    name: str
    issuer: str  # below the server root
    device_endpoint: str
    token_endpoint: str
    verification: str
    scope: str
    api: str  # a resource route the token must open


FACES = {
    "nuheat": Face(
        "nuheat",
        "/nuheat/identity",
        "/nuheat/identity/connect/deviceauthorization",
        "/nuheat/identity/connect/token",
        "/nuheat/identity/device",
        "openid openapi offline_access",
        "/nuheat/api/v1/Account",
    ),
    "smartme": Face(
        "smartme",
        "/smartme",
        "/smartme/api/oauth/device",
        "/smartme/api/oauth/token",
        "/smartme/api/oauth/device/verify",
        "user.read device.read",
        "/smartme/api/User",
    ),
}


@dataclass
class Device:
    """A device of one face: its client, and the person who will allow it."""

    http: httpx.AsyncClient
    face: Face
    client_id: str
    client_secret: str | None
    base_url: str  # what the server calls itself in the URLs it gives out
    person_id: int = 0  # the user who allows the device

    def credentials(self) -> dict[str, str]:
        form = {"client_id": self.client_id}
        if self.client_secret:
            form["client_secret"] = self.client_secret
        return form

    async def start(self, scope: str | None = None) -> httpx.Response:
        return await self.http.post(
            self.face.device_endpoint,
            data={**self.credentials(), "scope": scope or self.face.scope},
        )

    async def poll(self, device_code: str) -> httpx.Response:
        return await self.http.post(
            self.face.token_endpoint,
            data={**self.credentials(), "grant_type": DEVICE_CODE, "device_code": device_code},
        )


async def register(
    services: Services, face: Face, *, grants: list[str], public: bool = False
) -> tuple[str, str | None]:
    async with services.database.session(write=True) as session:
        issued = await register_client(
            session,
            face=face.name,
            name="Hallway Display",
            grant_types=grants,
            scope=face.scope,
            public=public,
        )
    return issued.client.client_id, issued.client_secret


@pytest.fixture(params=sorted(FACES))
async def device(request: pytest.FixtureRequest, face_services: Services) -> AsyncIterator[Device]:
    face = FACES[request.param]
    async with face_services.database.session(write=True) as session:
        ann = await create_user(session, "ann@example.com", PASSWORD, username="ann")
    # Nuheat's device is a public client (no secret), smart-me's a confidential one.
    client_id, secret = await register(
        face_services, face, grants=["device_code", "refresh_token"], public=face.name == "nuheat"
    )
    async with app_client(face_services.settings, face_services) as http:
        yield Device(http, face, client_id, secret, face_services.settings.base_url, ann.id)


def local(url: str) -> str:
    """An absolute URL of the server (at its configured base URL) as the in-process client's
    path, so that its cookies (kept for the test host) go along."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def jwt_claims(token: str) -> dict[str, Any]:
    """A JWT's payload, unverified (what it says, not whether it is true: the Basic OP tests
    check the signatures)."""
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


def error_of(response: httpx.Response) -> str:
    assert response.status_code == 400, response.text
    return str(response.json()["error"])


async def person_answers(
    http: httpx.AsyncClient, verification_uri_complete: str, *, allow: bool = True
) -> httpx.Response:
    """A person opens the code's link, signs in, continues with the code and answers."""
    to_login = await http.get(local(verification_uri_complete))
    assert to_login.status_code == 302
    signed_in = await fill_sign_in(http, to_login.headers["location"], "ann", PASSWORD)
    assert signed_in.status_code == 302
    code_form = await http.get(signed_in.headers["location"])
    assert code_form.status_code == 200
    typed = field(code_form.text, "user_code")  # the link filled the code in
    consent = await http.post(
        str(code_form.request.url), data=hidden_fields(code_form.text) | {"user_code": typed}
    )
    assert consent.status_code == 200, consent.text
    assert "Allow Hallway Display?" in consent.text
    return await http.post(
        str(consent.request.url),
        data=hidden_fields(consent.text) | {"button": "yes" if allow else "no"},
    )


async def test_a_device_gets_its_tokens_once_after_the_person_allows_it(device: Device) -> None:
    started = await device.start()
    assert started.status_code == 200, started.text
    assert started.headers["cache-control"] == "no-store"
    body = started.json()
    assert USER_CODE.match(body["user_code"])
    assert body["verification_uri"] == device.base_url + device.face.verification
    assert body["verification_uri_complete"] == (
        f"{body['verification_uri']}?user_code={body['user_code']}"
    )
    assert (body["expires_in"], body["interval"]) == (600, 5)

    assert error_of(await device.poll(body["device_code"])) == "authorization_pending"
    # Polled again at once: slow down, and five seconds more between polls from now on.
    assert error_of(await device.poll(body["device_code"])) == "slow_down"

    done = await person_answers(device.http, body["verification_uri_complete"])
    assert done.status_code == 200
    assert "Device connected" in done.text

    tokens = await device.poll(body["device_code"])
    assert tokens.status_code == 200, tokens.text
    granted = tokens.json()
    assert granted["token_type"] == "Bearer"
    assert set(granted["scope"].split()) == set(device.face.scope.split())
    assert "refresh_token" in granted  # registered for refresh (Nuheat: with offline_access)
    if device.face.name == "nuheat":  # openid: the person is named in an id_token too
        claims = jwt_claims(granted["id_token"])
        assert claims["aud"] == [device.client_id]
        assert claims["sub"] == str(device.person_id)
        assert claims["auth_time"] <= time.time()
    else:
        assert "id_token" not in granted
    api = await device.http.get(
        device.face.api, headers={"Authorization": f"Bearer {granted['access_token']}"}
    )
    assert api.status_code == 200, api.text
    # The device code is spent.
    assert error_of(await device.poll(body["device_code"])) == "invalid_grant"


async def test_a_denied_device_is_told_so_and_a_decided_code_cannot_be_decided_again(
    device: Device,
) -> None:
    body = (await device.start()).json()
    done = await person_answers(device.http, body["verification_uri_complete"], allow=False)
    assert "Device denied" in done.text
    assert error_of(await device.poll(body["device_code"])) == "access_denied"
    # The code is no longer pending: typing it again finds nothing.
    page = await device.http.get(local(body["verification_uri"]))
    again = await device.http.post(
        local(body["verification_uri"]),
        data=hidden_fields(page.text) | {"user_code": body["user_code"], "button": "yes"},
    )
    assert again.status_code == 400
    assert "not valid, or it has expired" in again.text


async def test_an_expired_code_is_expired_for_the_device_and_the_person(
    device: Device, face_services: Services
) -> None:
    body = (await device.start()).json()
    async with face_services.database.session(write=True) as session:
        await session.execute(update(DeviceAuthorization).values(expires_at=now_ms() - 1))
    assert error_of(await device.poll(body["device_code"])) == "expired_token"
    to_login = await device.http.get(local(body["verification_uri_complete"]))
    await fill_sign_in(device.http, to_login.headers["location"], "ann", PASSWORD)
    page = await device.http.get(local(body["verification_uri"]))
    typed = await device.http.post(
        local(body["verification_uri"]),
        data=hidden_fields(page.text) | {"user_code": body["user_code"]},
    )
    assert typed.status_code == 400
    assert "not valid, or it has expired" in typed.text
    # The sweep forgets it.
    swept = await housekeeping.sweep(face_services.database)
    assert swept.device_authorizations == 1


async def test_only_clients_registered_for_the_grant_may_use_it_and_only_their_own_codes(
    device: Device, face_services: Services
) -> None:
    client_id, secret = await register(face_services, device.face, grants=["client_credentials"])
    other = Device(device.http, device.face, client_id, secret, device.base_url)
    assert error_of(await other.start()) == "unauthorized_client"
    body = (await device.start()).json()
    assert error_of(await other.poll(body["device_code"])) == "unauthorized_client"
    # A device of another registration with the grant cannot poll this device's code.
    second_id, second_secret = await register(face_services, device.face, grants=["device_code"])
    second = Device(device.http, device.face, second_id, second_secret, device.base_url)
    assert error_of(await second.poll(body["device_code"])) == "unauthorized_client"
    assert error_of(await device.poll("not-a-device-code")) == "invalid_grant"
    unknown_scope = await device.start("openid no-such-scope")
    assert error_of(unknown_scope) == "invalid_scope"


async def test_bad_and_guessed_codes_and_forged_forms_are_refused_on_the_page(
    device: Device,
) -> None:
    body = (await device.start()).json()
    verification = local(body["verification_uri"])
    to_login = await device.http.get(verification)
    await fill_sign_in(device.http, to_login.headers["location"], "ann", PASSWORD)
    page = await device.http.get(verification)
    fields = hidden_fields(page.text)
    forged = await device.http.post(
        verification, data={"user_code": body["user_code"], "button": "yes"}
    )
    assert forged.status_code == 400
    assert "The form expired" in forged.text
    for typed in ("", "ABCD-EFGH", "WDJB-MJH", "<script>", "x" * 500):
        wrong = await device.http.post(verification, data=fields | {"user_code": typed})
        assert wrong.status_code == 400
        assert "not valid, or it has expired" in wrong.text
        assert "<script>" not in wrong.text
    # Ten tries a minute: the next ones are refused whatever they hold, the right code too.
    for _ in range(5):
        await device.http.post(verification, data=fields | {"user_code": "BCDF-GHJK"})
    limited = await device.http.post(verification, data=fields | {"user_code": body["user_code"]})
    assert limited.status_code == 400
    assert "Too many attempts" in limited.text
    assert error_of(await device.poll(body["device_code"])) == "authorization_pending"


async def test_the_discovery_documents_name_the_device_endpoint(
    face_services: Services,
) -> None:
    async with app_client(face_services.settings, face_services) as http:
        nuheat = (await http.get("/nuheat/identity/.well-known/openid-configuration")).json()
        smartme = (await http.get("/smartme/.well-known/oauth-authorization-server")).json()
        ckw = (await http.get("/ckw/auth/realms/CKW/.well-known/openid-configuration")).json()
        # The current host's path smart-me's document gives is served (an unknown client).
        unprefixed = await http.post("/smartme/oauth/device", data={"client_id": "nobody"})
        denied = await http.post(
            "/ckw/auth/realms/CKW/protocol/openid-connect/token",
            data={"grant_type": DEVICE_CODE, "device_code": "x", "client_id": "x"},
        )
    base = face_services.settings.base_url
    assert nuheat["device_authorization_endpoint"] == (
        base + "/nuheat/identity/connect/deviceauthorization"
    )
    assert DEVICE_CODE in nuheat["grant_types_supported"]
    # smart-me's document lists the current host's paths, without /api.
    assert smartme["device_authorization_endpoint"] == base + "/smartme/oauth/device"
    assert DEVICE_CODE in smartme["grant_types_supported"]
    assert unprefixed.status_code == 400
    assert unprefixed.json()["error"] == "invalid_client"
    # CKW's Keycloak realm does not offer the grant.
    assert "device_authorization_endpoint" not in ckw
    assert DEVICE_CODE not in ckw["grant_types_supported"]
    assert denied.status_code == 400
    assert denied.json()["error"] in ("unsupported_grant_type", "invalid_client")


@given(st.text(max_size=40))
def test_any_typed_text_is_a_user_code_or_nothing(typed: str) -> None:
    key = user_code_key(typed)
    assert key is None or USER_CODE.match(key)


@given(
    st.text(alphabet=sorted(USER_CODE_LETTERS), min_size=8, max_size=8),
    st.sampled_from(["{}-{}", "{}{}", "{} {}", " {} - {} "]),
    st.booleans(),
)
def test_a_code_is_found_however_it_is_typed(letters: str, shape: str, lower: bool) -> None:
    typed = shape.format(letters[:4], letters[4:])
    assert user_code_key(typed.lower() if lower else typed) == f"{letters[:4]}-{letters[4:]}"


async def test_a_user_code_that_is_taken_is_never_given_twice(
    device: Device, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn = iter(["BCDF-GHJK", "BCDF-GHJK", "CDFG-HJKL"])
    monkeypatch.setattr(DeviceEndpoint, "generate_user_code", lambda _self: next(drawn))
    first, second = (await device.start()).json(), (await device.start()).json()
    assert (first["user_code"], second["user_code"]) == ("BCDF-GHJK", "CDFG-HJKL")


async def test_a_client_starting_device_flows_in_a_loop_is_held_back(device: Device) -> None:
    for _ in range(20):
        assert (await device.start()).status_code == 200
    held = await device.start()
    assert held.status_code == 429
    assert held.json()["error"] == "too_many_requests"
    assert int(held.headers["retry-after"]) > 0
