"""A person at the sign-in and consent pages, played by an httpx client that keeps cookies."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from html import unescape
from urllib.parse import urlsplit

import httpx


def field(html: str, name: str) -> str:
    """The value of the form input ``name`` on a page."""
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*value="([^"]*)"', html)
    assert match is not None, f"no {name} on the page"
    return unescape(match.group(1))


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    return verifier, challenge.decode()


async def sign_in(
    client: httpx.AsyncClient, authorize_url: str, login: str, password: str
) -> httpx.Response:
    """Opens the authorization URL, is sent to the sign-in page, fills it in; returns the
    answer to the form (a redirect back to the authorization endpoint)."""
    to_login = await client.get(authorize_url)
    assert to_login.status_code == 302, to_login.text
    form = await client.get(to_login.headers["location"])
    return await client.post(
        urlsplit(to_login.headers["location"]).path,
        data={
            "ReturnUrl": field(form.text, "ReturnUrl"),
            "Username": login,
            "Password": password,
            "__RequestVerificationToken": field(form.text, "__RequestVerificationToken"),
        },
    )


async def allow(
    client: httpx.AsyncClient, consent_page: httpx.Response, consent_path: str
) -> httpx.Response:
    """Clicks Allow on a consent page; returns the redirect to the client."""
    return await client.post(
        consent_path,
        data={
            "ReturnUrl": field(consent_page.text, "ReturnUrl"),
            "button": "yes",
            "__RequestVerificationToken": field(consent_page.text, "__RequestVerificationToken"),
        },
    )
