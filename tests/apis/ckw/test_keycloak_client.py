"""A Keycloak client library (python-keycloak) against the realm, changed only in its base
URL: discovery, the realm's public key, the code flow through the sign-in and consent pages,
refresh, userinfo, token decoding with the realm's keys, introspection, then data calls with
the token, and logout."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from jwcrypto import jwk
from keycloak import KeycloakOpenID
from keycloak.exceptions import KeycloakPostError

from homecloud.apis.ckw import service
from homecloud.core.database import Database
from homecloud.core.events import InProcessBus
from homecloud.core.unit_of_work import UnitOfWork
from homecloud.core.users import create_user
from homecloud.identity.clients import register_client
from tests.apis.ckw.conftest import PASSWORD, Customer, local_ms
from tests.conftest import LiveServer, run_in_own_loop
from tests.identity.person import field, pkce_pair

REDIRECT = "http://127.0.0.1:9/callback"


def prepare(live: LiveServer) -> tuple[str, str, list[str]]:
    """Ann, a customer with a day of values, and a confidential client of the realm."""
    made: list[object] = []

    async def work() -> None:
        database = Database(live.settings.effective_database_url)
        try:
            async with database.session(write=True) as session:
                user = await create_user(
                    session, "ann@example.com", PASSWORD, username="ann", first_name="Ann"
                )
                issued = await register_client(
                    session,
                    face="ckw",
                    name="Energy app",
                    redirect_uris=[REDIRECT],
                    scope="openid profile email offline_access",
                )
            async with UnitOfWork.begin(database, InProcessBus()) as unit:
                points = await service.provision_customer(
                    unit,
                    user.id,
                    valid_from_ms=local_ms(date(2025, 1, 1)),
                    with_pv=False,
                    seed=None,
                )
            customer = Customer(
                user.id,
                "ann",
                [p.metering_point_id for p in points],
                database,
                {p.metering_point_id: (p.energy_series_id, p.estimated_series_id) for p in points},
            )
            await customer.write(customer.consumption, local_ms(date(2025, 1, 10)), [0.25] * 96)
            made.extend([issued.client.client_id, issued.client_secret, customer.points])
        finally:
            await database.dispose()

    run_in_own_loop(work)
    client_id, secret, points = made
    return str(client_id), str(secret), list(points)  # type: ignore[call-overload]


def sign_in_and_consent(browser: httpx.Client, authorize_url: str) -> str:
    """A person at the pages: signs in as ann, allows; the code sent back to the app."""
    to_login = browser.get(authorize_url)
    assert to_login.status_code == 302, to_login.text
    login = to_login.headers["location"]
    form = browser.get(login)
    signed_in = browser.post(
        urlsplit(login).path,
        data={
            "ReturnUrl": field(form.text, "ReturnUrl"),
            "Username": "ann",
            "Password": PASSWORD,
            "__RequestVerificationToken": field(form.text, "__RequestVerificationToken"),
        },
    )
    assert signed_in.status_code == 302, signed_in.text
    consent = browser.get(signed_in.headers["location"])
    assert consent.status_code == 200, consent.text
    answer = browser.post(
        "/ckw/auth/realms/CKW/login-actions/consent",
        data={
            "ReturnUrl": field(consent.text, "ReturnUrl"),
            "button": "yes",
            "__RequestVerificationToken": field(consent.text, "__RequestVerificationToken"),
        },
    )
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["location"])
    assert back.geturl().startswith(REDIRECT)
    params = parse_qs(back.query)
    assert params["state"] == ["s-1"]
    return params["code"][0]


def test_python_keycloak_walks_the_realm_then_reads_the_data(live_server: LiveServer) -> None:
    client_id, secret, points = prepare(live_server)
    keycloak = KeycloakOpenID(
        server_url=live_server.url + "/ckw/auth/",
        realm_name="CKW",
        client_id=client_id,
        client_secret_key=secret,
    )
    issuer = live_server.url + "/ckw/auth/realms/CKW"
    well_known = keycloak.well_known()
    assert well_known["issuer"] == issuer
    assert well_known["token_endpoint"] == issuer + "/protocol/openid-connect/token"

    verifier, challenge = pkce_pair()
    authorize_url = keycloak.auth_url(
        REDIRECT,
        scope="openid",
        state="s-1",
        nonce="n-1",
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    with httpx.Client(base_url=live_server.url) as browser:
        code = sign_in_and_consent(browser, authorize_url)
    tokens = keycloak.token(
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        code_verifier=verifier,
    )
    assert tokens["token_type"] == "Bearer"
    assert set(tokens["scope"].split()) >= {"openid", "profile", "email"}
    refreshed = keycloak.refresh_token(tokens["refresh_token"])
    access = refreshed["access_token"]
    assert access != tokens["access_token"]

    info = keycloak.userinfo(access)
    assert isinstance(info, dict)
    assert info["preferred_username"] == "ann"
    assert info["email"] == "ann@example.com"

    # Decoded with the realm's JWKS, and with the public key of the realm representation.
    claims = keycloak.decode_token(access)
    assert claims["iss"] == issuer
    assert claims["azp"] == client_id
    pem = (
        "-----BEGIN PUBLIC KEY-----\n" + keycloak.public_key() + "\n-----END PUBLIC KEY-----"
    ).encode()
    assert keycloak.decode_token(access, key=jwk.JWK.from_pem(pem))["sub"] == claims["sub"]
    id_claims = keycloak.decode_token(refreshed["id_token"])
    assert id_claims["aud"] in (client_id, [client_id])
    assert keycloak.introspect(access)["active"] is True

    headers = {"Authorization": f"Bearer {access}"}
    with httpx.Client(base_url=live_server.url + "/ckw") as api:
        core_data = api.get("/api/v1/core-data", headers=headers)
        assert core_data.status_code == 200
        assert (
            core_data.json()["installations"][0]["metering_points"][0]["metering_point_id"]
            == points[0]
        )
        day = api.get(
            "/api/v1/meter-data",
            params={
                "metering_point_id": points[0],
                "start_timestamp": "2025-01-10",
                "end_timestamp": "2025-01-11",
                "resolution": "day",
            },
            headers=headers,
        )
        assert day.status_code == 200, day.text
        assert day.json()["values"][0]["consumption_kwh"] == 24.0
        assert day.json()["values"][0]["status"] == "measured"

    keycloak.logout(refreshed["refresh_token"])
    with pytest.raises(KeycloakPostError) as refused:
        keycloak.refresh_token(refreshed["refresh_token"])
    assert refused.value.response_code == 400
