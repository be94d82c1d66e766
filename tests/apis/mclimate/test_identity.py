"""MClimate's token service: login, renew, the code flow, and the face's error shapes."""

from __future__ import annotations

import asyncio
import html
import json
import re
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from fastapi import FastAPI
from sqlalchemy import func, select

from homecloud.apis.mclimate.identity import mclimate_identity_router
from homecloud.core.ratelimit import RateLimitPolicy
from homecloud.core.users import create_user
from homecloud.identity.clients import register_client
from homecloud.identity.models import Grant, OAuthClient
from homecloud.services import Services
from tests.conftest import LiveServer
from tests.identity.person import allow, sign_in

LOGIN = "/mclimate/v1/auth/login"
RENEW = "/mclimate/v1/auth/renew"
TOKEN = "/mclimate/v1/token"
ME = "/mclimate/v1/users/me"
PUBLIC_PAIR = {"client_id": "mclimate", "client_secret": "mclimate_core"}
REDIRECT = "http://app.example/callback"
HEX40 = re.compile(r"^[0-9a-f]{40}$")
PROBLEM_TYPE = "http://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html"


async def add_user(services: Services, email: str = "ann@example.com") -> None:
    async with services.database.session(write=True) as session:
        await create_user(session, email, "password-1", first_name="Ann", last_name="Lee")


async def add_client(
    services: Services, grants: tuple[str, ...] = ("authorization_code", "refresh_token")
) -> tuple[str, str]:
    async with services.database.session(write=True) as session:
        issued = await register_client(
            session,
            face="mclimate",
            name="Melissa dashboard",
            redirect_uris=[REDIRECT] if "authorization_code" in grants else [],
            grant_types=grants,
        )
    assert issued.client_secret is not None
    return issued.client.client_id, issued.client_secret


async def login(client: httpx.AsyncClient, **fields: str) -> httpx.Response:
    body = {**PUBLIC_PAIR, "username": "ann@example.com", "password": "password-1", **fields}
    return await client.post(LOGIN, data=body)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_auth_error(response: httpx.Response, status: int, error: str, href: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["auth"]["error"] == error
    assert body["auth"]["error_description"]
    assert body["_links"] == {"self": {"href": href}}


# ------------------------------------------------------------------------------------- login


async def test_login_with_home_assistants_form_and_public_pair(
    client: httpx.AsyncClient, services: Services
) -> None:
    await add_user(services)
    # What py-melissa-climate 2.1.4 sends: a form, the hard-coded pair, its odd headers.
    response = await client.post(
        LOGIN,
        data={**PUBLIC_PAIR, "username": "ann@example.com", "password": "password-1"},
        headers={"X-Requested-With": "at.cloudfaces.melissa", "Accept": "application/json"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["auth", "_links"]
    auth = body["auth"]
    assert list(auth) == ["access_token", "expires_in", "token_type", "scope", "refresh_token"]
    assert HEX40.match(auth["access_token"])
    assert HEX40.match(auth["refresh_token"])
    assert auth["expires_in"] == 86400
    assert auth["token_type"] == "Bearer"
    assert auth["scope"] is None
    assert body["_links"] == {"self": {"href": "/v1/auth/login"}}
    assert response.headers["cache-control"] == "no-store"
    me = await client.get(ME, headers=bearer(auth["access_token"]))
    assert me.status_code == 200
    assert me.json()["users"]["username"] == "ann@example.com"


async def test_login_with_json_and_a_developer_client(
    client: httpx.AsyncClient, services: Services
) -> None:
    await add_user(services)
    client_id, secret = await add_client(services, ("password", "refresh_token"))
    response = await client.post(
        LOGIN,
        json={
            "client_id": client_id,
            "client_secret": secret,
            "username": "ann@example.com",
            "password": "password-1",
        },
    )
    assert response.status_code == 200, response.text
    assert HEX40.match(response.json()["auth"]["refresh_token"])


async def test_the_public_pair_is_registered_once_even_under_concurrent_first_logins(
    client: httpx.AsyncClient, services: Services
) -> None:
    await add_user(services)
    first, second = await asyncio.gather(login(client), login(client))
    assert first.status_code == second.status_code == 200
    async with services.database.session() as session:
        count = await session.scalar(
            select(func.count()).select_from(OAuthClient).where(OAuthClient.client_id == "mclimate")
        )
    assert count == 1


async def test_login_refusals_use_the_auth_envelope(
    client: httpx.AsyncClient, services: Services
) -> None:
    await add_user(services)
    wrong_password = await login(client, password="password-2")
    assert_auth_error(wrong_password, 401, "invalid_grant", "/v1/auth/login")
    assert wrong_password.json()["auth"] == {
        "error": "invalid_grant",
        "error_description": "Invalid username and password combination",
    }
    assert_auth_error(
        await login(client, username="bob@example.com"), 401, "invalid_grant", "/v1/auth/login"
    )
    assert_auth_error(
        await login(client, client_id="nobody"), 401, "invalid_client", "/v1/auth/login"
    )
    assert_auth_error(
        await login(client, client_secret="not-the-secret"), 401, "invalid_client", "/v1/auth/login"
    )
    missing = await client.post(LOGIN, data={**PUBLIC_PAIR, "username": "ann@example.com"})
    assert_auth_error(missing, 400, "invalid_request", "/v1/auth/login")
    broken = await client.post(
        LOGIN, content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert_auth_error(broken, 400, "invalid_request", "/v1/auth/login")
    code_only_id, code_only_secret = await add_client(services)
    not_allowed = await login(client, client_id=code_only_id, client_secret=code_only_secret)
    assert_auth_error(not_allowed, 400, "unauthorized_client", "/v1/auth/login")


async def test_login_is_throttled_per_address_and_login(
    client: httpx.AsyncClient, services: Services
) -> None:
    await add_user(services)
    answers = [(await login(client, password="guess")).status_code for _ in range(11)]
    assert answers == [401] * 10 + [429]
    throttled = await login(client)
    assert throttled.status_code == 429
    assert throttled.json()["auth"]["error"] == "too_many_requests"
    assert int(throttled.headers["retry-after"]) > 0
    # Another login name from the same address is counted apart.
    other = await login(client, username="someone@example.com")
    assert other.status_code == 401


# ------------------------------------------------------------------------------------- renew


async def test_renew_keeps_the_refresh_token_valid(
    client: httpx.AsyncClient, services: Services
) -> None:
    await add_user(services)
    first = (await login(client)).json()["auth"]
    renewals = []
    for _ in range(2):  # the same refresh token, twice: the vendor's clients do just that
        response = await client.post(
            RENEW, json={**PUBLIC_PAIR, "refresh_token": first["refresh_token"]}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert list(body["auth"]) == ["access_token", "expires_in", "token_type", "scope"]
        assert body["_links"] == {"self": {"href": "/v1/auth/renew"}}
        renewals.append(body["auth"]["access_token"])
    assert len({first["access_token"], *renewals}) == 3
    for token in (first["access_token"], *renewals):
        assert (await client.get(ME, headers=bearer(token))).status_code == 200
    form = await client.post(RENEW, data={**PUBLIC_PAIR, "refresh_token": first["refresh_token"]})
    assert form.status_code == 200


async def test_renew_refusals_are_400_so_a_renew_on_401_client_cannot_loop(
    client: httpx.AsyncClient, services: Services
) -> None:
    await add_user(services)
    refresh = (await login(client)).json()["auth"]["refresh_token"]
    unknown = await client.post(RENEW, json={**PUBLIC_PAIR, "refresh_token": "0" * 40})
    assert_auth_error(unknown, 400, "invalid_grant", "/v1/auth/renew")
    assert unknown.json()["auth"]["error_description"] == "Invalid refresh token"
    wrong_client = await client.post(
        RENEW, json={"client_id": "mclimate", "client_secret": "x", "refresh_token": refresh}
    )
    assert_auth_error(wrong_client, 400, "invalid_client", "/v1/auth/renew")
    other_id, other_secret = await add_client(services, ("password", "refresh_token"))
    foreign = await client.post(
        RENEW, json={"client_id": other_id, "client_secret": other_secret, "refresh_token": refresh}
    )
    assert_auth_error(foreign, 400, "invalid_grant", "/v1/auth/renew")


async def test_a_refresh_token_rotated_on_the_token_endpoint_is_spent_for_renew_too(
    client: httpx.AsyncClient, services: Services
) -> None:
    await add_user(services)
    first = (await login(client)).json()["auth"]
    rotated = await client.post(
        TOKEN,
        json={
            **PUBLIC_PAIR,
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
        },
    )
    assert rotated.status_code == 200, rotated.text
    newer = rotated.json()["auth"]
    assert rotated.json()["_links"] == {"self": {"href": "/v1/token"}}
    assert HEX40.match(newer["refresh_token"])
    assert newer["refresh_token"] != first["refresh_token"]
    replay = await client.post(RENEW, json={**PUBLIC_PAIR, "refresh_token": first["refresh_token"]})
    assert_auth_error(replay, 400, "invalid_grant", "/v1/auth/renew")
    # The replay revoked the whole family, the rotated descendant included.
    assert (await client.get(ME, headers=bearer(newer["access_token"]))).status_code == 401
    again = await client.post(RENEW, json={**PUBLIC_PAIR, "refresh_token": newer["refresh_token"]})
    assert again.status_code == 400


# ---------------------------------------------------------------------------- the code flow


async def sign_in_and_consent(
    http: httpx.AsyncClient, authorize_url: str, *, approve: bool = True
) -> httpx.URL:
    """A person at the browser: signs in on the face's page, allows the client, and lands on
    the redirect URI; returns that URI."""
    response = await sign_in(http, authorize_url, "ann@example.com", "password-1")
    assert response.status_code == 302, response.text
    page = await http.get(response.headers["location"])
    assert page.status_code == 200, page.text
    form = re.search(r'<form method="post" action="([^"]+)"', page.text)
    assert form is not None
    response = await allow(http, page, html.unescape(form[1]), approve=approve)
    assert response.status_code == 302, response.text
    return httpx.URL(response.headers["location"])


async def test_code_flow_with_json_token_request_and_rotating_refresh(
    client: httpx.AsyncClient, services: Services
) -> None:
    await add_user(services)
    client_id, secret = await add_client(services)
    authorize = client.build_request(
        "GET",
        "/mclimate/auth/",
        params={
            "response_type": "code",
            "client_id": client_id,
            "state": "xyz",
            "redirect_uri": REDIRECT,
        },
    ).url
    landed = await sign_in_and_consent(client, str(authorize))
    assert str(landed).startswith(REDIRECT + "?")
    query = parse_qs(landed.query.decode())
    assert query["state"] == ["xyz"]
    assert query["iss"] == ["http://127.0.0.1:8080/mclimate"]
    exchange = {
        "client_id": client_id,
        "client_secret": secret,
        "grant_type": "authorization_code",
        "code": query["code"][0],
        "redirect_uri": REDIRECT,
    }
    response = await client.post(TOKEN, json=exchange)
    assert response.status_code == 200, response.text
    auth = response.json()["auth"]
    assert list(auth) == ["access_token", "expires_in", "token_type", "scope", "refresh_token"]
    assert (await client.get(ME, headers=bearer(auth["access_token"]))).status_code == 200
    replay = await client.post(TOKEN, json=exchange)
    assert_auth_error(replay, 400, "invalid_grant", "/v1/token")
    bad_client = await client.post(TOKEN, json={**exchange, "client_secret": "nope"})
    assert_auth_error(bad_client, 401, "invalid_client", "/v1/token")
    unsupported = await client.post(TOKEN, json={**exchange, "grant_type": "magic"})
    assert_auth_error(unsupported, 400, "unsupported_grant_type", "/v1/token")


async def test_authorize_without_a_trailing_slash_and_with_a_bad_redirect(
    client: httpx.AsyncClient, services: Services
) -> None:
    client_id, _ = await add_client(services)
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT}
    moved = await client.get("/mclimate/auth", params=params)
    assert moved.status_code == 307
    assert urlsplit(moved.headers["location"]).path == "/mclimate/auth/"
    foreign = await client.get(
        "/mclimate/auth/", params={**params, "redirect_uri": "http://evil.example/cb"}
    )
    assert foreign.status_code == 400
    assert "location" not in foreign.headers
    assert "text/html" in foreign.headers["content-type"]


# --------------------------------------------------------------------- resource-route errors


async def test_resource_route_errors_are_problem_objects(
    client: httpx.AsyncClient, services: Services
) -> None:
    missing = await client.get(ME)
    assert missing.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.headers["www-authenticate"] == "Bearer"
    assert missing.json() == {
        "type": PROBLEM_TYPE,
        "title": "Unauthorized",
        "status": 401,
        "detail": "Authorization header with a Bearer token is missing.",
    }
    unknown = await client.get(ME, headers=bearer("0" * 40))
    assert unknown.status_code == 401
    assert unknown.json()["title"] == "Unauthorized"
    assert unknown.json()["status"] == 401
    nowhere = await client.get("/mclimate/v1/nowhere")
    assert nowhere.status_code == 404
    assert nowhere.json()["type"] == PROBLEM_TYPE
    assert nowhere.json()["title"] == "Not Found"


async def test_an_expired_access_token_is_refused(
    client: httpx.AsyncClient, services: Services
) -> None:
    await add_user(services)
    token = (await login(client)).json()["auth"]["access_token"]
    async with services.database.session(write=True) as session:
        grant = await session.scalar(select(Grant).where(Grant.face == "mclimate"))
        assert grant is not None
        grant.access_expires_at = 0
    expired = await client.get(ME, headers=bearer(token))
    assert expired.status_code == 401
    assert expired.json()["detail"] == "The access token expired."


async def test_users_me_shape(client: httpx.AsyncClient, services: Services) -> None:
    await add_user(services)
    token = (await login(client)).json()["auth"]["access_token"]
    body = (await client.get(ME, headers=bearer(token))).json()
    user = body["users"]
    assert user["username"] == "ann@example.com"
    assert (user["firstname"], user["lastname"]) == ("Ann", "Lee")
    assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$", user["created"])
    assert body["_links"]["self"] == {"href": "/v1/users"}


# ------------------------------------------------------------------ a real OAuth client library


def unwrap_auth(response: requests.Response) -> requests.Response:
    """The compliance hook a client of this API needs: the token sits under ``auth``."""
    response._content = json.dumps(response.json()["auth"]).encode()
    return response


def oauth_session(client_id: str, secret: str, **options: Any) -> OAuth2Session:
    """Authlib's client (its requests flavour: the httpx one now wants httpx2). Its calls
    block, which is fine: the live server runs in a thread of its own."""
    session = OAuth2Session(
        client_id=client_id,
        client_secret=secret,
        token_endpoint_auth_method="client_secret_post",
        **options,
    )
    session.register_compliance_hook("access_token_response", unwrap_auth)
    session.register_compliance_hook("refresh_token_response", unwrap_auth)
    return session


async def test_authlib_client_logs_in_renews_and_runs_the_code_flow(
    live_server: LiveServer,
) -> None:
    base = live_server.url
    services = Services.from_settings(live_server.settings)
    try:
        await add_user(services)
        client_id, secret = await add_client(services)
    finally:
        await services.close()

    with oauth_session("mclimate", "mclimate_core") as oauth:
        token = oauth.fetch_token(base + LOGIN, username="ann@example.com", password="password-1")
        assert HEX40.match(token["access_token"])
        assert oauth.get(base + ME, timeout=10).status_code == 200
        refresh = token["refresh_token"]
        renewed = oauth.refresh_token(base + RENEW, refresh_token=refresh)
        # No new refresh token: the client keeps the one it has, which stays valid.
        assert renewed["refresh_token"] == refresh
        assert renewed["access_token"] != token["access_token"]
        assert oauth.get(base + ME, timeout=10).status_code == 200

    verifier = secrets.token_urlsafe(48)
    with oauth_session(
        client_id, secret, redirect_uri=REDIRECT, code_challenge_method="S256"
    ) as oauth:
        url, state = oauth.create_authorization_url(
            base + "/mclimate/auth/", code_verifier=verifier
        )
        async with httpx.AsyncClient(base_url=base) as browser:
            landed = await sign_in_and_consent(browser, url)
        token = oauth.fetch_token(
            base + TOKEN, authorization_response=str(landed), code_verifier=verifier, state=state
        )
        assert oauth.get(base + ME, timeout=10).status_code == 200
        first_refresh = token["refresh_token"]
        rotated = oauth.refresh_token(base + TOKEN, refresh_token=first_refresh)
        assert rotated["refresh_token"] != first_refresh
        assert oauth.get(base + ME, timeout=10).status_code == 200


@pytest.mark.parametrize("path", [LOGIN, RENEW, TOKEN])
async def test_auth_endpoints_answer_only_post(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 405
    assert response.json()["status"] == 405


async def test_token_requests_are_limited_per_client_id(services: Services) -> None:
    # A face app of its own, with a tiny per-client policy: three token requests a minute.
    app = FastAPI()
    app.include_router(
        mclimate_identity_router(services, client_limit=RateLimitPolicy.parse("test", "3/1m"))
    )
    await add_user(services)
    client_id, secret = await add_client(services)
    pair = {"client_id": client_id, "client_secret": secret}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        spent = [
            await http.post("/v1/token", data={**pair, "grant_type": "refresh_token"}),
            await http.post("/v1/auth/renew", data={**pair, "refresh_token": "x" * 40}),
            await http.post("/v1/auth/login", data={**pair, "username": "a", "password": "b"}),
        ]
        assert [response.status_code for response in spent] == [400, 400, 400]
        blocked = await http.post("/v1/auth/renew", data={**pair, "refresh_token": "x" * 40})
        assert_auth_error(blocked, 429, "too_many_requests", "/v1/auth/renew")
        assert 0 < int(blocked.headers["retry-after"]) <= 60
        assert blocked.headers["cache-control"] == "no-store"
        # The same client named in a Basic header is the same client.
        basic = await http.post(
            "/v1/token", data={"grant_type": "refresh_token"}, auth=(client_id, secret)
        )
        assert_auth_error(basic, 429, "too_many_requests", "/v1/token")
        # Another client id has its own budget.
        other = await http.post(
            "/v1/auth/login",
            data={**PUBLIC_PAIR, "username": "ann@example.com", "password": "password-1"},
        )
        assert other.status_code == 200, other.text
