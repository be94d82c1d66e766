"""What resource routes get from ``IdentityProvider.authenticate`` and ``authenticate_app``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import astuple

import httpx
import pytest
from fastapi import FastAPI, Request
from sqlalchemy import update

from homecloud.apis import ckw
from homecloud.app import create_app
from homecloud.core.errors import ApiError
from homecloud.core.models import now_ms
from homecloud.core.users import create_user
from homecloud.identity.models import Grant
from homecloud.services import Services
from homecloud.settings import Settings
from tests.identity.person import CKW, NUHEAT, MachineApp, machine_token, register_machine_app


@pytest.fixture
async def http(settings: Settings, services: Services) -> AsyncIterator[httpx.AsyncClient]:
    """The app, plus a probe resource route that reports what authenticate() returns."""
    probe = FastAPI()

    @probe.get("/whoami")
    async def whoami(request: Request, scope: str = "") -> dict[str, object]:
        try:
            principal = await services.identity.authenticate(ckw.ISSUER, request, scope.split())
        except ApiError as error:
            return {"status": error.status, "code": error.code, "headers": dict(error.headers)}
        return {
            "user": principal.user_id,
            "client": principal.client_id,
            "scopes": sorted(principal.scopes),
        }

    @probe.get("/backend")
    async def backend(request: Request) -> dict[str, object]:
        try:
            principal = await services.identity.authenticate_app("ckw", request)
        except ApiError as error:
            return {"status": error.status, "code": error.code}
        return {"user": principal.user_id, "client": principal.client_id}

    app = FastAPI()
    app.mount("/probe", probe)
    app.mount("/", create_app(settings, services))  # type: ignore[arg-type]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        yield client


async def backend(services: Services, owner_id: int | None = None) -> MachineApp:
    return await register_machine_app(services.database, "ckw", "openid profile", owner_id=owner_id)


async def test_a_valid_token_names_client_and_scopes(
    http: httpx.AsyncClient, services: Services
) -> None:
    app = await backend(services)
    token = await machine_token(http, CKW.token, app, "profile")
    answer = (await http.get("/probe/whoami", headers={"Authorization": f"Bearer {token}"})).json()
    assert answer == {"user": None, "client": app.client_id, "scopes": ["profile"]}


async def test_missing_token_is_401_with_a_bearer_challenge(http: httpx.AsyncClient) -> None:
    answer = (await http.get("/probe/whoami")).json()
    assert answer["status"] == 401
    assert answer["code"] == "missing_token"
    assert answer["headers"]["WWW-Authenticate"] == "Bearer"


async def test_missing_scope_is_403(http: httpx.AsyncClient, services: Services) -> None:
    token = await machine_token(http, CKW.token, await backend(services), "profile")
    answer = (
        await http.get(
            "/probe/whoami", params={"scope": "email"}, headers={"Authorization": f"Bearer {token}"}
        )
    ).json()
    assert answer["status"] == 403
    assert answer["code"] == "insufficient_scope"


async def test_revoked_and_expired_tokens_are_401(
    http: httpx.AsyncClient, services: Services
) -> None:
    app = await backend(services)
    revoked = await machine_token(http, CKW.token, app, "profile")
    expired = await machine_token(http, CKW.token, app, "profile")
    revocation = await http.post(
        ckw.ISSUER.issuer_path + ckw.ISSUER.provider.revocation,
        data={"token": revoked},
        auth=(app.client_id, app.client_secret),
    )
    assert revocation.status_code == 200
    async with services.database.session(write=True) as session:
        from homecloud.identity.secrets import digest

        await session.execute(
            update(Grant)
            .where(Grant.access_key == digest(expired))
            .values(access_expires_at=now_ms() - 1)
        )
    for token, code in (
        (revoked, "invalid_token"),
        (expired, "token_expired"),
        ("garbage", "invalid_token"),
    ):
        answer = (
            await http.get("/probe/whoami", headers={"Authorization": f"Bearer {token}"})
        ).json()
        assert answer["status"] == 401
        assert answer["code"] == code


async def test_a_token_of_another_face_is_refused(
    http: httpx.AsyncClient, services: Services
) -> None:
    nuheat_app = await register_machine_app(services.database, "nuheat", "openapi")
    nuheat_token = await machine_token(http, NUHEAT.token, nuheat_app, "openapi")
    answer = (
        await http.get("/probe/whoami", headers={"Authorization": f"Bearer {nuheat_token}"})
    ).json()
    assert answer["status"] == 401


async def test_app_credentials_act_for_their_owner(
    http: httpx.AsyncClient, services: Services
) -> None:
    async with services.database.session(write=True) as session:
        owner = await create_user(session, "owner@example.com", "password-1")
    client_id, secret = astuple(await backend(services, owner_id=owner.id))
    by_headers = (
        await http.get("/probe/backend", headers={"client_id": client_id, "client_secret": secret})
    ).json()
    by_basic = (await http.get("/probe/backend", auth=(client_id, secret))).json()
    assert by_headers == by_basic == {"user": owner.id, "client": client_id}
    wrong = (
        await http.get("/probe/backend", headers={"client_id": client_id, "client_secret": "nope"})
    ).json()
    assert wrong == {"status": 401, "code": "invalid_token"}
    missing = (await http.get("/probe/backend")).json()
    assert missing == {"status": 401, "code": "missing_token"}


async def test_app_credentials_without_an_owner_are_refused(
    http: httpx.AsyncClient, services: Services
) -> None:
    app = await backend(services)
    answer = (await http.get("/probe/backend", auth=(app.client_id, app.client_secret))).json()
    assert answer == {"status": 401, "code": "invalid_token"}
