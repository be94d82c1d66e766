"""Who may read a customer's data: the client API's realm JWT (signature, issuer, audience,
expiry, revocation), the backend API's app credentials (only for the user they are bound to),
and nobody else's data ever."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import update

from homecloud.core.models import User
from homecloud.identity.clients import register_client
from homecloud.identity.models import Grant
from homecloud.services import Services
from tests.apis.ckw.conftest import (
    CORE_DATA,
    METER_DATA,
    REALM,
    TOKEN,
    Customer,
    CustomerMaker,
    TokenMaker,
    bearer,
    code_flow_tokens,
)
from tests.identity.person import NUHEAT, machine_token, register_machine_app

GOOD = {"start_timestamp": "2025-01-10", "end_timestamp": "2025-01-11"}


@pytest.fixture
async def customer(make_user: CustomerMaker) -> Customer:
    return await make_user()


def detail(response: httpx.Response) -> str:
    text: str = response.json()["detail"]
    return text


def claims_like(core: Services, customer: Customer, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": "http://testserver" + REALM,
        "sub": str(customer.user_id),
        "aud": ["account"],
        "azp": "app",
        "typ": "Bearer",
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
        "scope": "openid",
    }
    claims["iss"] = core.identity.issuer(_ckw())
    claims.update(changes)
    return claims


def _ckw() -> Any:
    from homecloud.apis.ckw import ISSUER as CKW

    return CKW


def forged(core: Services, claims: dict[str, Any], key: RSAKey | None = None) -> str:
    """A token signed with the realm's own key (or ``key``), never issued by it."""
    if key is None:
        return core.identity.keys.sign(claims)
    return jwt.encode({"alg": "RS256", "kid": key.kid or "other"}, claims, key)


async def test_a_realm_token_reads_the_data(
    face: httpx.AsyncClient, customer: Customer, token_for: TokenMaker
) -> None:
    response = await face.get(CORE_DATA, headers=bearer(await token_for(customer)))
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"iss": "https://idp.ckw.ch/auth/realms/CKW"}, "another issuer"),
        ({"iss": "http://testserver/nuheat/identity"}, "another issuer"),
        ({"aud": ["openapi"]}, "another audience"),
        ({"exp": int(time.time()) - 10}, "expired"),
        ({"nbf": int(time.time()) + 600}, "not valid yet"),
        ({}, "not known"),  # right in every claim, but never issued: no grant
    ],
)
async def test_a_token_with_wrong_claims_is_refused(
    face: httpx.AsyncClient,
    core: Services,
    customer: Customer,
    changes: dict[str, Any],
    words: str,
) -> None:
    token = forged(core, claims_like(core, customer, **changes))
    response = await face.get(CORE_DATA, headers=bearer(token))
    assert response.status_code == 401
    assert words in detail(response)


async def test_a_token_signed_with_another_realms_key_is_refused(
    face: httpx.AsyncClient, core: Services, customer: Customer
) -> None:
    realm_kid = core.identity.keys.active().kid
    claims = claims_like(core, customer)
    stranger = RSAKey.generate_key(2048, parameters={"kid": "someone-elses"})
    impostor = RSAKey.generate_key(2048, parameters={"kid": realm_kid})
    for key in (stranger, impostor):
        response = await face.get(CORE_DATA, headers=bearer(forged(core, claims, key)))
        assert response.status_code == 401
        assert "invalid" in detail(response)


async def test_an_expired_and_a_revoked_token_are_refused(
    face: httpx.AsyncClient, core: Services, customer: Customer
) -> None:
    async with core.database.session(write=True) as session:
        issued = await register_client(
            session,
            face="ckw",
            name="Energy app",
            redirect_uris=["https://app.example/callback"],
            grant_types=["authorization_code", "refresh_token"],
            scope="openid profile email offline_access",
        )
    client = (issued.client.client_id, issued.client_secret or "")
    first = await code_flow_tokens(
        face, core.database, customer.login, client_id=client[0], client_secret=client[1]
    )
    second = await code_flow_tokens(
        face, core.database, customer.login, client_id=client[0], client_secret=client[1]
    )
    for tokens in (first, second):
        ok = await face.get(CORE_DATA, headers=bearer(tokens["access_token"]))
        assert ok.status_code == 200
    revoked = await face.post(
        REALM + "/protocol/openid-connect/revoke",
        data={"token": first["access_token"]},
        auth=client,
    )
    assert revoked.status_code == 200
    response = await face.get(CORE_DATA, headers=bearer(first["access_token"]))
    assert response.status_code == 401
    assert "revoked" in detail(response)
    # The store says the second has expired (its JWT alone would still pass).
    async with core.database.session(write=True) as session:
        await session.execute(
            update(Grant).where(Grant.user_id == customer.user_id).values(access_expires_at=1)
        )
    response = await face.get(CORE_DATA, headers=bearer(second["access_token"]))
    assert response.status_code == 401
    assert "expired" in detail(response)


async def test_a_disabled_account_is_refused(
    face: httpx.AsyncClient, core: Services, customer: Customer, token_for: TokenMaker
) -> None:
    token = await token_for(customer)
    async with core.database.session(write=True) as session:
        await session.execute(
            update(User).where(User.id == customer.user_id).values(is_active=False)
        )
    response = await face.get(CORE_DATA, headers=bearer(token))
    assert response.status_code == 401


async def test_a_token_of_another_face_is_refused(
    face: httpx.AsyncClient, core: Services, customer: Customer
) -> None:
    nuheat_app = await register_machine_app(
        core.database, "nuheat", "openapi", owner_id=customer.user_id
    )
    token = await machine_token(face, NUHEAT.token, nuheat_app)
    response = await face.get(CORE_DATA, headers=bearer(token))
    assert response.status_code == 401


# ------------------------------------------------------------------------ backend API


async def backend_client(core: Services, owner_id: int | None = None) -> tuple[str, str]:
    async with core.database.session(write=True) as session:
        issued = await register_client(
            session,
            face="ckw",
            name="Energy dashboard backend",
            redirect_uris=["https://app.example/callback"],
            grant_types=["authorization_code", "client_credentials"],
            scope="openid profile email",
            owner_id=owner_id,
        )
    assert issued.client_secret is not None
    return issued.client.client_id, issued.client_secret


async def app_token(face: httpx.AsyncClient, client: tuple[str, str]) -> str:
    response = await face.post(TOKEN, data={"grant_type": "client_credentials"}, auth=client)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


async def test_app_credentials_bound_by_an_operator_act_for_their_owner_only(
    face: httpx.AsyncClient, core: Services, make_user: CustomerMaker
) -> None:
    ann, bob = await make_user(), await make_user()
    client = await backend_client(core, owner_id=ann.user_id)
    token = await app_token(face, client)
    core_data = await face.get(CORE_DATA, headers=bearer(token))
    assert core_data.status_code == 200
    points = [
        p["metering_point_id"]
        for i in core_data.json()["installations"]
        for p in i["metering_points"]
    ]
    assert points == ann.points
    own = await face.get(
        METER_DATA, params={"metering_point_id": ann.consumption, **GOOD}, headers=bearer(token)
    )
    assert own.status_code == 200
    others = await face.get(
        METER_DATA, params={"metering_point_id": bob.consumption, **GOOD}, headers=bearer(token)
    )
    assert others.status_code == 404
    # The same credentials in MuleSoft's headers, and as Basic, act for the same owner.
    for headers in (
        {"client_id": client[0], "client_secret": client[1]},
        {"Authorization": httpx.BasicAuth(*client)._auth_header},
    ):
        response = await face.get(CORE_DATA, headers=headers)
        assert response.status_code == 200, response.text
        assert response.json() == core_data.json()
    wrong = await face.get(CORE_DATA, headers={"client_id": client[0], "client_secret": "no"})
    assert wrong.status_code == 401


async def test_app_credentials_act_for_the_one_user_who_authorized_them(
    face: httpx.AsyncClient, core: Services, make_user: CustomerMaker
) -> None:
    ann, bob = await make_user(), await make_user()
    client = await backend_client(core)
    token = await app_token(face, client)
    unbound = await face.get(CORE_DATA, headers=bearer(token))
    assert unbound.status_code == 403
    assert "not bound" in detail(unbound)
    # Ann authorizes the backend on the consent page (the code flow of its web front end).
    await code_flow_tokens(
        face, core.database, ann.login, client_id=client[0], client_secret=client[1]
    )
    bound = await face.get(CORE_DATA, headers=bearer(token))
    assert bound.status_code == 200
    assert bound.json()["customer_number"] == f"{ann.user_id:010d}"
    others = await face.get(
        METER_DATA, params={"metering_point_id": bob.consumption, **GOOD}, headers=bearer(token)
    )
    assert others.status_code == 404
    # Once Bob authorizes it too, the credentials no longer name one user: refused.
    await code_flow_tokens(
        face, core.database, bob.login, client_id=client[0], client_secret=client[1]
    )
    ambiguous = await face.get(CORE_DATA, headers=bearer(token))
    assert ambiguous.status_code == 403
    # Header credentials need an operator's binding.
    headers = await face.get(
        CORE_DATA, headers={"client_id": client[0], "client_secret": client[1]}
    )
    assert headers.status_code == 401


async def test_users_never_see_each_others_data(
    face: httpx.AsyncClient, make_user: CustomerMaker, token_for: TokenMaker
) -> None:
    ann, bob = await make_user(with_pv=True), await make_user(with_pv=True)
    ann_token, bob_token = await token_for(ann), await token_for(bob)
    for token, others in ((ann_token, bob), (bob_token, ann)):
        for point in others.points:
            response = await face.get(
                METER_DATA, params={"metering_point_id": point, **GOOD}, headers=bearer(token)
            )
            assert response.status_code == 404
        response = await face.get(
            METER_DATA,
            params={"installation_id": f"41{others.user_id:07d}0", **GOOD},
            headers=bearer(token),
        )
        assert response.status_code == 404
