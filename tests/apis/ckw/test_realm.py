"""The realm, closer to Keycloak: the realm representation, discovery that names only what is
served, userinfo with Keycloak's default client scopes, the account service, and the seed's
literal walk with the demo's "PKCE optional" client."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_der_public_key
from joserfc import jwt
from joserfc.jwk import RSAKey

from homecloud.apis.ckw import ISSUER as CKW
from homecloud.apis.ckw.demo import SEED_CLIENT_ID, ensure_seed_client
from homecloud.services import Services
from tests.apis.ckw.conftest import (
    CORE_DATA,
    PASSWORD,
    REALM,
    Customer,
    CustomerMaker,
    TokenMaker,
    bearer,
    code_flow_tokens,
)
from tests.identity.person import allow, sign_in


async def test_the_realm_representation(face: httpx.AsyncClient, core: Services) -> None:
    response = await face.get(REALM)
    assert response.status_code == 200
    realm = response.json()
    issuer = core.identity.issuer(CKW)
    assert realm["realm"] == "CKW"
    assert realm["token-service"] == issuer + "/protocol/openid-connect"
    assert realm["account-service"] == issuer + "/account"
    assert realm["tokens-not-before"] == 0
    # The public key is the realm's signing key: base64 DER, as Keycloak publishes it.
    key = load_der_public_key(base64.b64decode(realm["public_key"]))
    assert isinstance(key, RSAPublicKey)
    active = core.identity.keys.active().key
    assert isinstance(active, RSAKey)
    published = RSAKey.import_key(
        "-----BEGIN PUBLIC KEY-----\n" + realm["public_key"] + "\n-----END PUBLIC KEY-----\n"
    )
    assert published.as_dict(private=False)["n"] == active.as_dict(private=False)["n"]


async def test_discovery_names_only_what_is_served(
    face: httpx.AsyncClient, make_user: CustomerMaker, token_for: TokenMaker
) -> None:
    discovery = (await face.get(REALM + "/.well-known/openid-configuration")).json()
    assert "check_session_iframe" not in discovery
    token = await token_for(await make_user())
    for name, value in discovery.items():
        if not (name.endswith("_endpoint") or name in ("jwks_uri", "issuer")):
            continue
        path = urlsplit(value).path
        answer = await face.get(path, headers=bearer(token))
        assert answer.status_code != 404, (name, value)


async def test_userinfo_with_openid_alone_gives_profile_and_email(
    face: httpx.AsyncClient, make_user: CustomerMaker, core: Services
) -> None:
    customer = await make_user()
    tokens = await code_flow_tokens(face, core.database, customer.login, "openid")
    assert set(tokens["scope"].split()) == {"openid", "profile", "email"}
    info = await face.get(
        REALM + "/protocol/openid-connect/userinfo", headers=bearer(tokens["access_token"])
    )
    assert info.status_code == 200
    claims = info.json()
    assert claims["sub"] == str(customer.user_id)
    assert claims["preferred_username"] == customer.login
    assert claims["email"] == f"{customer.login}@example.com"
    assert claims["email_verified"] is True
    assert {"name", "given_name", "family_name"} <= set(claims)


async def test_the_account_service(
    face: httpx.AsyncClient, make_user: CustomerMaker, token_for: TokenMaker
) -> None:
    customer = await make_user()
    account = await face.get(REALM + "/account", headers=bearer(await token_for(customer)))
    assert account.status_code == 200
    assert account.json()["username"] == customer.login
    assert account.json()["email"] == f"{customer.login}@example.com"
    assert (await face.get(REALM + "/account")).status_code == 401


async def test_the_seeds_literal_walk(
    face: httpx.AsyncClient, core: Services, make_user: CustomerMaker
) -> None:
    """As the seed writes it: the login URL with client_id, redirect_uri, state,
    response_mode, response_type=code, scope=openid and nonce; the token request with code,
    grant_type, ``client`` and redirect_uri (no secret, no verifier); the refresh with
    refresh_token, grant_type and ``client``; then the data."""
    customer: Customer = await make_user()
    await ensure_seed_client(core.database, "http://testserver")
    redirect_uri = "http://127.0.0.1:8765/callback"
    login_url = (
        REALM
        + "/protocol/openid-connect/auth?"
        + urlencode(
            {
                "client_id": SEED_CLIENT_ID,
                "redirect_uri": redirect_uri,
                "state": "xyz",
                "response_mode": "query",
                "response_type": "code",
                "scope": "openid",
                "nonce": "n-1",
            }
        )
    )
    signed_in = await sign_in(face, login_url, customer.login, PASSWORD)
    assert signed_in.status_code == 302, signed_in.text
    consent = await face.get(signed_in.headers["location"])
    if consent.status_code == 200:
        consent = await allow(face, consent, REALM + "/login-actions/consent")
    assert consent.status_code == 302, consent.text
    back = urlsplit(consent.headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == redirect_uri
    params = parse_qs(back.query)
    assert params["state"] == ["xyz"]
    token = await face.post(
        REALM + "/protocol/openid-connect/token",
        data={
            "code": params["code"][0],
            "grant_type": "authorization_code",
            "client": SEED_CLIENT_ID,
            "redirect_uri": redirect_uri,
        },
    )
    assert token.status_code == 200, token.text
    tokens = token.json()
    assert tokens["token_type"] == "Bearer"
    assert tokens["refresh_expires_in"] > 0
    id_claims = jwt.decode(
        tokens["id_token"],
        RSAKey.import_key(
            (await face.get(REALM + "/protocol/openid-connect/certs")).json()["keys"][0]
        ),
    ).claims
    assert id_claims["nonce"] == "n-1"
    refreshed = await face.post(
        REALM + "/protocol/openid-connect/token",
        data={
            "refresh_token": tokens["refresh_token"],
            "grant_type": "refresh_token",
            "client": SEED_CLIENT_ID,
        },
    )
    assert refreshed.status_code == 200, refreshed.text
    data = await face.get(CORE_DATA, headers=bearer(refreshed.json()["access_token"]))
    assert data.status_code == 200
    assert data.json()["customer_number"] == f"{customer.user_id:010d}"
    # The password grant stays off, as the seed says.
    password = await face.post(
        REALM + "/protocol/openid-connect/token",
        data={
            "grant_type": "password",
            "client": SEED_CLIENT_ID,
            "username": customer.login,
            "password": PASSWORD,
        },
    )
    assert password.status_code == 400
