"""The token service on SQLite and on PostgreSQL: the same exchanges, the same guarantees."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import AsyncIterator, Callable
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from homecloud.app import create_app
from homecloud.core.users import create_user
from homecloud.identity import passwords, secrets
from homecloud.identity.clients import get_client, register_client, remove_client, rotate_secret
from homecloud.services import Services
from tests.identity.person import allow, pkce_pair, register_machine_app, sign_in

REDIRECT = "https://app.example/cb"
TOKEN = "/nuheat/identity/connect/token"


@pytest.fixture
async def http_on(
    face_services: Services,
) -> AsyncIterator[tuple[httpx.AsyncClient, Services]]:
    services = face_services
    transport = httpx.ASGITransport(app=create_app(services.settings, services))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield client, services


async def test_code_flow_rotation_and_replays(http_on: tuple[httpx.AsyncClient, Services]) -> None:
    http, services = http_on
    async with services.database.session(write=True) as session:
        await create_user(session, "ann@example.com", "password-1")
        issued = await register_client(
            session,
            face="nuheat",
            name="App",
            redirect_uris=[REDIRECT],
            require_consent=False,
            scope="openid openapi offline_access",
        )
    assert issued.client_secret is not None
    auth = (issued.client.client_id, issued.client_secret)
    verifier, challenge = pkce_pair()
    query = urlencode(
        {
            "response_type": "code",
            "client_id": issued.client.client_id,
            "redirect_uri": REDIRECT,
            "scope": "openid openapi offline_access",
            "state": "s",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    authorize = f"/nuheat/identity/connect/authorize?{query}"
    signed_in = await sign_in(http, authorize, "ann@example.com", "password-1")
    redirected = await http.get(signed_in.headers["location"])
    code = parse_qs(urlsplit(redirected.headers["location"]).query)["code"][0]
    exchange = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }

    first = (await http.post(TOKEN, data=exchange, auth=auth)).json()
    assert set(first) >= {"access_token", "refresh_token", "id_token"}
    replay = await http.post(TOKEN, data=exchange, auth=auth)
    assert replay.json()["error"] == "invalid_grant"
    # The replay revoked what the first exchange issued.
    userinfo = await http.get(
        "/nuheat/identity/connect/userinfo",
        headers={"Authorization": f"Bearer {first['access_token']}"},
    )
    assert userinfo.status_code == 401
    refused = await http.post(
        TOKEN,
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        auth=auth,
    )
    assert refused.json()["error"] == "invalid_grant"


async def test_refresh_reuse_revokes_the_family(
    http_on: tuple[httpx.AsyncClient, Services],
) -> None:
    http, services = http_on
    async with services.database.session(write=True) as session:
        await create_user(session, "ann@example.com", "password-1")
        issued = await register_client(
            session,
            face="ckw",
            name="App",
            redirect_uris=[REDIRECT],
            grant_types=["authorization_code", "refresh_token"],
            scope="openid profile",
        )
    assert issued.client_secret is not None
    auth = (issued.client.client_id, issued.client_secret)
    base = "/ckw/auth/realms/CKW"
    verifier, challenge = pkce_pair()
    query = urlencode(
        {
            "response_type": "code",
            "client_id": issued.client.client_id,
            "redirect_uri": REDIRECT,
            "scope": "openid profile",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    signed_in = await sign_in(
        http, f"{base}/protocol/openid-connect/auth?{query}", "ann@example.com", "password-1"
    )
    consent = await http.get(signed_in.headers["location"])
    allowed = await allow(http, consent, f"{base}/login-actions/consent")
    code = parse_qs(urlsplit(allowed.headers["location"]).query)["code"][0]
    token_url = f"{base}/protocol/openid-connect/token"

    async def post(data: dict[str, str]) -> dict[str, str]:
        answer: dict[str, str] = (await http.post(token_url, data=data, auth=auth)).json()
        return answer

    first = await post(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        }
    )
    second = await post({"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    assert second["refresh_token"] != first["refresh_token"]
    reused = await post({"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    assert reused["error"] == "invalid_grant"
    # Reuse of the spent token revoked its live successor too.
    after = await post({"grant_type": "refresh_token", "refresh_token": second["refresh_token"]})
    assert after["error"] == "invalid_grant"


@pytest.mark.parametrize("chosen_secret", [None, "a secret a person chose"])
async def test_client_credentials_read_then_written(
    http_on: tuple[httpx.AsyncClient, Services], chosen_secret: str | None
) -> None:
    """Client-credentials grants read their client with a plain statement and write their
    grant afterwards (generated secrets on the event loop, chosen ones, Argon2-hashed, on a
    thread): the token is stored and introspectable, and the client's state is read fresh on
    every call, so a rotated secret or a removed client is refused at once."""
    http, services = http_on
    app = await register_machine_app(
        services.database, "ckw", "profile", client_secret=chosen_secret
    )
    client_id, secret = app.client_id, app.client_secret
    base = "/ckw/auth/realms/CKW/protocol/openid-connect"

    async def token(password: str) -> httpx.Response:
        data = {"grant_type": "client_credentials", "scope": "profile openid"}
        return await http.post(f"{base}/token", data=data, auth=(client_id, password))

    granted = await token(secret)
    assert granted.status_code == 200, granted.text
    body = granted.json()
    assert body["scope"] == "profile"  # capped at the registration
    assert "refresh_token" not in body
    introspected = await http.post(
        f"{base}/token/introspect", data={"token": body["access_token"]}, auth=(client_id, secret)
    )
    assert introspected.json()["active"] is True
    assert introspected.json()["client_id"] == client_id

    wrong = await token(secret + "x")
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"

    if chosen_secret is None:
        async with services.database.session(write=True) as session:
            client = await get_client(session, client_id)
            assert client is not None
            new_secret = await rotate_secret(session, client)
        assert (await token(secret)).json()["error"] == "invalid_client"
        secret = new_secret
        assert (await token(secret)).status_code == 200

    async with services.database.session(write=True) as session:
        client = await get_client(session, client_id)
        assert client is not None
        await remove_client(session, client)
    gone = await token(secret)
    assert gone.status_code == 401
    assert gone.json()["error"] == "invalid_client"


async def test_argon2_checks_of_a_password_grant_stay_off_the_event_loop(
    http_on: tuple[httpx.AsyncClient, Services], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A password and a client secret a person chose are Argon2 hashes, a tenth of a second of
    CPU each: on the event loop they would stall every other request of the process (on
    PostgreSQL Authlib's code runs there). The token endpoint checks both on a thread before
    the exchange, for right and wrong values and unknown logins, and the exchange reuses the
    answers; a client that fails its own check costs no password check."""
    http, services = http_on
    async with services.database.session(write=True) as session:
        await create_user(session, "lee@example.com", "password-1")
        await register_client(
            session,
            face="thingplus",
            name="Lee's app",
            client_id="lees",
            client_secret="chosen-secret",
            grant_types=["password"],
            scope="user-profile-read",
        )
    loop_thread = threading.get_ident()
    on_the_loop: list[bool] = []

    def watched(verify: Callable[[str, str], bool]) -> Callable[[str, str], bool]:
        def check(stored: str, presented: str) -> bool:
            on_the_loop.append(threading.get_ident() == loop_thread)
            return verify(stored, presented)

        return check

    monkeypatch.setattr(passwords, "verify_password", watched(passwords.verify_password))
    monkeypatch.setattr(secrets, "verify_password", watched(secrets.verify_password))

    async def grant(secret: str, login: str, password: str) -> int:
        body = {"grant_type": "password", "client_id": "lees", "client_secret": secret}
        body |= {"username": login, "password": hashlib.md5(password.encode()).hexdigest()}
        return (await http.post("/thingplus/v2/oauth2/token", json=body)).status_code

    assert await grant("chosen-secret", "lee@example.com", "password-1") == 200
    assert await grant("chosen-secret", "lee@example.com", "password-2") == 401
    assert await grant("chosen-secret", "nobody@example.com", "password-1") == 401
    assert await grant("wrong-secret", "lee@example.com", "password-1") == 401
    assert len(on_the_loop) == 7  # secret and password per call, no password after a bad secret
    assert not any(on_the_loop), "an Argon2 check ran on the event loop"
