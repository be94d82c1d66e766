"""smart-me authentication: Basic (account and card token), ApiKey and OAuth2 on a resource
route (``GET /api/User``), card-token creation, the token, revocation and introspection
endpoints, and real OAuth clients against a live server."""

from __future__ import annotations

import asyncio
import base64
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from requests.auth import HTTPBasicAuth
from starlette.requests import Request

from homecloud.apis.smartme import ISSUER
from homecloud.apis.smartme import auth as smartme_auth
from homecloud.apis.smartme.auth import SmartMeAuth, scope_refusal
from homecloud.app import create_app
from homecloud.core.database import Database
from homecloud.core.errors import ApiError
from homecloud.core.users import create_user, get_user, set_password
from homecloud.identity.clients import register_client
from homecloud.identity.credentials import (
    ApiKey,
    CardAccessToken,
    CredentialError,
    create_api_key,
    issue_card_token,
    list_credentials,
    remove_credential,
)
from homecloud.identity.guard import Guard
from homecloud.services import Services
from homecloud.settings import Settings
from tests.conftest import LiveServer
from tests.identity.person import (
    NUHEAT,
    MachineApp,
    allow,
    machine_token,
    pkce_pair,
    register_machine_app,
    sign_in,
)

DENIED = {"Message": "Authorization has been denied for this request."}
BASIC_CHALLENGE = 'Basic realm="smart-me"'
ALL_SCOPES = "user.read device.read device.readwrite device.readswitch"
REDIRECT_URI = "http://app.example/signin-smartme"
TOKEN = "/smartme/oauth/token"


@dataclass
class Account:
    id: int
    username: str
    email: str
    password: str


@pytest.fixture
async def ann(services: Services) -> Account:
    return await make_account(services.database, "ann", "ann@example.com", "ann-password-1")


@pytest.fixture
async def bob(services: Services) -> Account:
    return await make_account(services.database, "bob", "bob@example.com", "bob-password-1")


async def make_account(database: Database, username: str, email: str, password: str) -> Account:
    async with database.session(write=True) as session:
        user = await create_user(session, email, password, username=username)
    return Account(user.id, username, email, password)


def basic(login: str, password: str) -> dict[str, str]:
    encoded = base64.b64encode(f"{login}:{password}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


def user_body(account: Account) -> dict[str, Any]:
    return {
        "Id": account.id,
        "IdAsString": str(account.id),
        "Username": account.username,
        "Email": account.email,
        "IsAdmin": False,
        "Permissions": [],
        "ChildUsers": [],
    }


def assert_denied(response: httpx.Response, challenge: str = BASIC_CHALLENGE) -> None:
    assert response.status_code == 401
    assert response.json() == DENIED
    assert response.headers["www-authenticate"] == challenge
    assert response.headers["content-type"] == "application/json; charset=utf-8"


# ------------------------------------------------------------------------------ Basic account


async def test_basic_with_user_name_or_email_reads_the_user(
    client: httpx.AsyncClient, ann: Account
) -> None:
    for login in ("ann", "ann@example.com", "ANN@Example.com"):
        response = await client.get("/smartme/api/User", headers=basic(login, ann.password))
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        assert response.json() == user_body(ann)


async def test_routes_ignore_case_trailing_slash_and_the_api_prefix(
    client: httpx.AsyncClient, ann: Account
) -> None:
    for path in (
        "/smartme/api/user",
        "/smartme/API/USER",
        "/smartme/api/User/",
        "/smartme/User",
        "/smartme/user/",
    ):
        response = await client.get(path, headers=basic("ann", ann.password))
        assert response.status_code == 200, path
        assert response.json()["Id"] == ann.id


async def test_missing_or_bad_basic_credentials_are_denied_with_a_challenge(
    client: httpx.AsyncClient, ann: Account
) -> None:
    assert_denied(await client.get("/smartme/api/User"))
    for authorization in (
        "Basic " + base64.b64encode(b"ann:wrong-password").decode(),
        "Basic " + base64.b64encode(b"nobody@example.com:ann-password-1").decode(),
        "Basic " + base64.b64encode(b"ann").decode(),  # no colon
        "Basic " + base64.b64encode(b":ann-password-1").decode(),  # no login
        "Basic not*base64",
        "Basic",
        "Digest username=ann",
        "ApiKey",
    ):
        response = await client.get("/smartme/api/User", headers={"Authorization": authorization})
        assert_denied(response)


async def test_basic_failures_are_limited_per_login(
    client: httpx.AsyncClient, ann: Account, bob: Account
) -> None:
    for _ in range(10):
        assert_denied(await client.get("/smartme/User", headers=basic("ann", "wrong-password")))
    # Once the window is full even the right password waits, so guessing cannot go on; the
    # count is the account's, so its e-mail alias, in any case and padded, waits too.
    blocked = await client.get("/smartme/User", headers=basic(" ANN@Example.com ", ann.password))
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["retry-after"]) <= 60
    assert blocked.json()["Message"].startswith("Too many failed sign-ins")
    # Other logins are not affected.
    assert (
        await client.get("/smartme/User", headers=basic("bob", bob.password))
    ).status_code == 200


async def test_successful_basic_logins_are_not_limited(
    client: httpx.AsyncClient, ann: Account
) -> None:
    for _ in range(15):
        response = await client.get("/smartme/User", headers=basic("ann", ann.password))
        assert response.status_code == 200


async def test_a_checked_password_is_remembered_until_it_changes(
    client: httpx.AsyncClient,
    services: Services,
    ann: Account,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    checks = 0
    real_authenticate = smartme_auth.authenticate

    async def counting(*args: Any) -> Any:
        nonlocal checks
        checks += 1
        return await real_authenticate(*args)

    monkeypatch.setattr(smartme_auth, "authenticate", counting)
    for _ in range(3):
        response = await client.get("/smartme/User", headers=basic("ann", ann.password))
        assert response.status_code == 200
    assert checks == 1
    async with services.database.session(write=True) as session:
        user = await get_user(session, ann.id)
        assert user is not None
        await set_password(session, user, "ann-password-2")
    assert_denied(await client.get("/smartme/User", headers=basic("ann", ann.password)))
    new = await client.get("/smartme/User", headers=basic("ann", "ann-password-2"))
    assert new.status_code == 200


async def test_a_disabled_account_is_denied(
    client: httpx.AsyncClient, services: Services, ann: Account
) -> None:
    assert (
        await client.get("/smartme/User", headers=basic("ann", ann.password))
    ).status_code == 200
    async with services.database.session(write=True) as session:
        user = await get_user(session, ann.id)
        assert user is not None
        user.is_active = False
    assert_denied(await client.get("/smartme/User", headers=basic("ann", ann.password)))


# ----------------------------------------------------------------------- card access tokens


async def put_card_token(
    client: httpx.AsyncClient, headers: dict[str, str], **body: Any
) -> httpx.Response:
    return await client.put("/smartme/api/AccessToken", json=body, headers=headers)


async def test_card_token_is_created_and_authenticates(
    client: httpx.AsyncClient, ann: Account
) -> None:
    response = await put_card_token(client, basic("ann", ann.password), CardId=123456)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    token = response.json()
    assert isinstance(token, str)
    assert re.fullmatch(r"[0-9a-f]{32}", token)
    user = await client.get("/smartme/api/User", headers=basic("cardaccesstoken_123456", token))
    assert user.status_code == 200
    assert user.json() == user_body(ann)
    # The seed's own spelling of the header works the same way.
    encoded = base64.b64encode(f"cardaccesstoken_123456:{token}".encode()).decode()
    same = await client.get("/smartme/User", headers={"Authorization": f"Basic {encoded}"})
    assert same.json()["Id"] == ann.id


async def test_card_token_request_body_binds_like_aspnet(
    client: httpx.AsyncClient, ann: Account
) -> None:
    headers = basic("ann", ann.password)
    lower = await client.put("/smartme/AccessToken", json={"cardId": "77"}, headers=headers)
    assert lower.status_code == 200
    form = await client.put(
        "/smartme/api/accesstoken", data={"CardId": "78", "UserId": str(ann.id)}, headers=headers
    )
    assert form.status_code == 200
    for card, token in ((77, lower.json()), (78, form.json())):
        user = await client.get("/smartme/User", headers=basic(f"cardaccesstoken_{card}", token))
        assert user.status_code == 200


async def test_making_a_card_token_again_replaces_the_old_one(
    client: httpx.AsyncClient, ann: Account
) -> None:
    headers = basic("ann", ann.password)
    first = (await put_card_token(client, headers, CardId=5)).json()
    second = (await put_card_token(client, headers, CardId=5)).json()
    assert first != second
    assert_denied(await client.get("/smartme/User", headers=basic("cardaccesstoken_5", first)))
    ok = await client.get("/smartme/User", headers=basic("cardaccesstoken_5", second))
    assert ok.status_code == 200


async def test_card_token_bad_bodies_are_400(client: httpx.AsyncClient, ann: Account) -> None:
    required = "The request is invalid: CardId is required."
    out_of_range = (
        "The request is invalid: CardId must be a whole number from 0 to 9223372036854775807."
    )
    for body, message in (
        ({}, required),
        ({"CardId": None}, required),
        ({"CardId": -1}, out_of_range),
        ({"CardId": "12a"}, out_of_range),
        ({"CardId": 2**63}, out_of_range),
        ({"CardId": True}, out_of_range),
        ({"CardId": 1.5}, out_of_range),
    ):
        response = await put_card_token(client, basic("ann", ann.password), **body)
        assert response.status_code == 400, body
        assert response.json() == {"Message": message}


async def test_card_token_body_must_be_a_json_object_or_form(
    client: httpx.AsyncClient, ann: Account
) -> None:
    headers = basic("ann", ann.password)
    broken = await client.put(
        "/smartme/api/AccessToken",
        content=b"{not json",
        headers={**headers, "Content-Type": "application/json"},
    )
    assert broken.status_code == 400
    assert broken.json() == {"Message": "The request is invalid: the body is not valid JSON."}
    listed = await client.put("/smartme/api/AccessToken", json=[1], headers=headers)
    assert listed.status_code == 400
    xml = await client.put(
        "/smartme/api/AccessToken",
        content=b"<AccessTokenToPut><CardId>1</CardId></AccessTokenToPut>",
        headers={**headers, "Content-Type": "application/xml"},
    )
    assert xml.status_code == 415
    assert xml.json() == {
        "Message": "The request entity's media type 'application/xml' is not supported for"
        " this resource."
    }


async def test_card_token_needs_credentials(client: httpx.AsyncClient) -> None:
    assert_denied(await client.put("/smartme/api/AccessToken", json={"CardId": 1}))


async def test_card_token_for_another_user_is_forbidden(
    client: httpx.AsyncClient, ann: Account, bob: Account
) -> None:
    response = await put_card_token(client, basic("bob", bob.password), CardId=9, UserId=ann.id)
    assert response.status_code == 403
    assert response.json() == {
        "Message": "Card access tokens can only be created for your own account."
    }
    own = await put_card_token(client, basic("bob", bob.password), CardId=9, UserId=bob.id)
    assert own.status_code == 200


async def test_a_card_cannot_make_card_tokens(client: httpx.AsyncClient, ann: Account) -> None:
    token = (await put_card_token(client, basic("ann", ann.password), CardId=1)).json()
    response = await put_card_token(client, basic("cardaccesstoken_1", token), CardId=2)
    assert response.status_code == 403
    assert response.json() == {"Message": "A card access token cannot create card access tokens."}


async def test_a_card_token_only_works_with_its_card(
    client: httpx.AsyncClient, ann: Account
) -> None:
    token = (await put_card_token(client, basic("ann", ann.password), CardId=1)).json()
    for login in ("cardaccesstoken_2", "cardaccesstoken_", "cardaccesstoken_x1", "ann"):
        assert_denied(await client.get("/smartme/User", headers=basic(login, token)))
    too_long = "cardaccesstoken_" + "9" * 20
    assert_denied(await client.get("/smartme/User", headers=basic(too_long, token)))


async def test_card_login_prefix_is_case_insensitive(
    client: httpx.AsyncClient, ann: Account
) -> None:
    token = (await put_card_token(client, basic("ann", ann.password), CardId=31)).json()
    response = await client.get("/smartme/User", headers=basic("CardAccessToken_31", token))
    assert response.status_code == 200


async def test_card_tokens_of_two_users_for_one_card_stay_apart(
    client: httpx.AsyncClient, ann: Account, bob: Account
) -> None:
    ann_token = (await put_card_token(client, basic("ann", ann.password), CardId=42)).json()
    bob_token = (await put_card_token(client, basic("bob", bob.password), CardId=42)).json()
    as_ann = await client.get("/smartme/User", headers=basic("cardaccesstoken_42", ann_token))
    as_bob = await client.get("/smartme/User", headers=basic("cardaccesstoken_42", bob_token))
    assert as_ann.json() == user_body(ann)
    assert as_bob.json() == user_body(bob)


def request_with(authorization: str) -> Request:
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": "/",
            "query_string": b"",
            "headers": [(b"authorization", authorization.encode())],
        }
    )


async def test_a_card_reads_and_switches_but_cannot_change_devices(
    services: Services, ann: Account
) -> None:
    async with services.database.session(write=True) as session:
        token = await issue_card_token(session, face="smartme", user_id=ann.id, card_id=8)
    auth = SmartMeAuth(services.identity, services.database, services.rate_limiter)
    card = basic("cardaccesstoken_8", token)["Authorization"]
    # The face's guard, over this instance of the face's authentication.
    checked = Guard(auth.principal, refuse_scope=scope_refusal)
    principal = await checked.caller(request_with(card), ["device.read", "device.readswitch"])
    assert principal.user_id == ann.id
    assert principal.claims == {"auth": "card", "card_id": 8}
    with pytest.raises(ApiError) as refused:
        await checked.caller(request_with(card), ["device.readwrite"])
    assert refused.value.status == 403
    assert refused.value.messages == [
        "These credentials do not grant the permission device.readwrite."
    ]


async def test_card_tokens_are_listed_and_removed(services: Services, ann: Account) -> None:
    async with services.database.session(write=True) as session:
        await issue_card_token(session, face="smartme", user_id=ann.id, card_id=3)
        await issue_card_token(session, face="smartme", user_id=ann.id, card_id=1)
        tokens = await list_credentials(session, CardAccessToken, face="smartme", user_id=ann.id)
        assert [token.card_id for token in tokens] == [1, 3]
        await remove_credential(session, tokens[0])
        assert [
            token.card_id
            for token in await list_credentials(
                session, CardAccessToken, face="smartme", user_id=ann.id
            )
        ] == [3]
        with pytest.raises(CredentialError):
            await issue_card_token(session, face="smartme", user_id=ann.id, card_id=-5)


# ------------------------------------------------------------------------------------ API keys


async def test_api_key_reads_the_user(
    client: httpx.AsyncClient, services: Services, ann: Account
) -> None:
    async with services.database.session(write=True) as session:
        issued = await create_api_key(
            session, issuer=ISSUER, user_id=ann.id, name="script", scopes=["user.read"]
        )
    assert re.fullmatch(r"[A-Za-z0-9]{32}", issued.key)
    assert issued.api_key.key_hash != issued.key
    response = await client.get(
        "/smartme/api/User", headers={"Authorization": f"ApiKey {issued.key}"}
    )
    assert response.status_code == 200
    assert response.json() == user_body(ann)
    lower_scheme = await client.get(
        "/smartme/User", headers={"Authorization": f"apikey {issued.key}"}
    )
    assert lower_scheme.status_code == 200


async def test_unknown_api_key_is_denied(client: httpx.AsyncClient, ann: Account) -> None:
    response = await client.get("/smartme/User", headers={"Authorization": "ApiKey " + "x" * 32})
    assert_denied(response)


async def test_api_key_without_the_scope_is_forbidden(
    client: httpx.AsyncClient, services: Services, ann: Account
) -> None:
    async with services.database.session(write=True) as session:
        issued = await create_api_key(
            session, issuer=ISSUER, user_id=ann.id, name="meters", scopes=["device.read"]
        )
    response = await client.get("/smartme/User", headers={"Authorization": f"ApiKey {issued.key}"})
    assert response.status_code == 403
    assert response.json() == {
        "Message": "These credentials do not grant the permission user.read."
    }
    assert "www-authenticate" not in response.headers


async def test_api_keys_of_one_user_never_read_another(
    client: httpx.AsyncClient, services: Services, ann: Account, bob: Account
) -> None:
    async with services.database.session(write=True) as session:
        ann_key = await create_api_key(
            session, issuer=ISSUER, user_id=ann.id, name="a", scopes=["user.read"]
        )
        bob_key = await create_api_key(
            session, issuer=ISSUER, user_id=bob.id, name="b", scopes=["user.read"]
        )
    for issued, account in ((ann_key, ann), (bob_key, bob)):
        response = await client.get(
            "/smartme/User", headers={"Authorization": f"ApiKey {issued.key}"}
        )
        assert response.json() == user_body(account)


async def test_api_keys_are_listed_removed_and_validated(
    client: httpx.AsyncClient, services: Services, ann: Account
) -> None:
    async with services.database.session(write=True) as session:
        issued = await create_api_key(
            session,
            issuer=ISSUER,
            user_id=ann.id,
            name=" home ",
            scopes=["user.read", "user.read"],
        )
        keys = await list_credentials(session, ApiKey, face="smartme", user_id=ann.id)
        assert [(key.name, key.scope) for key in keys] == [("home", "user.read")]
        assert await list_credentials(session, ApiKey, face="nuheat", user_id=ann.id) == []
        await remove_credential(session, keys[0])
        for name, scopes in (("x", ["openid"]), ("x", []), (" ", ["user.read"])):
            with pytest.raises(CredentialError):
                await create_api_key(
                    session, issuer=ISSUER, user_id=ann.id, name=name, scopes=scopes
                )
    response = await client.get("/smartme/User", headers={"Authorization": f"ApiKey {issued.key}"})
    assert_denied(response)


# --------------------------------------------------------------------------------------- OAuth


async def sign_in_and_consent(
    http: httpx.AsyncClient, authorize_url: str, login: str, password: str
) -> str:
    """Drives the browser part of the code flow; returns the redirect back to the client."""
    response = await sign_in(http, authorize_url, login, password)
    assert urlsplit(str(response.request.url)).path == "/smartme/api/oauth/login"
    assert response.status_code == 302, response.text
    consent = await http.get(response.headers["location"])
    assert consent.status_code == 200, consent.text
    response = await allow(http, consent, "/smartme/api/oauth/consent")
    assert response.status_code == 302, response.text
    return str(response.headers["location"])


@dataclass
class App:
    client_id: str
    client_secret: str | None


@pytest.fixture
async def web_app(services: Services) -> App:
    async with services.database.session(write=True) as session:
        issued = await register_client(
            session,
            face="smartme",
            name="Energy dashboard",
            redirect_uris=[REDIRECT_URI],
            grant_types=["authorization_code", "refresh_token"],
            scope=ALL_SCOPES,
        )
    return App(issued.client.client_id, issued.client_secret)


async def register_device_app(
    database: Database, owner: int | None, scope: str = "user.read device.read"
) -> MachineApp:
    return await register_machine_app(database, "smartme", scope, owner_id=owner, name="gateway")


async def code_flow(
    http: httpx.AsyncClient, app: App, account: Account, scope: str | None = ALL_SCOPES
) -> dict[str, Any]:
    verifier, challenge = pkce_pair()
    params = httpx.QueryParams(
        response_type="code",
        client_id=app.client_id,
        redirect_uri=REDIRECT_URI,
        state="s-1",
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    if scope is not None:
        params = params.set("scope", scope)
    back = await sign_in_and_consent(
        http, f"/smartme/api/oauth/authorize?{params}", account.username, account.password
    )
    query = parse_qs(urlsplit(back).query)
    assert back.startswith(REDIRECT_URI + "?")
    assert query["state"] == ["s-1"]
    assert query["iss"] == [f"{http_base(http)}/smartme"]
    response = await http.post(
        "/smartme/api/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
            "client_id": app.client_id,
            "client_secret": app.client_secret or "",
        },
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    token: dict[str, Any] = response.json()
    return token


def http_base(http: httpx.AsyncClient) -> str:
    return str(http.base_url).rstrip("/")


@pytest.fixture
async def configured_client(services: Services, client: httpx.AsyncClient) -> httpx.AsyncClient:
    """The in-process client, its base URL matching the issuer the settings name."""
    client.base_url = httpx.URL(services.settings.base_url)
    return client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_code_flow_with_pkce_reads_the_user(
    configured_client: httpx.AsyncClient, web_app: App, ann: Account
) -> None:
    token = await code_flow(configured_client, web_app, ann)
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 3600
    assert token["scope"] == ALL_SCOPES
    assert token["refresh_token"]
    response = await configured_client.get(
        "/smartme/api/User", headers=bearer(token["access_token"])
    )
    assert response.status_code == 200
    assert response.json() == user_body(ann)


async def test_refresh_tokens_rotate_and_reuse_revokes_the_family(
    configured_client: httpx.AsyncClient, web_app: App, ann: Account
) -> None:
    http = configured_client
    first = await code_flow(http, web_app, ann)
    refresh = {
        "grant_type": "refresh_token",
        "refresh_token": first["refresh_token"],
    }
    # The new host's path, with the .NET example's body credentials.
    response = await http.post(
        "/smartme/oauth/token",
        data={**refresh, "client_id": web_app.client_id, "client_secret": web_app.client_secret},
    )
    assert response.status_code == 200
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (
        await http.get("/smartme/User", headers=bearer(second["access_token"]))
    ).status_code == 200
    # Presenting the spent refresh token again revokes everything issued from it.
    reuse = await http.post(
        "/smartme/oauth/token", data=refresh, auth=(web_app.client_id, web_app.client_secret or "")
    )
    assert reuse.status_code == 400
    assert reuse.json()["error"] == "invalid_grant"
    revoked = await http.get("/smartme/User", headers=bearer(second["access_token"]))
    assert revoked.status_code == 401
    assert revoked.json() == DENIED
    assert revoked.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    again = await http.post(
        "/smartme/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": second["refresh_token"]},
        auth=(web_app.client_id, web_app.client_secret or ""),
    )
    assert again.status_code == 400


async def test_a_token_without_user_read_cannot_read_the_user(
    configured_client: httpx.AsyncClient, web_app: App, ann: Account
) -> None:
    token = await code_flow(configured_client, web_app, ann, scope="device.read")
    response = await configured_client.get("/smartme/User", headers=bearer(token["access_token"]))
    assert response.status_code == 403
    assert response.json() == {"Message": "The access token lacks the scope user.read."}
    assert response.headers["www-authenticate"] == (
        'Bearer error="insufficient_scope", scope="user.read"'
    )


async def test_public_clients_must_use_pkce(
    configured_client: httpx.AsyncClient, services: Services
) -> None:
    async with services.database.session(write=True) as session:
        issued = await register_client(
            session,
            face="smartme",
            name="Phone app",
            redirect_uris=[REDIRECT_URI],
            scope=ALL_SCOPES,
            public=True,
        )
    params = httpx.QueryParams(
        response_type="code",
        client_id=issued.client.client_id,
        redirect_uri=REDIRECT_URI,
        scope="user.read",
        state="s",
    )
    response = await configured_client.get(f"/smartme/oauth/authorize?{params}")
    assert response.status_code == 302
    back = urlsplit(response.headers["location"])
    assert back._replace(query="").geturl() == REDIRECT_URI
    assert parse_qs(back.query)["error"] == ["invalid_request"]
    assert parse_qs(back.query)["state"] == ["s"]


async def test_authorize_without_scope_grants_the_apps_permissions(
    configured_client: httpx.AsyncClient, web_app: App, ann: Account
) -> None:
    token = await code_flow(configured_client, web_app, ann, scope=None)
    assert token["scope"] == ALL_SCOPES


async def test_an_unregistered_redirect_uri_is_an_error_page(
    configured_client: httpx.AsyncClient, web_app: App
) -> None:
    params = httpx.QueryParams(
        response_type="code",
        client_id=web_app.client_id,
        redirect_uri="http://evil.example/cb",
        scope="user.read",
    )
    response = await configured_client.get(f"/smartme/api/oauth/authorize?{params}")
    assert response.status_code == 400
    assert "location" not in response.headers


async def test_client_credentials_act_for_the_device_apps_owner(
    client: httpx.AsyncClient, services: Services, ann: Account
) -> None:
    app = await register_device_app(services.database, ann.id)
    response = await client.post(
        "/smartme/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(app.client_id, app.client_secret or ""),
    )
    assert response.status_code == 200
    token = response.json()
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 3600
    assert token["scope"] == "user.read device.read"  # the app's registered permissions
    assert "refresh_token" not in token
    assert response.headers["access-control-allow-origin"] == "*"
    user = await client.get("/smartme/api/User", headers=bearer(token["access_token"]))
    assert user.status_code == 200
    assert user.json() == user_body(ann)


async def test_client_credentials_scope_is_what_was_asked_within_what_was_registered(
    client: httpx.AsyncClient, services: Services, ann: Account
) -> None:
    app = await register_device_app(services.database, ann.id, scope="device.read")
    for asked, granted in (
        ("device.read", "device.read"),
        ("device.read user.read", "device.read"),
    ):
        response = await client.post(
            "/smartme/api/oauth/token/",  # the wiki writes the trailing slash
            data={
                "grant_type": "client_credentials",
                "scope": asked,
                "client_id": app.client_id,
                "client_secret": app.client_secret,
            },
        )
        assert response.status_code == 200
        assert response.json()["scope"] == granted
        user = await client.get(
            "/smartme/api/User", headers=bearer(response.json()["access_token"])
        )
        assert user.status_code == 403


async def test_a_device_app_without_an_owner_reaches_nothing(
    client: httpx.AsyncClient, services: Services
) -> None:
    app = await register_device_app(services.database, None)
    token = await machine_token(client, TOKEN, app)
    response = await client.get("/smartme/api/User", headers=bearer(token))
    assert response.status_code == 403
    assert response.json() == {
        "Message": "This application belongs to no account, so it can reach no data."
    }


async def test_a_device_app_of_a_disabled_account_is_denied(
    client: httpx.AsyncClient, services: Services, ann: Account
) -> None:
    """The app acts for its owner, so it stops where the owner's own sign-in would."""
    app = await register_device_app(services.database, ann.id, scope="user.read")
    headers = bearer(await machine_token(client, TOKEN, app))
    assert (await client.get("/smartme/api/User", headers=headers)).status_code == 200
    async with services.database.session(write=True) as session:
        user = await get_user(session, ann.id)
        assert user is not None
        user.is_active = False
    assert_denied(await client.get("/smartme/api/User", headers=headers))


async def test_a_device_app_cannot_use_the_code_flow(
    configured_client: httpx.AsyncClient, services: Services, ann: Account
) -> None:
    app = await register_device_app(services.database, ann.id)
    verifier, _challenge = pkce_pair()
    response = await configured_client.post(
        "/smartme/oauth/token",
        data={"grant_type": "authorization_code", "code": "x", "code_verifier": verifier},
        auth=(app.client_id, app.client_secret or ""),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"


async def test_token_endpoint_errors_follow_rfc_6749(
    client: httpx.AsyncClient, services: Services, ann: Account
) -> None:
    app = await register_device_app(services.database, ann.id)
    credentials = (app.client_id, app.client_secret or "")
    for data, auth, status, error in (
        ({"grant_type": "client_credentials"}, ("nobody", "x"), 401, "invalid_client"),
        ({"grant_type": "client_credentials"}, (app.client_id, "wrong"), 401, "invalid_client"),
        ({"grant_type": "client_credentials"}, None, 401, "invalid_client"),
        (
            {"grant_type": "password", "username": "a", "password": "b"},
            credentials,
            400,
            "unsupported_grant_type",
        ),
        # A Device app has only the client_credentials grant.
        (
            {"grant_type": "refresh_token", "refresh_token": "x"},
            credentials,
            400,
            "unauthorized_client",
        ),
        (
            {"grant_type": "client_credentials", "scope": "openid"},
            credentials,
            400,
            "invalid_scope",
        ),
        ({}, credentials, 400, "unsupported_grant_type"),
    ):
        response = await client.post("/smartme/api/oauth/token", data=data, auth=auth)
        assert response.status_code == status, data
        body = response.json()
        assert body["error"] == error, data
        assert set(body) <= {"error", "error_description"}
        assert response.headers["cache-control"] == "no-store"
    malformed = await client.post(
        "/smartme/api/oauth/token",
        content=b"[1]",
        headers={"Content-Type": "application/json"},
    )
    assert malformed.status_code == 400
    assert malformed.json()["error"] == "invalid_request"


async def test_bad_bearer_tokens_are_denied(client: httpx.AsyncClient, ann: Account) -> None:
    for token in ("unknown-token", "", "a" * 40):
        response = await client.get(
            "/smartme/api/User", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 401
        assert response.json() == DENIED
        assert response.headers["www-authenticate"].startswith("Bearer")


async def test_another_faces_token_is_not_a_smartme_token(
    client: httpx.AsyncClient, services: Services, ann: Account
) -> None:
    nuheat_app = await register_machine_app(services.database, "nuheat", "openapi")
    token = await machine_token(client, NUHEAT.token, nuheat_app, "openapi")
    response = await client.get("/smartme/api/User", headers=bearer(token))
    assert response.status_code == 401


async def test_metadata_document_names_working_endpoints(
    client: httpx.AsyncClient, services: Services
) -> None:
    issuer = services.settings.base_url + "/smartme"
    for path in (
        "/smartme/.well-known/openid-configuration",
        "/smartme/.well-known/oauth-authorization-server",
    ):
        response = await client.get(path)
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "*"
        document = response.json()
        assert document["issuer"] == issuer
        assert document["token_endpoint"] == issuer + "/oauth/token"
        assert document["authorization_endpoint"] == issuer + "/oauth/authorize"
        assert document["token_endpoint_auth_methods_supported"] == [
            "client_secret_post",
            "client_secret_basic",
        ]
        assert document["scopes_supported"] == ALL_SCOPES.split()
        assert document["code_challenge_methods_supported"] == ["S256"]
        assert "jwks_uri" not in document
    token = await client.post(
        document["token_endpoint"].removeprefix(services.settings.base_url),
        data={"grant_type": "client_credentials"},
    )
    assert token.status_code == 401
    assert token.json()["error"] == "invalid_client"


async def test_unknown_route_is_404_in_smartme_shape(client: httpx.AsyncClient) -> None:
    response = await client.get("/smartme/api/NoSuchThing")
    assert response.status_code == 404
    assert response.json() == {"Message": "Not Found"}


# ---------------------------------------------------------------- real clients, live server


async def live_setup(live: LiveServer) -> tuple[Account, App, App]:
    database = Database(live.settings.effective_database_url)
    try:
        account = await make_account(database, "carla", "carla@example.com", "carla-password-1")
        async with database.session(write=True) as session:
            web = await register_client(
                session,
                face="smartme",
                name="Dashboard",
                redirect_uris=[REDIRECT_URI],
                grant_types=["authorization_code", "refresh_token"],
                scope=ALL_SCOPES,
            )
        device = await register_device_app(database, account.id, scope="user.read device.read")
    finally:
        await database.dispose()
    return account, App(web.client.client_id, web.client_secret), device


async def test_authlib_client_runs_the_code_flow_refresh_and_client_credentials(
    live_server: LiveServer,
) -> None:
    """Authlib's requests client as an app would use it (its calls block; the server runs in
    its own thread)."""
    account, web, device = await live_setup(live_server)
    base = live_server.url
    verifier = secrets.token_urlsafe(48)
    with OAuth2Session(
        client_id=web.client_id,
        client_secret=web.client_secret,
        scope=ALL_SCOPES,
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_post",
    ) as oauth:
        url, state = oauth.create_authorization_url(
            base + "/smartme/api/oauth/authorize", code_verifier=verifier
        )
        async with httpx.AsyncClient(base_url=base) as browser:
            back = await sign_in_and_consent(
                browser, url.removeprefix(base), account.email, account.password
            )
        token = oauth.fetch_token(
            base + "/smartme/api/oauth/token",
            authorization_response=back,
            code_verifier=verifier,
            state=state,
        )
        assert token["token_type"] == "Bearer"
        user = oauth.get(base + "/smartme/api/user", timeout=10)
        assert user.status_code == 200
        assert user.json()["Email"] == account.email
        refreshed = oauth.refresh_token(base + "/smartme/oauth/token")
        assert refreshed["refresh_token"] != token["refresh_token"]
        again = oauth.get(base + "/smartme/User", timeout=10)
        assert again.json()["Id"] == account.id

    with OAuth2Session(
        client_id=device.client_id, client_secret=device.client_secret, scope="device.read"
    ) as machine:
        machine_token = machine.fetch_token(
            base + "/smartme/oauth/token", grant_type="client_credentials"
        )
        assert machine_token["scope"] == "device.read"
        forbidden = machine.get(base + "/smartme/User", timeout=10)
        assert forbidden.status_code == 403


def test_requests_basic_auth_as_in_the_wiki(live_server: LiveServer) -> None:
    account, _web, _device = asyncio.run(live_setup(live_server))
    url = live_server.url + "/smartme/User"
    response = requests.get(url, auth=HTTPBasicAuth(account.email, account.password), timeout=10)
    assert response.status_code == 200
    assert response.json()["Username"] == account.username
    # The wiki's python sample puts the credentials in the URL.
    host = live_server.url.removeprefix("http://")
    in_url = requests.get(
        f"http://{account.username}:{account.password}@{host}/smartme/api/User", timeout=10
    )
    assert in_url.status_code == 200
    wrong = requests.get(url, auth=(account.username, "wrong-password"), timeout=10)
    assert wrong.status_code == 401
    assert wrong.headers["WWW-Authenticate"] == BASIC_CHALLENGE


async def test_the_current_hosts_paths_work_through_host_routing(
    settings: Settings, services: Services, ann: Account
) -> None:
    """With ``api.smart-me.com`` pointed at homecloud, its root paths reach the face."""
    routed = settings.model_copy(update={"host_map": {"api.smart-me.com": "smartme"}})
    transport = httpx.ASGITransport(app=create_app(routed, services))
    async with httpx.AsyncClient(transport=transport, base_url="http://api.smart-me.com") as http:
        user = await http.get("/User", headers=basic("ann", ann.password))
        assert user.json() == user_body(ann)
        legacy = await http.get("/api/user", headers=basic("ann", ann.password))
        assert legacy.json() == user_body(ann)
        token = await http.post("/oauth/token", data={"grant_type": "client_credentials"})
        assert token.status_code == 401
        assert token.json()["error"] == "invalid_client"
        metadata = await http.get("/.well-known/openid-configuration")
        assert metadata.json()["issuer"] == settings.base_url + "/smartme"


async def test_sign_out_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/smartme/api/oauth/logout")
    assert response.status_code == 200
    assert "smart-me" in response.text


# ------------------------------------------------------------ revocation and introspection


async def test_revoking_an_access_token_denies_it_at_once(
    configured_client: httpx.AsyncClient, web_app: App, ann: Account
) -> None:
    http = configured_client
    token = await code_flow(http, web_app, ann)
    response = await http.post(
        "/smartme/api/oauth/revoke",
        data={"token": token["access_token"], "token_type_hint": "access_token"},
        auth=(web_app.client_id, web_app.client_secret or ""),
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    revoked = await http.get("/smartme/api/User", headers=bearer(token["access_token"]))
    assert revoked.status_code == 401
    assert revoked.json() == DENIED
    # RFC 7009 §2.2: an unknown or already revoked token is no error.
    again = await http.post(
        "/smartme/oauth/revoke",
        data={
            "token": token["access_token"],
            "client_id": web_app.client_id,
            "client_secret": web_app.client_secret,
        },
    )
    assert again.status_code == 200


async def test_revoking_a_refresh_token_revokes_its_family(
    configured_client: httpx.AsyncClient, web_app: App, ann: Account
) -> None:
    http = configured_client
    token = await code_flow(http, web_app, ann)
    # The new host's path, the .NET example's body credentials.
    response = await http.post(
        "/smartme/oauth/revoke",
        data={
            "token": token["refresh_token"],
            "token_type_hint": "refresh_token",
            "client_id": web_app.client_id,
            "client_secret": web_app.client_secret,
        },
    )
    assert response.status_code == 200, response.text
    denied = await http.get("/smartme/User", headers=bearer(token["access_token"]))
    assert denied.status_code == 401
    refresh = await http.post(
        "/smartme/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        auth=(web_app.client_id, web_app.client_secret or ""),
    )
    assert refresh.status_code == 400
    assert refresh.json()["error"] == "invalid_grant"


async def test_another_client_cannot_revoke_a_token(
    configured_client: httpx.AsyncClient, services: Services, web_app: App, ann: Account
) -> None:
    http = configured_client
    token = await code_flow(http, web_app, ann)
    other = await register_device_app(services.database, ann.id)
    await http.post(
        "/smartme/api/oauth/revoke",
        data={"token": token["access_token"]},
        auth=(other.client_id, other.client_secret or ""),
    )
    still = await http.get("/smartme/User", headers=bearer(token["access_token"]))
    assert still.status_code == 200


async def test_introspection_tells_active_from_inactive(
    configured_client: httpx.AsyncClient, web_app: App, ann: Account
) -> None:
    http = configured_client
    token = await code_flow(http, web_app, ann)
    credentials = (web_app.client_id, web_app.client_secret or "")
    active = await http.post(
        "/smartme/api/oauth/introspect", data={"token": token["access_token"]}, auth=credentials
    )
    assert active.status_code == 200, active.text
    assert active.headers["cache-control"] == "no-store"
    body = active.json()
    assert body["active"] is True
    assert body["client_id"] == web_app.client_id
    assert body["scope"] == ALL_SCOPES
    assert body["sub"] == str(ann.id)
    assert body["token_type"] == "Bearer"
    await http.post(
        "/smartme/api/oauth/revoke", data={"token": token["access_token"]}, auth=credentials
    )
    for sent in (token["access_token"], "not-a-token"):
        inactive = await http.post(
            "/smartme/oauth/introspect",
            data={
                "token": sent,
                "client_id": web_app.client_id,
                "client_secret": web_app.client_secret,
            },
        )
        assert inactive.status_code == 200
        assert inactive.json() == {"active": False}


async def test_introspection_needs_client_credentials(
    configured_client: httpx.AsyncClient, web_app: App, ann: Account
) -> None:
    http = configured_client
    token = await code_flow(http, web_app, ann)
    for credentials in (None, (web_app.client_id, "wrong-secret")):
        response = await http.post(
            "/smartme/api/oauth/introspect", data={"token": token["access_token"]}, auth=credentials
        )
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"
        assert "active" not in response.json()


async def test_metadata_names_revocation_and_introspection(
    client: httpx.AsyncClient, services: Services
) -> None:
    issuer = services.settings.base_url + "/smartme"
    document = (await client.get("/smartme/.well-known/oauth-authorization-server")).json()
    assert document["revocation_endpoint"] == issuer + "/oauth/revoke"
    assert document["introspection_endpoint"] == issuer + "/oauth/introspect"
    for key in ("revocation_endpoint", "introspection_endpoint"):
        path = document[key].removeprefix(services.settings.base_url)
        response = await client.post(path, data={"token": "x"})
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"
