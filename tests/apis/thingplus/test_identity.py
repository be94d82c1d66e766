"""Thing+'s OAuth2 service: the guide's walk, authClients, tokens and their errors."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import time
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import OctKey
from sqlalchemy import update

from homecloud.core.users import create_user
from homecloud.identity.clients import register_client
from homecloud.identity.models import AuthorizationCode
from homecloud.services import Services
from tests.conftest import LiveServer
from tests.identity.person import allow, submit_sign_in

TOKEN = "/thingplus/v2/oauth2/token"
AUTHORIZE = "/thingplus/v2/oauth2/authorize"
CLIENTS = "/thingplus/v2/authClients"
ME = "/thingplus/v2/users/me"
REDIRECT = "http://app.example/oauth"
PASSWORD = "password-1"
MD5 = hashlib.md5(PASSWORD.encode()).hexdigest()
DAY = 86400

# The guide's example client.
SEED_CLIENT = {
    "name": "Test Client for Daliworks",
    "reqId": "testClientId",
    "clientSecret": "testClientPwd12!@",
    "scopes": ["gateway", "site-read"],
}


async def add_user(services: Services, email: str, username: str | None = None) -> int:
    async with services.database.session(write=True) as session:
        user = await create_user(
            session, email, PASSWORD, username=username, first_name="Seo", timezone="Asia/Seoul"
        )
        return user.id


async def sign_in(face: httpx.AsyncClient, login: str) -> None:
    """Signs in on the face's sign-in page, as the guide's user does in the portal."""
    page = await face.get("/thingplus/login", params={"ReturnUrl": CLIENTS})
    assert page.status_code == 200
    response = await submit_sign_in(face, page, login, PASSWORD)
    assert response.status_code == 302, response.text
    assert response.headers["location"] == CLIENTS


async def password_token(
    face: httpx.AsyncClient, client_id: str, secret: str, login: str, **extra: str
) -> httpx.Response:
    return await face.post(
        TOKEN,
        json={
            "grant_type": "password",
            "client_id": client_id,
            "client_secret": secret,
            "username": login,
            "password": MD5,
            **extra,
        },
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


def header_of(token: str) -> dict[str, Any]:
    head = token.split(".")[0]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    return decoded


async def token_user(
    face: httpx.AsyncClient,
    services: Services,
    email: str,
    *,
    scopes: list[str] | None = None,
    req_id: str | None = None,
    redirect_uri: str | None = None,
) -> tuple[str, str]:
    """A user with an authClient of their own and a password-grant token through it."""
    await add_user(services, email)
    req_id = req_id or f"client-{secrets.token_hex(4)}"
    body: dict[str, Any] = {
        "name": "Mine",
        "reqId": req_id,
        "clientSecret": "chosen-secret",
        "scopes": scopes or ["user-profile-read", "gateway"],
    }
    if redirect_uri:
        body["redirectUri"] = redirect_uri
    async with httpx.AsyncClient(transport=face._transport, base_url=face.base_url) as browser:
        await sign_in(browser, email)
        created = await browser.post(CLIENTS, json=body)
    assert created.status_code == 201, created.text
    response = await password_token(face, req_id, "chosen-secret", email)
    assert response.status_code == 200, response.text
    return req_id, response.json()["access_token"]


# ----------------------------------------------------------------------------- the guide's walk


async def test_the_guides_walk_portal_session_then_md5_password_grant(
    face: httpx.AsyncClient, services: Services
) -> None:
    user_id = await add_user(services, "admin@example.com", username="serviceadmin")
    await sign_in(face, "serviceadmin")
    created = await face.post(CLIENTS, json=SEED_CLIENT)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["statusCode"] == 201
    assert body["message"] == "Created"
    data = body["data"]
    assert list(data) == ["name", "clientSecret", "scopes", "_user", "mtime", "ctime", "id"]
    assert data["name"] == SEED_CLIENT["name"]
    assert data["clientSecret"] == SEED_CLIENT["clientSecret"]
    assert data["scopes"] == ["gateway", "site-read"]
    assert data["_user"] == str(user_id)
    assert isinstance(data["mtime"], int)
    assert data["mtime"] == data["ctime"]
    assert data["id"] == "testClientId"

    token = await face.post(
        TOKEN,
        json={
            "grant_type": "password",
            "client_id": "testClientId",
            "client_secret": "testClientPwd12!@",
            "username": "serviceadmin",
            "password": MD5,
        },
    )
    assert token.status_code == 200, token.text
    assert token.json()["token_type"] == "Bearer"
    assert list(token.json()) == ["access_token", "token_type"]
    access = token.json()["access_token"]
    assert header_of(access) == {"alg": "HS256", "typ": "JWT"}
    claims = claims_of(access)
    assert claims["userId"] == str(user_id)
    assert claims["clientId"] == "testClientId"
    assert claims["exp"] - claims["iat"] == 90 * DAY
    # The guide's client has no user-profile scope: the token works, the scope check says no.
    refused = await face.get(ME, headers=bearer(access))
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["code"] == "ACL_DENY"
    assert refused.json()["errors"][0]["category"] == "AUTHORIZATION_ERROR"


async def test_password_grant_by_form_and_the_user_shape(
    face: httpx.AsyncClient, services: Services
) -> None:
    await token_user(face, services, "kim@example.com", req_id="kims")
    response = await face.post(
        TOKEN,
        data={
            "grant_type": "password",
            "client_id": "kims",
            "client_secret": "chosen-secret",
            "username": "kim@example.com",
            "password": MD5,
        },
    )
    assert response.status_code == 200, response.text
    me = await face.get(ME, headers=bearer(response.json()["access_token"]))
    assert me.status_code == 200, me.text
    assert me.json()["statusCode"] == 200
    assert me.json()["message"] == "OK"
    user = me.json()["data"]
    assert user["loginId"] == "kim@example.com"
    assert user["email"] == "kim@example.com"
    assert user["timezone"] == "+9.00"
    assert user["id"] == claims_of(response.json()["access_token"])["userId"]
    assert isinstance(user["ctime"], str)
    assert user["roles"][-1] == f"user:{user['id']}"
    assert user["nickname"] == "Seo"


async def test_two_tokens_in_the_same_second_are_distinct(
    face: httpx.AsyncClient, services: Services
) -> None:
    req_id, first = await token_user(face, services, "kim@example.com")
    second = (await password_token(face, req_id, "chosen-secret", "kim@example.com")).json()
    assert second["access_token"] != first
    for token in (first, second["access_token"]):
        assert (await face.get(ME, headers=bearer(token))).status_code == 200


# ------------------------------------------------------------------------- token endpoint errors


def assert_token_error(
    response: httpx.Response, status: int, code: str, message: str, *, uri: bool = False
) -> None:
    assert response.status_code == status, response.text
    expected: dict[str, Any] = {"name": "TokenError", "message": message, "code": code}
    if uri:
        expected["uri"] = None
    expected["status"] = status
    assert response.json() == expected
    assert list(response.json()) == list(expected)


async def test_the_plain_password_is_refused_only_its_md5_works(
    face: httpx.AsyncClient, services: Services
) -> None:
    req_id, _ = await token_user(face, services, "kim@example.com")
    plain = await password_token(
        face, req_id, "chosen-secret", "kim@example.com", password=PASSWORD
    )
    assert_token_error(
        plain,
        401,
        "incorrect_user_credentials",
        "The username and/or password are incorrect",
        uri=True,
    )
    wrong = await password_token(
        face, req_id, "chosen-secret", "kim@example.com", password=hashlib.md5(b"x").hexdigest()
    )
    assert wrong.status_code == 401
    nobody = await password_token(face, req_id, "chosen-secret", "nobody@example.com")
    assert nobody.status_code == 401


async def test_client_credential_errors(face: httpx.AsyncClient, services: Services) -> None:
    req_id, _ = await token_user(face, services, "kim@example.com")
    message = "The client_id and/or client_secret are incorrect"
    wrong_secret = await password_token(face, req_id, "not-it", "kim@example.com")
    assert_token_error(wrong_secret, 401, "incorrect_client_credentials", message)
    unknown = await password_token(face, "nobody", "x", "kim@example.com")
    assert_token_error(unknown, 401, "incorrect_client_credentials", message)


async def test_grant_type_errors(face: httpx.AsyncClient) -> None:
    refresh = await face.post(TOKEN, json={"grant_type": "refresh_token"})
    assert_token_error(
        refresh, 501, "unsupported_grant_type", "Unsupported grant type: refresh_token"
    )
    missing = await face.post(TOKEN, data={"client_id": "x"})
    assert_token_error(missing, 501, "unsupported_grant_type", "Unsupported grant type: undefined")
    broken = await face.post(TOKEN, content=b"[1, 2", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400
    assert broken.json()["name"] == "TokenError"


async def test_missing_parameters_are_named(face: httpx.AsyncClient, services: Services) -> None:
    req_id, _ = await token_user(face, services, "kim@example.com")
    response = await face.post(
        TOKEN,
        json={"grant_type": "password", "client_id": req_id, "client_secret": "chosen-secret"},
    )
    assert_token_error(response, 400, "invalid_request", "Missing required parameter: username")


async def test_another_users_client_is_refused_with_unauthorized_user(
    face: httpx.AsyncClient, services: Services
) -> None:
    req_id, _ = await token_user(face, services, "kim@example.com")
    await add_user(services, "lee@example.com")
    response = await password_token(face, req_id, "chosen-secret", "lee@example.com")
    assert_token_error(response, 403, "unauthorized_user", "The user is unauthorized", uri=True)


async def test_an_operator_registered_client_serves_every_user(
    face: httpx.AsyncClient, services: Services
) -> None:
    await add_user(services, "kim@example.com")
    async with services.database.session(write=True) as session:
        issued = await register_client(
            session, face="thingplus", name="Operator's", grant_types=["password"], scope="tag"
        )
    assert issued.client_secret is not None
    response = await password_token(
        face, issued.client.client_id, issued.client_secret, "kim@example.com"
    )
    assert response.status_code == 200, response.text


async def test_password_grant_is_throttled(face: httpx.AsyncClient, services: Services) -> None:
    # The sign-in page and the first grant already counted against the same allowance.
    req_id, _ = await token_user(face, services, "kim@example.com")
    statuses = [
        (
            await password_token(face, req_id, "chosen-secret", "kim@example.com", password="x")
        ).status_code
        for _ in range(10)
    ]
    assert statuses == [401] * 8 + [429] * 2
    throttled = await password_token(face, req_id, "chosen-secret", "kim@example.com")
    assert throttled.status_code == 429
    assert throttled.json()["name"] == "TokenError"
    assert "retry-after" in throttled.headers


# ------------------------------------------------------------------------------ the code flow


async def authorize_url(**params: str) -> str:
    return str(httpx.URL(AUTHORIZE, params=params))


async def sign_in_and_decide(
    face: httpx.AsyncClient, url: str, login: str, *, approve: bool = True
) -> httpx.URL:
    page = await face.get(url)
    if page.status_code == 302:  # not signed in yet
        page = await face.get(page.headers["location"])
        response = await submit_sign_in(face, page, login, PASSWORD)
        assert response.status_code == 302, response.text
        page = await face.get(response.headers["location"])
    assert page.status_code == 200, page.text
    form = re.search(r'<form method="post" action="([^"]+)"', page.text)
    assert form is not None
    assert form[1] == "/thingplus/v2/oauth2/authorize/decision"
    response = await allow(face, page, approve=approve)
    assert response.status_code == 302, response.text
    return httpx.URL(response.headers["location"])


async def code_for(
    face: httpx.AsyncClient, services: Services, email: str
) -> tuple[str, str, httpx.AsyncClient]:
    req_id, _ = await token_user(face, services, email, redirect_uri=REDIRECT)
    browser = httpx.AsyncClient(transport=face._transport, base_url=face.base_url)
    landed = await sign_in_and_decide(
        browser,
        await authorize_url(client_id=req_id, response_type="code", redirect_uri=REDIRECT),
        email,
    )
    assert str(landed).startswith(REDIRECT + "?")
    return req_id, parse_qs(landed.query.decode())["code"][0], browser


async def test_code_flow_through_the_decision_step(
    face: httpx.AsyncClient, services: Services
) -> None:
    req_id, code, browser = await code_for(face, services, "kim@example.com")
    await browser.aclose()
    exchange = {
        "code": code,
        "grant_type": "authorization_code",
        "redirect_uri": REDIRECT,
        "client_id": req_id,
        "client_secret": "chosen-secret",
    }
    response = await face.post(TOKEN, data=exchange)
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    claims = claims_of(token)
    assert claims["exp"] - claims["iat"] == 15 * DAY
    assert claims["clientId"] == req_id
    # No scope was asked for: the token carries the client's registered scopes.
    assert (await face.get(ME, headers=bearer(token))).status_code == 200
    replay = await face.post(TOKEN, json=exchange)
    assert_token_error(replay, 400, "invalid_code", "Authorization Code is invalid")


async def test_code_errors(face: httpx.AsyncClient, services: Services) -> None:
    req_id, code, browser = await code_for(face, services, "kim@example.com")
    exchange = {
        "code": code,
        "grant_type": "authorization_code",
        "redirect_uri": REDIRECT,
        "client_id": req_id,
        "client_secret": "chosen-secret",
    }
    mismatch = await face.post(TOKEN, json={**exchange, "redirect_uri": "http://app.example/x"})
    assert_token_error(mismatch, 400, "redirect_uri_mismatch", "Mismatched redirect_uri")
    unknown = await face.post(TOKEN, json={**exchange, "code": "made-up"})
    assert_token_error(unknown, 400, "invalid_code", "Authorization Code is invalid")
    missing = await face.post(TOKEN, json={**exchange, "code": ""})
    assert missing.status_code == 400
    async with services.database.session(write=True) as session:
        await session.execute(update(AuthorizationCode).values(expires_at=0))
    expired = await face.post(TOKEN, json=exchange)
    assert_token_error(expired, 403, "expired_code", "Authorization code is expired")
    # A denial goes back to the client as the vendor documents it.
    denied = await sign_in_and_decide(
        browser,
        await authorize_url(client_id=req_id, response_type="code", redirect_uri=REDIRECT),
        "kim@example.com",
        approve=False,
    )
    await browser.aclose()
    assert parse_qs(denied.query.decode())["error"] == ["access_denied"]


def assert_authorization_error(
    response: httpx.Response, status: int, code: str, message: str
) -> None:
    assert response.status_code == status, response.text
    assert "location" not in response.headers
    assert response.json() == {
        "name": "AuthorizationError",
        "message": message,
        "code": code,
        "status": status,
    }


async def test_authorize_errors_are_never_redirected(
    face: httpx.AsyncClient, services: Services
) -> None:
    req_id, _ = await token_user(face, services, "kim@example.com", redirect_uri=REDIRECT)
    ok = {"client_id": req_id, "response_type": "code", "redirect_uri": REDIRECT}

    async def attempt(**params: str | None) -> httpx.Response:
        query = {k: v for k, v in {**ok, **params}.items() if v is not None}
        return await face.get(AUTHORIZE, params=query)

    assert_authorization_error(
        await attempt(response_type=None),
        400,
        "invalid_request",
        "Missing required parameter: response_type",
    )
    assert_authorization_error(
        await attempt(response_type="code2"),
        501,
        "unsupported_response_type",
        "Unsupported response type: code2",
    )
    assert_authorization_error(
        await attempt(client_id=None),
        400,
        "invalid_request",
        "Missing required parameter: client_id",
    )
    assert_authorization_error(
        await attempt(client_id="nobody"),
        401,
        "incorrect_client_credentials",
        "The client_id is incorrect",
    )
    assert_authorization_error(
        await attempt(redirect_uri=None),
        400,
        "invalid_request",
        "Missing required parameter: redirect_uri",
    )
    assert_authorization_error(
        await attempt(redirect_uri="http://evil.example/oauth"),
        400,
        "redirect_uri_mismatch",
        "Mismatched redirect_uri",
    )
    # A client made without a redirect URI has no code flow at all.
    no_code_id, _ = await token_user(face, services, "lee@example.com")
    assert_authorization_error(
        await attempt(client_id=no_code_id),
        401,
        "incorrect_client_credentials",
        "The client_id is incorrect",
    )


# -------------------------------------------------------------------------------- authClients


def assert_envelope_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["statusCode"] == status
    assert body["message"] == httpx.codes.get_reason_phrase(status)
    (error,) = body["errors"]
    assert error["code"] == code
    assert error["statusCode"] == status
    assert error["message"]
    assert error["category"]
    detail: dict[str, Any] = error
    return detail


@pytest.mark.parametrize("path", [CLIENTS, "/thingplus/v2/oauth2/authClients"])
async def test_auth_clients_lifecycle_with_a_token(
    face: httpx.AsyncClient, services: Services, path: str
) -> None:
    _, token = await token_user(face, services, "kim@example.com", scopes=["gateway", "tag"])
    created = await face.post(
        path,
        json={"name": "Second", "reqId": "second", "clientSecret": "s3cret", "scopes": ["tag"]},
        headers=bearer(token),
    )
    assert created.status_code == 201, created.text
    listed = await face.get(path, headers=bearer(token))
    assert listed.status_code == 200
    assert listed.json()["statusCode"] == 200
    records = listed.json()["data"]
    assert [record["id"] for record in records][-1] == "second"
    assert all("clientSecret" not in record for record in records)
    one = await face.get(f"{path}/second", headers=bearer(token))
    assert one.status_code == 200
    assert one.json()["data"]["scopes"] == ["tag"]
    assert isinstance(one.json()["data"]["ctime"], str)
    second_token = (await password_token(face, "second", "s3cret", "kim@example.com")).json()
    deleted = await face.delete(f"{path}/second", headers=bearer(token))
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert (await face.get(f"{path}/second", headers=bearer(token))).status_code == 404
    # The deleted client's tokens stop working with it.
    gone = await face.get("/thingplus/v2/authClients", headers=bearer(second_token["access_token"]))
    assert gone.status_code == 403
    assert gone.json() == {"name": "JsonWebTokenError", "message": "invalid token"}


async def test_auth_clients_are_isolated_between_users(
    face: httpx.AsyncClient, services: Services
) -> None:
    kims, kim_token = await token_user(face, services, "kim@example.com")
    lees, lee_token = await token_user(face, services, "lee@example.com")
    kim_list = (await face.get(CLIENTS, headers=bearer(kim_token))).json()["data"]
    assert [record["id"] for record in kim_list] == [kims]
    for method in ("GET", "DELETE"):
        foreign = await face.request(method, f"{CLIENTS}/{lees}", headers=bearer(kim_token))
        assert_envelope_error(foreign, 403, "ACCESSGROUP_DENY")
        missing = await face.request(method, f"{CLIENTS}/nothing", headers=bearer(kim_token))
        assert_envelope_error(missing, 404, "NOT_FOUND")
    still = await face.get(f"{CLIENTS}/{lees}", headers=bearer(lee_token))
    assert still.status_code == 200


async def test_auth_client_validation(face: httpx.AsyncClient, services: Services) -> None:
    kims, token = await token_user(face, services, "kim@example.com")
    good = {"name": "N", "reqId": "new-one", "clientSecret": "s", "scopes": ["gateway"]}

    async def create(body: Any) -> httpx.Response:
        return await face.post(CLIENTS, json=body, headers=bearer(token))

    duplicate = await create({**good, "reqId": kims})
    assert_envelope_error(duplicate, 409, "CONFLICT")
    unknown_key = assert_envelope_error(
        await create({**good, "test": "test"}), 400, "SCHEMA_VALIDATE"
    )
    assert unknown_key["category"] == "REQUEST_ERROR"
    assert unknown_key["message"] == "should NOT have additional properties"
    assert unknown_key["detail"]["params"] == {"additionalProperty": "test"}
    no_req_id = {key: value for key, value in good.items() if key != "reqId"}
    required = assert_envelope_error(await create(no_req_id), 400, "SCHEMA_VALIDATE")
    assert required["message"] == "should have required property 'reqId'"
    for body in (
        {**good, "name": 123},
        {**good, "reqId": "has space"},
        {**good, "scopes": "gateway"},
        {**good, "scopes": ["everything"]},
        {**good, "clientSecret": ""},
        {**good, "redirectUri": "not a uri"},
        ["not", "an", "object"],
    ):
        assert_envelope_error(await create(body), 400, "SCHEMA_VALIDATE")
    # A token cannot make a client with more rights than it has itself.
    wider = await create({**good, "scopes": ["billing-read"]})
    assert_envelope_error(wider, 403, "ACL_DENY")
    assert (await create(good)).status_code == 201


async def test_auth_clients_need_a_user(face: httpx.AsyncClient, services: Services) -> None:
    nobody = await face.post(CLIENTS, json=SEED_CLIENT)
    assert nobody.status_code == 401
    assert nobody.json() == "Access denied"
    assert (await face.get(CLIENTS)).json() == "Access denied"
    # With a portal session, a body that is not declared JSON is no body at all (as Express
    # reads it), so a cross-site form post creates nothing.
    await add_user(services, "kim@example.com")
    await sign_in(face, "kim@example.com")
    form = await face.post(
        CLIENTS, content=json.dumps(SEED_CLIENT), headers={"Content-Type": "text/plain"}
    )
    assert_envelope_error(form, 400, "SCHEMA_VALIDATE")
    listed = await face.get(CLIENTS)
    assert listed.json()["data"] == []


# ------------------------------------------------------------------------ bearer-token errors


async def test_resource_route_token_errors(face: httpx.AsyncClient, services: Services) -> None:
    _, token = await token_user(face, services, "kim@example.com")
    key = services.identity.keys.active("thingplus", "HS256")
    now = int(time.time())

    def jsonwebtoken_error(response: httpx.Response, message: str) -> None:
        assert response.status_code == 403, response.text
        assert response.json() == {"name": "JsonWebTokenError", "message": message}

    missing = await face.get(ME)
    assert missing.status_code == 401
    assert missing.json() == "Access denied"
    jsonwebtoken_error(await face.get(ME, headers=bearer("garbage")), "jwt malformed")
    claims = claims_of(token)
    unsigned = (
        base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
        + "."
        + token.split(".")[1]
        + "."
    )
    jsonwebtoken_error(await face.get(ME, headers=bearer(unsigned)), "jwt signature is required")
    forged = jwt.encode({"alg": "HS256", "typ": "JWT"}, claims, OctKey.generate_key(256))
    jsonwebtoken_error(await face.get(ME, headers=bearer(forged)), "invalid signature")
    other_alg = services.identity.keys.sign(claims)  # the OIDC faces' RS256 key
    jsonwebtoken_error(await face.get(ME, headers=bearer(other_alg)), "invalid algorithm")
    # Signed with the right key but never issued (or revoked): the store does not know it.
    unknown = jwt.encode({"alg": "HS256", "typ": "JWT"}, {**claims, "jti": "x"}, key.key)
    jsonwebtoken_error(await face.get(ME, headers=bearer(unknown)), "invalid token")
    expired = jwt.encode(
        {"alg": "HS256", "typ": "JWT"},
        {**claims, "iat": now - 100, "exp": 1433931034},
        key.key,
    )
    response = await face.get(ME, headers=bearer(expired))
    assert response.status_code == 403
    assert response.json() == {
        "name": "TokenExpiredError",
        "message": "jwt expired",
        "expiredAt": "2015-06-10T10:10:34.000Z",
    }


async def test_framework_errors_use_the_envelope(face: httpx.AsyncClient) -> None:
    nowhere = await face.get("/thingplus/v2/nowhere")
    assert_envelope_error(nowhere, 404, "NOT_FOUND")


# ------------------------------------------------------------------ a real OAuth client library


async def test_authlib_client_password_and_code_flows(live_server: LiveServer) -> None:
    """Authlib's client (requests flavour; its calls block, the server has its own thread)."""
    base = live_server.url
    services = Services.from_settings(live_server.settings)
    try:
        await add_user(services, "kim@example.com")
    finally:
        await services.close()
    async with httpx.AsyncClient(base_url=base) as browser:
        await sign_in(browser, "kim@example.com")
        created = await browser.post(
            CLIENTS,
            json={
                "name": "Library",
                "reqId": "library",
                "clientSecret": "library-secret",
                "scopes": ["user-profile-read"],
                "redirectUri": REDIRECT,
            },
        )
        assert created.status_code == 201, created.text

    with OAuth2Session(
        client_id="library",
        client_secret="library-secret",
        token_endpoint_auth_method="client_secret_post",
    ) as oauth:
        token = oauth.fetch_token(base + TOKEN, username="kim@example.com", password=MD5)
        assert token["token_type"] == "Bearer"
        me = oauth.get(base + ME, timeout=10)
        assert me.status_code == 200, me.text
        assert me.json()["data"]["email"] == "kim@example.com"

    verifier = secrets.token_urlsafe(48)
    with OAuth2Session(
        client_id="library",
        client_secret="library-secret",
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_post",
    ) as oauth:
        url, state = oauth.create_authorization_url(base + AUTHORIZE, code_verifier=verifier)
        async with httpx.AsyncClient(base_url=base) as browser:
            landed = await sign_in_and_decide(browser, url, "kim@example.com")
        token = oauth.fetch_token(
            base + TOKEN, authorization_response=str(landed), code_verifier=verifier, state=state
        )
        claims = claims_of(token["access_token"])
        assert claims["exp"] - claims["iat"] == 15 * DAY
        assert oauth.get(base + ME, timeout=10).status_code == 200
