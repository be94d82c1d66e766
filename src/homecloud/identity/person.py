"""A person at the sign-in and consent pages, played by an httpx client that keeps cookies.

The client side of identity's pages: what a browser does between an app's authorization
request and the redirect back to the app. The tests (through ``tests/identity/person.py``), the
benchmarks (``bench/live.py``) and the Thing+ gateway simulator all drive the pages through
these functions, so that a change to a page's form is followed in one place.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from homecloud.identity.clients import register_client
from homecloud.identity.profiles import IssuerProfile

HIDDEN_INPUT = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
FORM_ACTION = re.compile(r'<form[^>]*action="([^"]*)"')


class PageError(Exception):
    """A page did not answer as a person expects; the message says what came instead."""


def field(html: str, name: str) -> str:
    """The value of the form input ``name`` on a page."""
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*value="([^"]*)"', html)
    if match is None:
        raise PageError(f"no {name} on the page")
    return unescape(match.group(1))


def hidden_fields(html: str) -> dict[str, str]:
    """Every hidden input of a page (the sign-in form's ReturnUrl and anti-forgery token)."""
    return {name: unescape(value) for name, value in HIDDEN_INPUT.findall(html)}


def pkce_pair() -> tuple[str, str]:
    """A PKCE code verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    return verifier, challenge.decode()


async def submit_sign_in(
    client: httpx.AsyncClient, page: httpx.Response, login: str, password: str
) -> httpx.Response:
    """Sends an open sign-in page's form back filled in, to the page's own URL as a browser
    does with a form without an action; returns the answer (a redirect to the page's
    ReturnUrl, or the page again with the reason)."""
    return await client.post(
        str(page.request.url),
        data={**hidden_fields(page.text), "Username": login, "Password": password},
    )


async def fill_sign_in(
    client: httpx.AsyncClient, login_url: str, login: str, password: str
) -> httpx.Response:
    """Opens a sign-in page and sends its form back filled in (see ``submit_sign_in``)."""
    page = await client.get(login_url)
    if page.status_code != 200:
        raise PageError(f"no sign-in page at {login_url}: HTTP {page.status_code}")
    return await submit_sign_in(client, page, login, password)


async def sign_in(
    client: httpx.AsyncClient, authorize_url: str, login: str, password: str
) -> httpx.Response:
    """Opens the authorization URL, is sent to the sign-in page, fills it in; returns the
    answer to the form (a redirect back to the authorization endpoint)."""
    to_login = await client.get(authorize_url)
    if to_login.status_code != 302:
        raise PageError(f"the authorization URL did not lead to a sign-in page: {to_login.text}")
    return await fill_sign_in(client, to_login.headers["location"], login, password)


async def allow(
    client: httpx.AsyncClient,
    consent_page: httpx.Response,
    consent_path: str | None = None,
    *,
    approve: bool = True,
    remember: bool = False,
) -> httpx.Response:
    """Clicks Allow (or Deny) on a consent page, every hidden input sent as a browser sends it
    (the scopes consented to among them), ticking "remember" when asked; returns the redirect
    to the client. The form goes to ``consent_path``, else to the page's own form action."""
    if consent_path is None:
        action = FORM_ACTION.search(consent_page.text)
        if action is None:
            raise PageError(f"no form on the consent page: {consent_page.text}")
        consent_path = unescape(action.group(1))
    data: dict[str, list[str]] = {}
    for name, value in HIDDEN_INPUT.findall(consent_page.text):
        data.setdefault(name, []).append(unescape(value))
    data["button"] = ["yes" if approve else "no"]
    if remember:
        data["RememberConsent"] = ["true"]
    return await client.post(consent_path, data=data)


async def back_to_the_app(
    client: httpx.AsyncClient, authorize_url: str, redirect_uri: str, login: str, password: str
) -> str:
    """The browser's part of the code flow: follows the identity's redirects, signs in when the
    sign-in page shows (not when the client's cookies hold a session already, so one browser
    can fetch many codes for one sign-in), allows the app when a consent page shows, and
    returns the redirect to ``redirect_uri`` with its query."""
    answer = await client.get(authorize_url)
    for _ in range(6):  # authorize, sign-in page, authorize again, consent: never more
        location = str(answer.headers.get("location", ""))
        if answer.status_code == 302 and location.startswith(redirect_uri):
            return location
        if answer.status_code == 302:
            answer = await client.get(location)
        elif answer.status_code == 200 and 'name="Password"' in answer.text:
            answer = await submit_sign_in(client, answer, login, password)
            if answer.status_code != 302:
                raise PageError(f"cannot sign in as {login}: HTTP {answer.status_code}")
        elif answer.status_code == 200 and FORM_ACTION.search(answer.text):
            answer = await allow(client, answer)
        else:
            break
    raise PageError(f"not sent back to the app: HTTP {answer.status_code} {answer.text}")


@dataclass(frozen=True)
class Issuer:
    """Where an OIDC face keeps its authorization and token endpoints."""

    face: str
    authorize: str
    token: str

    @classmethod
    def of(cls, profile: IssuerProfile) -> Issuer:
        """The OpenID Connect provider of a face, where its issuer profile puts it."""
        base, provider = profile.issuer_path, profile.provider
        return cls(profile.face, base + provider.authorize, base + provider.token)


@dataclass(frozen=True)
class CodeApp:
    """A confidential client of one face that runs the code flow for ``scope``."""

    issuer: Issuer
    client_id: str
    client_secret: str
    redirect_uri: str
    scope: str


async def register_code_app(
    session: AsyncSession,
    issuer: Issuer,
    scope: str,
    redirect_uri: str,
    *,
    name: str = "App",
    grant_types: Sequence[str] = ("authorization_code",),
    require_consent: bool = True,
    client_scope: str | None = None,
) -> CodeApp:
    """Registers a confidential client with one redirect URI; ``client_scope`` (the scopes it
    may ever ask for) is ``scope`` unless given."""
    issued = await register_client(
        session,
        face=issuer.face,
        name=name,
        redirect_uris=[redirect_uri],
        grant_types=list(grant_types),
        scope=client_scope or scope,
        require_consent=require_consent,
    )
    assert issued.client_secret is not None  # a confidential client always gets one
    return CodeApp(issuer, issued.client.client_id, issued.client_secret, redirect_uri, scope)


async def code_flow(
    client: httpx.AsyncClient, app: CodeApp, login: str, password: str, state: str = "s"
) -> dict[str, Any]:
    """The authorization-code flow with PKCE as an app runs it for its user, through the
    pages; returns the token endpoint's answer."""
    verifier, challenge = pkce_pair()
    query = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": app.redirect_uri,
        "scope": app.scope,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    back = await back_to_the_app(
        client, f"{app.issuer.authorize}?{urlencode(query)}", app.redirect_uri, login, password
    )
    code = parse_qs(urlsplit(back).query).get("code")
    if not code:
        raise PageError(f"no code in the redirect back to the app: {back}")
    exchanged = await client.post(
        app.issuer.token,
        data={
            "grant_type": "authorization_code",
            "code": code[0],
            "redirect_uri": app.redirect_uri,
            "code_verifier": verifier,
        },
        auth=(app.client_id, app.client_secret),
    )
    if exchanged.status_code != 200:
        raise PageError(f"the code exchange failed: {exchanged.text}")
    document: dict[str, Any] = exchanged.json()
    return document
