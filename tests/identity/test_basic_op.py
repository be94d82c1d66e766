"""The OpenID Foundation's Basic OP plan (``oidcc-basic-certification-test-plan``), server side,
for both OIDC faces: Nuheat (IdentityServer4 shape) and CKW (a Keycloak realm).

Everything runs against a live server on a loopback port. Authlib's OAuth2 client builds the
authorization URLs (state, nonce, PKCE), exchanges codes and refreshes tokens; the person in the
middle is an httpx client that keeps cookies and posts the sign-in and consent forms the way a
browser would. The checks follow ``specs/identity.md``: the plan's server checks, RFC 9700's
binding rules (redirect URIs, PKCE, single-use codes, rotation), RFC 7009 / 7662 / 9207, and
what each vendor's clients read (Keycloak's token response, IdentityServer's offline_access).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import orjson
import pytest
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import select, update

from homecloud.core.database import Database
from homecloud.core.models import now_ms
from homecloud.core.users import create_user
from homecloud.identity.clients import register_client
from homecloud.identity.models import AuthorizationCode, BrowserSession, Grant, SigningKey
from homecloud.identity.secrets import digest
from homecloud.settings import Settings
from tests.identity.person import allow, submit_sign_in

PASSWORD = "correct-horse-battery"
REDIRECT_URI = "https://client.example/cb"
SESSION_COOKIE = "homecloud_session"
LOGIN_PAGES = ("/Account/Login", "/login-actions/authenticate")  # IdentityServer, Keycloak
FRESH_NONCE = "<fresh>"  # code_flow makes up a new nonce: the server refuses a replayed one


class Live(Protocol):
    url: str
    settings: Settings


@dataclass(frozen=True)
class FaceCase:
    face: str
    issuer_path: str
    # What the test client is registered for, and what a flow asks for by default.
    client_scope: str
    flow_scope: str
    # The scope sets of the plan's scope checks, and the claims each must bring to userinfo.
    scope_claims: tuple[tuple[str, frozenset[str]], ...]
    access_audience: str


PROFILE_CLAIMS = frozenset({"name", "given_name", "family_name", "preferred_username"})

FACES = {
    "nuheat": FaceCase(
        face="nuheat",
        issuer_path="/nuheat/identity",
        client_scope="openid profile openapi offline_access",
        flow_scope="openid openapi offline_access",
        # IdentityServer's profile scope carries the e-mail too (there is no email scope).
        scope_claims=(
            ("openid openapi", frozenset()),
            ("openid profile", PROFILE_CLAIMS | {"email", "email_verified"}),
        ),
        access_audience="openapi",
    ),
    "ckw": FaceCase(
        face="ckw",
        issuer_path="/ckw/auth/realms/CKW",
        client_scope="openid profile email offline_access",
        flow_scope="openid profile email offline_access",
        # Keycloak's default client scopes: profile and email come with every request of a
        # client registered for them, so openid alone brings their claims too.
        scope_claims=(
            ("openid", PROFILE_CLAIMS | {"email", "email_verified"}),
            ("openid profile", PROFILE_CLAIMS | {"email", "email_verified"}),
            ("openid email", PROFILE_CLAIMS | {"email", "email_verified"}),
            ("openid profile email", PROFILE_CLAIMS | {"email", "email_verified"}),
        ),
        access_audience="account",
    ),
}


# ---------------------------------------------------------------------------------------- HTML


@dataclass
class Form:
    action: str | None
    method: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # name, value, type

    def hidden(self) -> list[tuple[str, str]]:
        return [(name, value) for name, value, kind in self.fields if kind == "hidden"]


class FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.body_onload = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "body":
            self.body_onload = attributes.get("onload", "")
        elif tag == "form":
            self.forms.append(
                Form(attributes.get("action"), attributes.get("method", "get").lower())
            )
        elif tag in ("input", "button") and self.forms and attributes.get("name"):
            kind = attributes.get("type", "submit" if tag == "button" else "text")
            self.forms[-1].fields.append((attributes["name"], attributes.get("value", ""), kind))


def parse_page(html: str) -> FormParser:
    parser = FormParser()
    parser.feed(html)
    return parser


def only_form(html: str) -> Form:
    forms = parse_page(html).forms
    assert len(forms) == 1, html
    return forms[0]


async def post_form(
    browser: httpx.AsyncClient, url: str, fields: list[tuple[str, str]]
) -> httpx.Response:
    """Posts fields as a browser does, in order and with repeated names kept."""
    return await browser.post(
        url,
        content=urlencode(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


# ------------------------------------------------------------------------------------ crypto


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def half_hash(value: str) -> str:
    """``at_hash`` / ``c_hash`` for RS256: the left half of the SHA-256, base64url."""
    return b64url(hashlib.sha256(value.encode("ascii")).digest()[:16])


def s256(verifier: str) -> str:
    return b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def new_verifier() -> str:
    return secrets.token_urlsafe(48)


def unverified_claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


# -------------------------------------------------------------------------------- the driver


@dataclass
class Flow:
    """What came back from the authorization endpoint, and the pages the person saw."""

    response: httpx.Response
    pages: list[str]

    @property
    def location(self) -> str:
        return self.response.headers.get("location", "")

    @property
    def to_client(self) -> bool:
        return self.response.status_code in (302, 303) and self.location.startswith(REDIRECT_URI)

    @property
    def params(self) -> dict[str, str]:
        """The parameters delivered to the client: the fragment if there is one, else the query."""
        parts = urlsplit(self.location)
        return dict(parse_qsl(parts.fragment or parts.query, keep_blank_values=True))

    def describe(self) -> str:
        return f"{self.response.status_code} {self.location or self.response.text[:500]}"


class LibraryClient:
    """Authlib's OAuth2 client (its requests flavour: Authlib's httpx flavour now wants
    httpx2), with the calls that go over the network run off the event loop."""

    def __init__(self, session: OAuth2Session) -> None:
        self.session = session

    async def __aenter__(self) -> LibraryClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.session.close()

    def create_authorization_url(self, url: str, **params: Any) -> tuple[str, str]:
        uri, state = self.session.create_authorization_url(url, **params)
        return str(uri), str(state)

    async def fetch_token(self, url: str | None = None, **params: Any) -> dict[str, Any]:
        return dict(await asyncio.to_thread(self.session.fetch_token, url, **params))

    async def refresh_token(self, url: str, **params: Any) -> dict[str, Any]:
        return dict(await asyncio.to_thread(self.session.refresh_token, url, **params))


@dataclass
class CodeFlow:
    flow: Flow
    tokens: dict[str, Any]
    state: str


@dataclass
class OP:
    """One OIDC face of a live server, with a user and a confidential client registered."""

    live: Live
    case: FaceCase
    database: Database
    http: httpx.AsyncClient
    discovery: dict[str, Any]
    user_id: int
    client_id: str
    client_secret: str

    @property
    def issuer(self) -> str:
        return self.live.url + self.case.issuer_path

    @property
    def authorize_url(self) -> str:
        return str(self.discovery["authorization_endpoint"])

    @property
    def token_url(self) -> str:
        return str(self.discovery["token_endpoint"])

    @property
    def userinfo_url(self) -> str:
        return str(self.discovery["userinfo_endpoint"])

    async def register(self, **options: Any) -> tuple[str, str | None]:
        return await register_app(self.database, self.case, **options)

    def oauth(
        self,
        method: str = "client_secret_basic",
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        scope: str | None = None,
    ) -> LibraryClient:
        return LibraryClient(
            OAuth2Session(
                client_id=client_id or self.client_id,
                client_secret=client_secret if client_id else self.client_secret,
                token_endpoint_auth_method=method,
                scope=scope or self.case.flow_scope,
                redirect_uri=REDIRECT_URI,
                code_challenge_method="S256",
            )
        )

    def browser(self) -> httpx.AsyncClient:
        """A person's browser: keeps cookies, does not follow redirects on its own."""
        return httpx.AsyncClient(base_url=self.live.url, follow_redirects=False)

    def authorization_url(self, **params: str) -> str:
        """An authorization request built by hand, for requests a client library would refuse
        to make (missing response_type, request objects, plain PKCE)."""
        query = {"client_id": self.client_id, "redirect_uri": REDIRECT_URI, **params}
        return f"{self.authorize_url}?{urlencode(query)}"

    async def sign_in(
        self, browser: httpx.AsyncClient, login_location: str, password: str = PASSWORD
    ) -> httpx.Response:
        page = await browser.get(login_location)
        assert page.status_code == 200, page.text
        only_form(page.text)
        return await submit_sign_in(browser, page, "ann", password)

    async def answer_consent(
        self, browser: httpx.AsyncClient, page: httpx.Response, approve: bool = True
    ) -> httpx.Response:
        assert only_form(page.text).action
        return await allow(browser, page, approve=approve, remember=True)

    async def authorize(
        self, browser: httpx.AsyncClient, url: str, *, approve: bool = True
    ) -> Flow:
        """Open ``url`` as a person would: sign in and consent when asked, until the server
        answers the client (a redirect to it, a form_post page, or an error page)."""
        pages: list[str] = []
        response = await browser.get(url)
        for _ in range(6):
            location = response.headers.get("location", "")
            if response.status_code == 302 and urlsplit(location).path.endswith(LOGIN_PAGES):
                pages.append("login")
                signed_in = await self.sign_in(browser, location)
                assert signed_in.status_code == 302, signed_in.text
                response = await browser.get(signed_in.headers["location"])
                continue
            if response.status_code == 200 and "RememberConsent" in response.text:
                pages.append("consent")
                response = await self.answer_consent(browser, response, approve)
                continue
            return Flow(response, pages)
        raise AssertionError(f"the authorization endpoint kept asking: {pages}")

    async def code_flow(
        self,
        browser: httpx.AsyncClient,
        oauth: LibraryClient,
        *,
        nonce: str | None = FRESH_NONCE,
        **params: str,
    ) -> CodeFlow:
        """The whole code flow with PKCE S256, exchanged by the client library (which also
        checks that ``state`` came back unchanged)."""
        verifier = new_verifier()
        if nonce == FRESH_NONCE:
            nonce = "n-" + secrets.token_hex(8)
        if nonce is not None:
            params["nonce"] = nonce
        url, state = oauth.create_authorization_url(
            self.authorize_url, code_verifier=verifier, **params
        )
        flow = await self.authorize(browser, url)
        assert flow.to_client, flow.describe()
        assert "error" not in flow.params, flow.params
        token = await oauth.fetch_token(
            self.token_url,
            authorization_response=flow.location,
            state=state,
            code_verifier=verifier,
        )
        return CodeFlow(flow, token, state)

    async def token(
        self, data: dict[str, str], auth: tuple[str, str] | None = None
    ) -> httpx.Response:
        return await self.http.post(
            self.token_url, data=data, auth=auth or (self.client_id, self.client_secret)
        )

    async def exchange(
        self, code: str, verifier: str | None = None, auth: tuple[str, str] | None = None
    ) -> httpx.Response:
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
        if verifier is not None:
            data["code_verifier"] = verifier
        return await self.token(data, auth)

    async def userinfo(self, access_token: str) -> httpx.Response:
        return await self.http.get(
            self.userinfo_url, headers={"Authorization": f"Bearer {access_token}"}
        )

    async def introspect(
        self, token: str, auth: tuple[str, str] | None = None, hint: str | None = None
    ) -> httpx.Response:
        data = {"token": token}
        if hint:
            data["token_type_hint"] = hint
        return await self.http.post(
            str(self.discovery["introspection_endpoint"]),
            data=data,
            auth=auth or (self.client_id, self.client_secret),
        )

    async def revoke(
        self, token: str, auth: tuple[str, str] | None = None, hint: str | None = None
    ) -> httpx.Response:
        data = {"token": token}
        if hint:
            data["token_type_hint"] = hint
        return await self.http.post(
            str(self.discovery["revocation_endpoint"]),
            data=data,
            auth=auth or (self.client_id, self.client_secret),
        )

    async def jwks(self) -> dict[str, Any]:
        response = await self.http.get(str(self.discovery["jwks_uri"]))
        assert response.status_code == 200
        jwks: dict[str, Any] = response.json()
        return jwks

    async def id_token_claims(
        self, id_token: str, *, client_id: str | None = None
    ) -> dict[str, Any]:
        """The id_token's claims, after verifying its RS256 signature against the published
        JWKS and the claims every id_token must carry (OIDC Core §2, §3.1.3.7)."""
        header = json.loads(base64.urlsafe_b64decode(id_token.split(".")[0] + "=="))
        assert header["alg"] == "RS256"
        jwks = await self.jwks()
        assert header["kid"] in {key["kid"] for key in jwks["keys"]}
        decoded = jwt.decode(id_token, KeySet.import_key_set(jwks), algorithms=["RS256"])
        registry = jwt.JWTClaimsRegistry(
            leeway=5,
            iss={"essential": True, "value": self.issuer},
            sub={"essential": True},
            aud={"essential": True, "value": client_id or self.client_id},
            exp={"essential": True},
            iat={"essential": True},
        )
        registry.validate(decoded.claims)
        claims = dict(decoded.claims)
        assert abs(claims["iat"] - time.time()) < 60
        assert claims["exp"] > claims["iat"]
        return claims

    async def signing_key(self) -> tuple[str, RSAKey]:
        """The server's own active RS256 key, read from its database (to build tokens that
        only the claim checks can tell apart from genuine ones)."""
        async with self.database.session() as session:
            row = await session.scalar(
                select(SigningKey).where(
                    SigningKey.purpose == "shared",
                    SigningKey.alg == "RS256",
                    SigningKey.retired_at.is_(None),
                )
            )
        assert row is not None
        return row.kid, RSAKey.import_key(orjson.loads(row.private_jwk))


async def register_app(
    database: Database, case: FaceCase, **options: Any
) -> tuple[str, str | None]:
    options.setdefault("redirect_uris", [REDIRECT_URI])
    options.setdefault("scope", case.client_scope)
    options.setdefault("grant_types", ["authorization_code", "refresh_token"])
    async with database.session(write=True) as session:
        issued = await register_client(
            session, face=case.face, name=options.pop("name", "Basic OP Client"), **options
        )
    return issued.client.client_id, issued.client_secret


@asynccontextmanager
async def open_op(live: Live, face: str, user_id: int | None = None) -> AsyncIterator[OP]:
    """``face`` of the live server with a confidential client, and the user ``ann`` (created
    unless ``user_id`` names her already)."""
    case = FACES[face]
    database = Database(live.settings.effective_database_url)
    try:
        if user_id is None:
            async with database.session(write=True) as session:
                user = await create_user(
                    session,
                    "ann@example.com",
                    PASSWORD,
                    username="ann",
                    first_name="Ann",
                    last_name="Example",
                )
            user_id = user.id
        client_id, client_secret = await register_app(database, case)
        assert client_secret is not None
        async with httpx.AsyncClient() as http:
            discovery = await http.get(
                live.url + case.issuer_path + "/.well-known/openid-configuration"
            )
            assert discovery.status_code == 200
            yield OP(
                live=live,
                case=case,
                database=database,
                http=http,
                discovery=discovery.json(),
                user_id=user_id,
                client_id=client_id,
                client_secret=client_secret,
            )
    finally:
        await database.dispose()


@pytest.fixture(params=sorted(FACES))
async def op(request: pytest.FixtureRequest, live_server: Live) -> AsyncIterator[OP]:
    async with open_op(live_server, request.param) as value:
        yield value


@pytest.fixture
async def nuheat(live_server: Live) -> AsyncIterator[OP]:
    async with open_op(live_server, "nuheat") as value:
        yield value


@pytest.fixture
async def ckw(live_server: Live) -> AsyncIterator[OP]:
    async with open_op(live_server, "ckw") as value:
        yield value


async def signed_in_flow(op: OP, browser: httpx.AsyncClient, **params: str) -> CodeFlow:
    async with op.oauth() as oauth:
        return await op.code_flow(browser, oauth, **params)


# ---------------------------------------------------------------------------------- discovery


async def test_discovery_is_complete_and_consistent(op: OP) -> None:
    document = op.discovery
    # The issuer is the URL the document is served under (OIDC Discovery §4.3).
    assert document["issuer"] == op.issuer
    for name in (
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "end_session_endpoint",
        "revocation_endpoint",
        "introspection_endpoint",
    ):
        assert document[name].startswith(op.issuer + "/"), name
    assert "code" in document["response_types_supported"]
    assert "public" in document["subject_types_supported"]
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]
    assert "openid" in document["scopes_supported"]
    assert {"client_secret_basic", "client_secret_post"} <= set(
        document["token_endpoint_auth_methods_supported"]
    )
    assert {"authorization_code", "refresh_token"} <= set(document["grant_types_supported"])
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["authorization_response_iss_parameter_supported"] is True
    assert document["request_parameter_supported"] is False
    assert document["request_uri_parameter_supported"] is False


async def test_every_advertised_endpoint_is_served(op: OP) -> None:
    """Discovery promises nothing that 404s: each endpoint answers in its own way."""
    http = op.http
    assert (await http.get(op.discovery["jwks_uri"])).status_code == 200
    assert (await http.post(op.token_url, data={})).status_code in (400, 401)
    assert (await http.get(op.userinfo_url)).status_code == 401
    for name in ("revocation_endpoint", "introspection_endpoint"):
        assert (await http.post(op.discovery[name], data={"token": "x"})).status_code == 401
    assert (await http.get(op.authorize_url)).status_code == 400  # no client: an error page
    assert (await http.get(op.discovery["end_session_endpoint"])).status_code == 200


async def test_jwks_is_public_and_every_key_has_a_kid(op: OP) -> None:
    response = await op.http.get(op.discovery["jwks_uri"])
    assert response.headers["access-control-allow-origin"] == "*"
    keys = response.json()["keys"]
    assert keys
    for key in keys:
        assert key["kid"]
        assert key["kty"] == "RSA"
        assert key.get("use", "sig") == "sig"
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key), "private parts published"
    assert len({key["kid"] for key in keys}) == len(keys)
    KeySet.import_key_set(response.json())  # well-formed JWKs


async def test_cors_on_metadata_and_token_but_not_on_authorization(op: OP) -> None:
    discovery = await op.http.get(op.issuer + "/.well-known/openid-configuration")
    assert discovery.headers["access-control-allow-origin"] == "*"
    token = await op.http.post(op.token_url, data={"grant_type": "refresh_token"})
    assert token.headers["access-control-allow-origin"] == "*"
    authorize = await op.http.get(op.authorization_url(response_type="code"))
    assert "access-control-allow-origin" not in authorize.headers


# -------------------------------------------------------------------------------- code flow


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
async def test_code_flow_with_each_client_authentication(op: OP, method: str) -> None:
    async with op.browser() as browser, op.oauth(method) as oauth:
        result = await op.code_flow(browser, oauth, nonce="nonce-123")
        # The person signed in and consented; the answer carried state and iss (RFC 9207).
        assert result.flow.pages == ["login", "consent"]
        assert result.flow.params["state"] == result.state
        assert result.flow.params["iss"] == op.issuer
        tokens = result.tokens
        assert tokens["token_type"].lower() == "bearer"
        assert tokens["expires_in"] > 0
        claims = await op.id_token_claims(tokens["id_token"])
        assert claims["sub"] == str(op.user_id)
        assert claims["nonce"] == "nonce-123"
        assert claims["at_hash"] == half_hash(tokens["access_token"])
        assert claims["auth_time"] <= time.time()
        # The access token opens userinfo, as the same user.
        info = await op.userinfo(tokens["access_token"])
        assert info.status_code == 200
        assert info.json()["sub"] == claims["sub"]

        # The same client authentication with a wrong secret is refused: the method is checked.
        wrong = op.oauth(method, client_id=op.client_id, client_secret="not-the-secret")
        async with wrong:
            url, _state = wrong.create_authorization_url(op.authorize_url, code_verifier="v" * 43)
        flow = await op.authorize(browser, url)
        assert flow.to_client, flow.describe()
        data = {
            "grant_type": "authorization_code",
            "code": flow.params["code"],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": "v" * 43,
        }
        if method == "client_secret_basic":
            refused = await op.http.post(
                op.token_url, data=data, auth=(op.client_id, "not-the-secret")
            )
        else:
            data |= {"client_id": op.client_id, "client_secret": "not-the-secret"}
            refused = await op.http.post(op.token_url, data=data)
        assert refused.status_code == 401
        assert refused.json()["error"] == "invalid_client"


async def test_id_token_is_never_unsigned(op: OP) -> None:
    async with op.browser() as browser:
        result = await signed_in_flow(op, browser)
    header = json.loads(base64.urlsafe_b64decode(result.tokens["id_token"].split(".")[0] + "=="))
    assert header["alg"] == "RS256"
    assert header["alg"] in op.discovery["id_token_signing_alg_values_supported"]
    assert "none" not in op.discovery["id_token_signing_alg_values_supported"]
    assert result.tokens["id_token"].split(".")[2], "empty signature"


async def test_request_without_nonce_succeeds_for_the_code_flow(op: OP) -> None:
    async with op.browser() as browser:
        result = await signed_in_flow(op, browser, nonce=None)
    claims = await op.id_token_claims(result.tokens["id_token"])
    assert "nonce" not in claims


async def test_unknown_parameters_are_ignored(op: OP) -> None:
    async with op.browser() as browser, op.oauth() as oauth:
        result = await op.code_flow(
            browser, oauth, extra_parameter="ignored", claims_locales="xx", vendor_thing="1"
        )
        assert "access_token" in result.tokens
        # And on the token endpoint (some clients send a meaningless response_type there).
        url, _ = oauth.create_authorization_url(op.authorize_url, code_verifier="w" * 43)
        flow = await op.authorize(browser, url)
        response = await op.token(
            {
                "grant_type": "authorization_code",
                "code": flow.params["code"],
                "redirect_uri": REDIRECT_URI,
                "code_verifier": "w" * 43,
                "response_type": "token",
                "unknown": "value",
            }
        )
    assert response.status_code == 200, response.text
    assert response.json()["access_token"]


async def test_state_and_iss_come_back_with_errors_too(op: OP) -> None:
    async with op.browser() as browser:
        # The person says no.
        denied = await op.authorize(
            browser,
            op.authorization_url(response_type="code", scope="openid", state="deny-me"),
            approve=False,
        )
        assert denied.pages == ["login", "consent"]
        # Then yes, with a state that needs encoding.
        allowed = await op.authorize(
            browser, op.authorization_url(response_type="code", scope="openid", state="s 1/é&x=")
        )
    assert denied.to_client, denied.describe()
    assert denied.params["error"] == "access_denied"
    assert denied.params["state"] == "deny-me"
    assert denied.params["iss"] == op.issuer
    assert "code" not in denied.params
    assert allowed.to_client, allowed.describe()
    assert allowed.params["state"] == "s 1/é&x="
    assert allowed.params["iss"] == op.issuer
    assert allowed.params["code"]


# -------------------------------------------------------------------- errors and redirect URIs


@pytest.mark.parametrize("query", [{"scope": "openid"}, {"scope": "openid", "response_type": ""}])
async def test_missing_response_type_is_reported_to_the_redirect_uri(
    op: OP, query: dict[str, str]
) -> None:
    async with op.browser() as browser:
        flow = await op.authorize(browser, op.authorization_url(state="st", **query))
    assert flow.to_client, flow.describe()
    assert flow.pages == []  # the error needs nobody to sign in
    assert flow.params["error"] in ("unsupported_response_type", "invalid_request")
    assert flow.params["state"] == "st"
    assert flow.params["iss"] == op.issuer


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://attacker.example/cb",
        REDIRECT_URI + "/",
        REDIRECT_URI + "?extra=1",
        "https://CLIENT.example/cb",
        "http://client.example/cb",
    ],
)
async def test_an_unregistered_redirect_uri_gets_an_error_page_never_a_redirect(
    op: OP, redirect_uri: str
) -> None:
    async with op.browser() as browser:
        for query in (
            {"response_type": "code", "scope": "openid", "state": "x"},
            {"scope": "openid"},  # even when response_type is missing too
        ):
            response = await browser.get(
                op.authorize_url
                + "?"
                + urlencode({"client_id": op.client_id, "redirect_uri": redirect_uri, **query})
            )
            assert response.status_code == 400
            assert "location" not in response.headers
            assert response.headers["content-type"].startswith("text/html")
            # The page may name the refused URI, but never links, posts or refreshes to it.
            page = parse_page(response.text)
            assert all(form.action != redirect_uri for form in page.forms)
            assert f'href="{redirect_uri}' not in response.text
            assert 'http-equiv="refresh"' not in response.text.lower()


async def test_an_unknown_client_gets_an_error_page(op: OP) -> None:
    response = await op.http.get(
        op.authorize_url
        + "?"
        + urlencode({"client_id": "nobody", "redirect_uri": REDIRECT_URI, "response_type": "code"})
    )
    assert response.status_code == 400
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    ("parameter", "value", "error"),
    [
        ("request", "eyJhbGciOiJub25lIn0.eyJzY29wZSI6Im9wZW5pZCJ9.", "request_not_supported"),
        ("request_uri", "https://client.example/request.jwt", "request_uri_not_supported"),
    ],
)
async def test_request_objects_are_refused(op: OP, parameter: str, value: str, error: str) -> None:
    async with op.browser() as browser:
        flow = await op.authorize(
            browser,
            op.authorization_url(
                response_type="code", scope="openid", state="ro", **{parameter: value}
            ),
        )
    assert flow.to_client, flow.describe()
    assert flow.pages == []
    assert flow.params["error"] == error
    assert flow.params["state"] == "ro"
    assert flow.params["iss"] == op.issuer


# ------------------------------------------------------------------------------------ userinfo


async def test_userinfo_by_get_by_post_with_header_and_with_token_in_body(op: OP) -> None:
    async with op.browser() as browser:
        result = await signed_in_flow(op, browser, scope=op.case.scope_claims[-1][0])
    access_token = result.tokens["access_token"]
    sub = (await op.id_token_claims(result.tokens["id_token"]))["sub"]
    by_get = await op.http.get(op.userinfo_url, headers={"Authorization": f"Bearer {access_token}"})
    by_post_header = await op.http.post(
        op.userinfo_url, headers={"Authorization": f"Bearer {access_token}"}
    )
    by_post_body = await op.http.post(op.userinfo_url, data={"access_token": access_token})
    answers = [by_get, by_post_header, by_post_body]
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert all(answer.json()["sub"] == sub for answer in answers)
    assert by_get.json() == by_post_header.json() == by_post_body.json()
    assert by_get.headers["cache-control"] == "no-store"
    # Without a token: 401 with the Bearer challenge.
    anonymous = await op.http.get(op.userinfo_url)
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Bearer")


async def test_scopes_bring_their_claims_whatever_their_order(op: OP) -> None:
    async with op.browser() as browser, op.oauth() as oauth:
        for scope, expected in op.case.scope_claims:
            answers = []
            for ordered in (scope, " ".join(reversed(scope.split()))):
                result = await op.code_flow(browser, oauth, scope=ordered)
                info = await op.userinfo(result.tokens["access_token"])
                assert info.status_code == 200
                answers.append(info.json())
            assert answers[0] == answers[1], scope
            claims = set(answers[0])
            assert expected <= claims, (scope, claims)
            assert not (PROFILE_CLAIMS | {"email"}) - expected & claims, (scope, claims)
            if "email" in expected:
                assert answers[0]["email"] == "ann@example.com"
            if "name" in expected:
                assert answers[0]["name"] == "Ann Example"
                assert answers[0]["given_name"] == "Ann"
                assert answers[0]["family_name"] == "Example"


# -------------------------------------------------------------------------------------- prompt


async def test_prompt_login_forces_a_new_sign_in(op: OP) -> None:
    async with op.browser() as browser:
        first = await signed_in_flow(op, browser)
        assert first.flow.pages == ["login", "consent"]
        session_before = browser.cookies[SESSION_COOKIE]
        again = await signed_in_flow(op, browser, prompt="login")
        assert again.flow.pages == ["login"]
        assert browser.cookies[SESSION_COOKIE] != session_before
        # Without prompt=login the same browser goes straight through.
        plain = await signed_in_flow(op, browser)
        assert plain.flow.pages == []


async def test_prompt_none_without_a_session_is_login_required(op: OP) -> None:
    async with op.browser() as browser:
        flow = await op.authorize(
            browser,
            op.authorization_url(response_type="code", scope="openid", prompt="none", state="pn"),
        )
    assert flow.to_client, flow.describe()
    assert flow.pages == []
    assert flow.params["error"] == "login_required"
    assert flow.params["state"] == "pn"
    assert flow.params["iss"] == op.issuer


async def test_prompt_none_with_a_session_returns_a_code_without_any_page(op: OP) -> None:
    async with op.browser() as browser:
        await signed_in_flow(op, browser)
        result = await signed_in_flow(op, browser, prompt="none")
    assert result.flow.pages == []
    assert result.flow.response.status_code == 302
    claims = await op.id_token_claims(result.tokens["id_token"])
    assert claims["sub"] == str(op.user_id)


async def test_prompt_none_without_consent_is_consent_required(op: OP) -> None:
    async with op.browser() as browser:
        first = await op.authorize(
            browser, op.authorization_url(response_type="code", scope="openid"), approve=False
        )
        assert first.params["error"] == "access_denied"
        flow = await op.authorize(
            browser,
            op.authorization_url(response_type="code", scope="openid", prompt="none", state="c"),
        )
    assert flow.pages == []
    assert flow.params["error"] == "consent_required"
    assert flow.params["state"] == "c"


async def test_max_age_forces_re_authentication_once_exceeded(op: OP) -> None:
    async with op.browser() as browser:
        first = await signed_in_flow(op, browser)
        first_auth_time = (await op.id_token_claims(first.tokens["id_token"]))["auth_time"]
        # A functional wait: the sign-in must become older than max_age=1.
        await asyncio.sleep(1.1)
        session_before = browser.cookies[SESSION_COOKIE]
        again = await signed_in_flow(op, browser, max_age="1")
        assert again.flow.pages == ["login"]
        assert browser.cookies[SESSION_COOKIE] != session_before
        renewed = await op.id_token_claims(again.tokens["id_token"])
        assert renewed["auth_time"] > first_auth_time
        # A generous max_age does not ask again, and auth_time reports the last sign-in.
        relaxed = await signed_in_flow(op, browser, max_age="10000")
        assert relaxed.flow.pages == []
        claims = await op.id_token_claims(relaxed.tokens["id_token"])
        assert claims["auth_time"] == renewed["auth_time"]


async def test_id_token_hint_and_login_hint_are_accepted(op: OP) -> None:
    async with op.browser() as browser:
        first = await signed_in_flow(op, browser, login_hint="ann@example.com")
        assert first.flow.pages == ["login", "consent"]
        hinted = await signed_in_flow(
            op, browser, prompt="none", id_token_hint=first.tokens["id_token"]
        )
    assert hinted.flow.pages == []
    claims = await op.id_token_claims(hinted.tokens["id_token"])
    assert claims["sub"] == str(op.user_id)


# ------------------------------------------------------------------------------- code reuse


async def first_exchange(
    op: OP, browser: httpx.AsyncClient, *, signed_in_seconds_ago: int = 0, **params: str
) -> tuple[str, str, dict[str, Any]]:
    """A code obtained (PKCE S256) and exchanged once, by hand. ``signed_in_seconds_ago``
    back-dates the sign-in the code stands for, as if the person had signed in earlier."""
    verifier = new_verifier()
    flow = await op.authorize(
        browser,
        op.authorization_url(
            response_type="code",
            scope=op.case.flow_scope,
            code_challenge=s256(verifier),
            code_challenge_method="S256",
            **params,
        ),
    )
    code = flow.params["code"]
    if signed_in_seconds_ago:
        async with op.database.session(write=True) as session:
            row = await session.get(AuthorizationCode, digest(code))
            assert row is not None
            row.auth_time -= signed_in_seconds_ago
            await session.execute(
                update(BrowserSession)
                .where(BrowserSession.id_hash == row.session_id)
                .values(auth_time=BrowserSession.auth_time - signed_in_seconds_ago)
            )
    response = await op.exchange(code, verifier)
    assert response.status_code == 200, response.text
    return code, verifier, response.json()


async def assert_revoked(op: OP, tokens: dict[str, Any]) -> None:
    assert (await op.userinfo(tokens["access_token"])).status_code == 401
    assert (await op.introspect(tokens["access_token"])).json() == {"active": False}
    refreshed = await op.token(
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 400
    assert refreshed.json()["error"] == "invalid_grant"


async def test_code_reuse_is_refused_and_revokes_what_the_code_issued(op: OP) -> None:
    async with op.browser() as browser:
        code, verifier, tokens = await first_exchange(op, browser)
    assert (await op.userinfo(tokens["access_token"])).status_code == 200
    replay = await op.exchange(code, verifier)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    await assert_revoked(op, tokens)


async def test_code_reuse_after_30_seconds_is_refused_and_revokes(op: OP) -> None:
    async with op.browser() as browser:
        code, verifier, tokens = await first_exchange(op, browser)
    # Thirty seconds pass (simulated: the code's timestamps move back, it is still unexpired).
    async with op.database.session(write=True) as session:
        await session.execute(
            update(AuthorizationCode)
            .where(AuthorizationCode.code_hash == digest(code))
            .values(
                created_at=AuthorizationCode.created_at - 30_000,
                used_at=AuthorizationCode.used_at - 30_000,
            )
        )
        row = await session.get(AuthorizationCode, digest(code))
        assert row is not None
        assert row.expires_at > now_ms()
    replay = await op.exchange(code, verifier)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    await assert_revoked(op, tokens)


async def test_codes_live_ten_minutes_at_most(op: OP) -> None:
    verifier = new_verifier()
    async with op.browser() as browser:
        flow = await op.authorize(
            browser,
            op.authorization_url(
                response_type="code",
                scope="openid",
                code_challenge=s256(verifier),
                code_challenge_method="S256",
            ),
        )
    code = flow.params["code"]
    async with op.database.session(write=True) as session:
        row = await session.get(AuthorizationCode, digest(code))
        assert row is not None
        assert row.expires_at - row.created_at <= 600_000
        row.expires_at = now_ms() - 1  # the ten minutes are over
    expired = await op.exchange(code, verifier)
    assert expired.status_code == 400
    assert expired.json()["error"] == "invalid_grant"


# ------------------------------------------------------------------------------------- refresh


async def test_refresh_token_grant_rotates_and_returns_a_new_id_token(op: OP) -> None:
    async with op.browser() as browser, op.oauth() as oauth:
        _, _, first = await first_exchange(
            op, browser, signed_in_seconds_ago=120, nonce="refresh-nonce"
        )
        raw = await op.token(
            {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
        )
        assert raw.status_code == 200, raw.text
        second = raw.json()
        assert second["access_token"] != first["access_token"]
        assert second["refresh_token"] != first["refresh_token"]  # rotated
        assert (await op.userinfo(second["access_token"])).status_code == 200
        # Both vendors answer an OIDC refresh with a fresh id_token (OIDC Core §12.2).
        assert "id_token" in second, sorted(second)
        first_claims = await op.id_token_claims(first["id_token"])
        claims = await op.id_token_claims(second["id_token"])
        # OIDC Core §12.2: same iss, sub and aud; auth_time of the original sign-in; a nonce
        # only if it is the original one.
        assert claims["sub"] == first_claims["sub"]
        assert claims["aud"] == first_claims["aud"]
        assert claims["auth_time"] == first_claims["auth_time"]
        assert claims.get("nonce", first_claims["nonce"]) == first_claims["nonce"]
        assert claims["at_hash"] == half_hash(second["access_token"])
        # The client library refreshes with the rotated token, too.
        refreshed = await oauth.refresh_token(op.token_url, refresh_token=second["refresh_token"])
        assert refreshed["refresh_token"] != second["refresh_token"]
        # Reusing a spent refresh token is a replay: the whole family is revoked.
        replay = await op.token(
            {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
        )
        assert replay.status_code == 400
        assert replay.json()["error"] == "invalid_grant"
        newest = await op.token(
            {"grant_type": "refresh_token", "refresh_token": refreshed["refresh_token"]}
        )
        assert newest.status_code == 400
        assert (await op.userinfo(refreshed["access_token"])).status_code == 401


async def test_a_refresh_token_of_another_client_is_refused(op: OP) -> None:
    other_id, other_secret = await op.register(grant_types=["authorization_code", "refresh_token"])
    assert other_secret is not None
    async with op.browser() as browser:
        result = await signed_in_flow(op, browser)
    stolen = await op.token(
        {"grant_type": "refresh_token", "refresh_token": result.tokens["refresh_token"]},
        auth=(other_id, other_secret),
    )
    assert stolen.status_code == 400
    assert stolen.json()["error"] == "invalid_grant"
    assert "access_token" not in stolen.json()


# ---------------------------------------------------------------------------------------- PKCE


async def test_pkce_s256_succeeds_and_a_wrong_verifier_fails(op: OP) -> None:
    async with op.browser() as browser:
        _, _, tokens = await first_exchange(op, browser)
        assert tokens["access_token"]
        verifier = new_verifier()
        flow = await op.authorize(
            browser,
            op.authorization_url(
                response_type="code",
                scope="openid",
                code_challenge=s256(verifier),
                code_challenge_method="S256",
            ),
        )
    code = flow.params["code"]
    wrong = await op.exchange(code, new_verifier())
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    missing = await op.exchange(code)
    assert missing.status_code == 400
    assert missing.json()["error"] in ("invalid_request", "invalid_grant")


@pytest.mark.parametrize("method", [{"code_challenge_method": "plain"}, {}])
async def test_plain_pkce_is_refused(op: OP, method: dict[str, str]) -> None:
    verifier = new_verifier()
    async with op.browser() as browser:
        flow = await op.authorize(
            browser,
            op.authorization_url(
                response_type="code", scope="openid", state="p", code_challenge=verifier, **method
            ),
        )
    assert flow.to_client, flow.describe()
    assert flow.params["error"] == "invalid_request"
    assert flow.params["state"] == "p"
    assert "code" not in flow.params


async def test_a_verifier_without_a_challenge_is_refused(op: OP) -> None:
    """A PKCE downgrade: the code was requested without a challenge, so a verifier sent with
    it proves nothing and is refused (RFC 9700 §2.1.1)."""
    async with op.browser() as browser:
        flow = await op.authorize(
            browser, op.authorization_url(response_type="code", scope="openid")
        )
    assert "code" in flow.params
    downgraded = await op.exchange(flow.params["code"], new_verifier())
    assert downgraded.status_code == 400
    assert downgraded.json()["error"] in ("invalid_request", "invalid_grant")


async def test_a_public_client_must_use_pkce(op: OP) -> None:
    public_id, secret = await op.register(public=True, name="Phone app")
    assert secret is None
    async with op.browser() as browser:
        without = await op.authorize(
            browser,
            f"{op.authorize_url}?"
            + urlencode(
                {
                    "client_id": public_id,
                    "redirect_uri": REDIRECT_URI,
                    "response_type": "code",
                    "scope": "openid",
                    "state": "pub",
                }
            ),
        )
        assert without.to_client, without.describe()
        assert without.params["error"] == "invalid_request"
        assert "code" not in without.params
        # With S256 the same public client gets its tokens, authenticating with nothing else.
        async with op.oauth("none", client_id=public_id, scope="openid") as oauth:
            result = await op.code_flow(browser, oauth)
    assert result.tokens["access_token"]
    claims = await op.id_token_claims(result.tokens["id_token"], client_id=public_id)
    assert claims["sub"] == str(op.user_id)


# ------------------------------------------------------------------ revocation, introspection


async def test_revoking_an_access_token(op: OP) -> None:
    async with op.browser() as browser:
        tokens = (await signed_in_flow(op, browser)).tokens
    assert (await op.userinfo(tokens["access_token"])).status_code == 200
    response = await op.revoke(tokens["access_token"], hint="access_token")
    assert response.status_code == 200
    assert (await op.userinfo(tokens["access_token"])).status_code == 401
    assert (await op.introspect(tokens["access_token"])).json() == {"active": False}


async def test_revoking_a_refresh_token_ends_the_grant(op: OP) -> None:
    async with op.browser() as browser:
        tokens = (await signed_in_flow(op, browser)).tokens
    response = await op.revoke(tokens["refresh_token"], hint="refresh_token")
    assert response.status_code == 200
    await assert_revoked(op, tokens)


async def test_revocation_of_unknown_tokens_and_by_strangers(op: OP) -> None:
    async with op.browser() as browser:
        tokens = (await signed_in_flow(op, browser)).tokens
    # An unknown token is answered like a revoked one (RFC 7009 §2.2).
    assert (await op.revoke("no-such-token")).status_code == 200
    # Without client authentication: refused.
    anonymous = await op.http.post(
        op.discovery["revocation_endpoint"], data={"token": tokens["access_token"]}
    )
    assert anonymous.status_code == 401
    assert anonymous.json()["error"] == "invalid_client"
    # Another client cannot revoke this client's tokens.
    other_id, other_secret = await op.register()
    assert other_secret is not None
    await op.revoke(tokens["refresh_token"], auth=(other_id, other_secret))
    assert (await op.userinfo(tokens["access_token"])).status_code == 200
    assert (await op.introspect(tokens["access_token"])).json()["active"] is True


async def test_introspection_of_active_and_inactive_tokens(op: OP) -> None:
    async with op.browser() as browser:
        tokens = (await signed_in_flow(op, browser)).tokens
    response = await op.introspect(tokens["access_token"])
    assert response.status_code == 200
    body = response.json()
    assert body["active"] is True
    assert body["client_id"] == op.client_id
    assert set(body["scope"].split()) == set(op.case.flow_scope.split())
    assert body["sub"] == str(op.user_id)
    assert body["exp"] > time.time()
    assert body["iss"] == op.issuer
    refresh = await op.introspect(tokens["refresh_token"], hint="refresh_token")
    assert refresh.json()["active"] is True
    assert (await op.introspect("garbage")).json() == {"active": False}
    await op.revoke(tokens["access_token"])
    assert (await op.introspect(tokens["access_token"])).json() == {"active": False}


async def test_introspection_needs_an_authenticated_client(op: OP) -> None:
    async with op.browser() as browser:
        tokens = (await signed_in_flow(op, browser)).tokens
    anonymous = await op.http.post(
        op.discovery["introspection_endpoint"], data={"token": tokens["access_token"]}
    )
    assert anonymous.status_code == 401
    assert anonymous.json()["error"] == "invalid_client"
    assert "active" not in anonymous.json()
    wrong = await op.introspect(tokens["access_token"], auth=(op.client_id, "wrong"))
    assert wrong.status_code == 401


# --------------------------------------------------------------------------------- forged JWTs


FORGERIES = [
    "wrong_key",
    "unknown_kid",
    "alg_none",
    "alg_hs256_with_public_key",
    "expired",
    "not_yet_valid",
    "wrong_audience",
    "wrong_issuer",
]


async def forged_access_token(op: OP, kind: str) -> str:
    """An access token built outside the server. Only the genuine one is signed correctly with
    the right claims; each forgery differs from it in one respect."""
    kid, key = await op.signing_key()
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": op.issuer,
        "sub": str(op.user_id),
        "aud": [op.case.access_audience],
        "client_id": op.client_id,
        "scope": "openid profile",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": secrets.token_hex(16),
    }
    header: dict[str, Any] = {"alg": "RS256", "typ": "JWT", "kid": kid}
    if kind == "alg_none":
        part = lambda value: b64url(json.dumps(value).encode())  # noqa: E731
        return f"{part({'alg': 'none', 'typ': 'JWT', 'kid': kid})}.{part(claims)}."
    if kind == "alg_hs256_with_public_key":
        # The classic confusion: an HMAC keyed with the published RSA public key.
        public_pem = key.as_pem(private=False)
        signing_input = (
            b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
            + "."
            + b64url(json.dumps(claims).encode())
        )
        signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{b64url(signature)}"
    if kind == "wrong_key":
        key = RSAKey.generate_key(2048)
    elif kind == "unknown_kid":
        key = RSAKey.generate_key(2048)
        header["kid"] = "not-a-published-kid"
    elif kind == "expired":
        claims |= {"iat": now - 7200, "nbf": now - 7200, "exp": now - 3600}
    elif kind == "not_yet_valid":
        claims |= {"nbf": now + 3600, "exp": now + 7200}
    elif kind == "wrong_audience":
        claims["aud"] = ["some-other-api"]
    elif kind == "wrong_issuer":
        claims["iss"] = "https://issuer.example/realms/evil"
    else:
        assert kind == "genuine"
    return jwt.encode(header, claims, key, algorithms=["RS256"])


async def accepted_by_the_store(op: OP, token: str) -> None:
    """Records ``token`` as an issued, unexpired, unrevoked grant, so that only the JWT checks
    of the userinfo endpoint stand between it and the user's claims."""
    async with op.database.session(write=True) as session:
        session.add(
            Grant(
                face=op.case.face,
                client_id=op.client_id,
                user_id=op.user_id,
                access_key=digest(token),
                family=secrets.token_hex(8),
                scope="openid profile",
                access_expires_at=now_ms() + 600_000,
            )
        )


async def test_a_genuine_token_built_like_the_forgeries_is_accepted(op: OP) -> None:
    """The control for the forgeries below: with the server's key and the right claims."""
    token = await forged_access_token(op, "genuine")
    await accepted_by_the_store(op, token)
    response = await op.userinfo(token)
    assert response.status_code == 200, response.text
    assert response.json()["sub"] == str(op.user_id)


@pytest.mark.parametrize("kind", FORGERIES)
async def test_forged_jwts_are_refused_by_userinfo(op: OP, kind: str) -> None:
    token = await forged_access_token(op, kind)
    await accepted_by_the_store(op, token)
    response = await op.userinfo(token)
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "invalid_token"
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    posted = await op.http.post(op.userinfo_url, data={"access_token": token})
    assert posted.status_code == 401


async def test_a_token_of_the_other_oidc_face_is_refused(op: OP) -> None:
    other_face = "ckw" if op.case.face == "nuheat" else "nuheat"
    async with open_op(op.live, other_face, op.user_id) as other, other.browser() as browser:
        tokens = (await signed_in_flow(other, browser)).tokens
        assert (await other.userinfo(tokens["access_token"])).status_code == 200
    response = await op.userinfo(tokens["access_token"])
    assert response.status_code == 401


# ------------------------------------------------------------------------------- CKW specifics


async def test_access_tokens_carry_the_time_of_the_sign_in(op: OP) -> None:
    async with op.browser() as browser:
        _, _, tokens = await first_exchange(op, browser, signed_in_seconds_ago=60)
    signed_in = (await op.id_token_claims(tokens["id_token"]))["auth_time"]
    assert signed_in <= time.time() - 59
    access = unverified_claims(tokens["access_token"])
    assert access["auth_time"] == signed_in
    assert access["sub"] == str(op.user_id)
    assert access["iss"] == op.issuer
    assert op.case.access_audience in access["aud"]


async def test_ckw_token_response_has_keycloak_fields(ckw: OP) -> None:
    async with ckw.browser() as browser:
        tokens = (await signed_in_flow(ckw, browser)).tokens
    assert tokens["expires_in"] == 300
    assert 1790 <= tokens["refresh_expires_in"] <= 1800
    assert tokens["not-before-policy"] == 0
    assert isinstance(tokens["session_state"], str)
    assert tokens["session_state"]
    claims = unverified_claims(tokens["access_token"])
    assert claims["typ"] == "Bearer"
    assert claims["azp"] == ckw.client_id
    assert claims["preferred_username"] == "ann"
    assert claims["session_state"] == tokens["session_state"]
    refreshed = await ckw.token(
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    body = refreshed.json()
    assert {"refresh_expires_in", "session_state", "not-before-policy"} <= set(body)
    assert body["session_state"] == tokens["session_state"]


async def test_ckw_accepts_client_as_an_alias_of_client_id(ckw: OP) -> None:
    async with ckw.browser() as browser:
        tokens = (await signed_in_flow(ckw, browser)).tokens
    response = await ckw.http.post(
        ckw.token_url,
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client": ckw.client_id,
            "client_secret": ckw.client_secret,
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["access_token"]
    wrong = await ckw.http.post(
        ckw.token_url,
        data={
            "grant_type": "refresh_token",
            "refresh_token": response.json()["refresh_token"],
            "client": ckw.client_id,
            "client_secret": "wrong",
        },
    )
    assert wrong.status_code == 401


async def test_ckw_refuses_the_password_grant_like_keycloak(ckw: OP) -> None:
    response = await ckw.http.post(
        ckw.token_url,
        data={
            "grant_type": "password",
            "username": "ann",
            "password": PASSWORD,
            "client_id": ckw.client_id,
            "client_secret": ckw.client_secret,
            "scope": "openid",
        },
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "unauthorized_client",
        "error_description": "Client not allowed for direct access grants",
    }


# ---------------------------------------------------------------------------- Nuheat specifics


async def test_nuheat_refresh_token_only_with_offline_access(nuheat: OP) -> None:
    async with nuheat.browser() as browser:
        online = await signed_in_flow(nuheat, browser, scope="openid openapi")
        offline = await signed_in_flow(nuheat, browser, scope="openid openapi offline_access")
    assert "refresh_token" not in online.tokens
    assert offline.tokens["refresh_token"]
    assert offline.tokens["expires_in"] == 3600
    claims = unverified_claims(offline.tokens["access_token"])
    assert "openapi" in claims["aud"]
    assert claims["client_id"] == nuheat.client_id
    assert claims["sub"] == str(nuheat.user_id)
    assert {"nbf", "exp", "iss", "scope"} <= set(claims)


async def test_nuheat_implicit_never_returns_a_refresh_token(nuheat: OP) -> None:
    # Nuheat's implicit flow: "ClientID plus openid and openapi", a browser app without secret.
    client_id, secret = await nuheat.register(
        name="Implicit app", public=True, grant_types=["implicit", "refresh_token"]
    )
    assert secret is None
    async with nuheat.browser() as browser, nuheat.oauth("none", client_id=client_id) as oauth:
        url, state = oauth.create_authorization_url(
            nuheat.authorize_url,
            response_type="id_token token",
            response_mode="fragment",
            scope="openid openapi offline_access",
            nonce="implicit-nonce",
        )
        flow = await nuheat.authorize(browser, url)
        assert flow.to_client, flow.describe()
        assert urlsplit(flow.location).query == ""  # nothing leaks into the query
        token = await oauth.fetch_token(authorization_response=flow.location, state=state)
    assert token["access_token"]
    assert "refresh_token" not in token
    assert token["state"] == state
    assert token["iss"] == nuheat.issuer
    claims = await nuheat.id_token_claims(token["id_token"], client_id=client_id)
    assert claims["nonce"] == "implicit-nonce"
    assert claims["at_hash"] == half_hash(token["access_token"])
    assert (await nuheat.userinfo(token["access_token"])).status_code == 200


async def test_nuheat_hybrid_code_id_token_has_c_hash(nuheat: OP) -> None:
    client_id, secret = await nuheat.register(
        name="Hybrid app", grant_types=["authorization_code", "implicit", "refresh_token"]
    )
    assert secret is not None
    async with nuheat.browser() as browser:
        flow = await nuheat.authorize(
            browser,
            f"{nuheat.authorize_url}?"
            + urlencode(
                {
                    "client_id": client_id,
                    "redirect_uri": REDIRECT_URI,
                    "response_type": "code id_token",
                    "scope": "openid openapi",
                    "state": "hy",
                    "nonce": "hybrid-nonce",
                }
            ),
        )
    assert flow.to_client, flow.describe()
    fragment = dict(parse_qsl(urlsplit(flow.location).fragment))
    assert {"code", "id_token", "state", "iss"} <= set(fragment)
    assert "access_token" not in fragment
    assert fragment["state"] == "hy"
    claims = await nuheat.id_token_claims(fragment["id_token"], client_id=client_id)
    assert claims["nonce"] == "hybrid-nonce"
    assert claims["c_hash"] == half_hash(fragment["code"])
    exchanged = await nuheat.exchange(fragment["code"], auth=(client_id, secret))
    assert exchanged.status_code == 200, exchanged.text
    assert "refresh_token" not in exchanged.json()  # no offline_access asked


async def test_nuheat_form_post_renders_an_auto_submitting_form(nuheat: OP) -> None:
    verifier = new_verifier()
    async with nuheat.browser() as browser:
        flow = await nuheat.authorize(
            browser,
            nuheat.authorization_url(
                response_type="code",
                response_mode="form_post",
                scope="openid openapi",
                state="fp<&>",
                code_challenge=s256(verifier),
                code_challenge_method="S256",
            ),
        )
    assert flow.response.status_code == 200
    assert flow.response.headers["content-type"].startswith("text/html")
    page = parse_page(flow.response.text)
    assert "submit()" in page.body_onload
    [form] = page.forms
    assert form.action == REDIRECT_URI
    assert form.method == "post"
    posted = dict(form.hidden())
    assert set(posted) == {"code", "state", "iss"}
    assert posted["state"] == "fp<&>"
    assert posted["iss"] == nuheat.issuer
    exchanged = await nuheat.exchange(posted["code"], verifier)
    assert exchanged.status_code == 200, exchanged.text
