"""Starlette glue: requests into Authlib's shape, browser sessions, CSRF, pages."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import orjson
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import delete, select
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from homecloud.core.models import User, now_ms
from homecloud.core.parsing import MalformedJson, parse_json
from homecloud.identity.models import BrowserSession
from homecloud.identity.provider import IdentityProvider
from homecloud.identity.secrets import digest, new_secret
from homecloud.identity.server import PreparedRequest

SESSION_COOKIE = "homecloud_session"
CSRF_COOKIE = "homecloud_csrf"
CSRF_FIELD = "__RequestVerificationToken"  # IdentityServer's name; scraping clients know it
SESSION_LIFETIME_SECONDS = 12 * 3600

TEMPLATES = Path(__file__).parent / "templates"


def page_environment(*directories: Path) -> Environment:
    """Templates of pages in homecloud's one look: ``directories`` first (a face's own
    pages), then the shared ones they extend (``base.html``)."""
    return Environment(
        loader=FileSystemLoader([*directories, TEMPLATES]),
        autoescape=select_autoescape(("html",)),
        trim_blocks=True,
        lstrip_blocks=True,
    )


templates = page_environment()


class MalformedRequest(ValueError):
    """A body that is neither a form nor a JSON object."""


async def prepare(request: Request) -> PreparedRequest:
    """The request as Authlib reads it: query and body parameters as lists of strings.

    Vendors differ in what their token endpoints take (MClimate and Thing+ clients send JSON),
    so a JSON object is accepted where a form is, its scalar values as strings.
    """
    query: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        query.setdefault(key, []).append(value)
    body: dict[str, list[str]] = {}
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if request.method in ("POST", "PUT"):
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.form()
            for key, item in form.multi_items():
                if isinstance(item, str):
                    body.setdefault(key, []).append(item)
        elif content_type == "application/json" or content_type.endswith("+json"):
            raw = await request.body()
            try:
                parsed = parse_json(raw) if raw.strip() else {}
            except MalformedJson as exc:
                raise MalformedRequest(str(exc)) from exc
            if not isinstance(parsed, dict):
                raise MalformedRequest("The request body must be a JSON object.")
            for key, value in parsed.items():
                values = value if isinstance(value, list) else [value]
                body[key] = [_as_text(item) for item in values if item is not None]
    headers = {key: value for key, value in request.headers.items()}
    return PreparedRequest(request.method, str(request.url), headers, query, body)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return orjson.dumps(value).decode() if isinstance(value, dict | list) else str(value)


# ------------------------------------------------------------------------------- browser session


@dataclass(frozen=True)
class SignedIn:
    user: User
    auth_time: int  # seconds
    session_id: str  # the digest, safe to put in tokens as session_state


async def current_session(provider: IdentityProvider, request: Request) -> SignedIn | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    async with provider.database.session() as session:
        row = (
            await session.execute(
                select(BrowserSession, User)
                .join(User, User.id == BrowserSession.user_id)
                .where(BrowserSession.id_hash == digest(cookie))
            )
        ).first()
    if row is None:
        return None
    browser, user = row
    if browser.expires_at <= now_ms() or not user.is_active:
        return None
    # A password change signs every browser out.
    if user.password_changed_at > browser.created_at:
        return None
    return SignedIn(user, browser.auth_time, browser.id_hash)


async def start_session(
    provider: IdentityProvider, user: User, response: Response, secure: bool
) -> SignedIn:
    cookie = new_secret(32)
    now = now_ms()
    row = BrowserSession(
        id_hash=digest(cookie),
        user_id=user.id,
        auth_time=now // 1000,
        created_at=now,
        expires_at=now + SESSION_LIFETIME_SECONDS * 1000,
    )
    async with provider.database.session(write=True) as session:
        session.add(row)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=SESSION_LIFETIME_SECONDS,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )
    return SignedIn(user, row.auth_time, row.id_hash)


async def end_session(provider: IdentityProvider, request: Request, response: Response) -> None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        async with provider.database.session(write=True) as session:
            await session.execute(
                delete(BrowserSession).where(BrowserSession.id_hash == digest(cookie))
            )
    response.delete_cookie(SESSION_COOKIE, path="/")


# ------------------------------------------------------------------------------------------ CSRF


def csrf_token(request: Request) -> tuple[str, bool]:
    """The browser's CSRF token and whether it must be set as a cookie now (double submit:
    a cross-site page can make the browser send the cookie, but cannot read it to fill in
    the form field)."""
    existing = request.cookies.get(CSRF_COOKIE)
    if existing and len(existing) >= 32:
        return existing, False
    return secrets.token_urlsafe(32), True


def set_csrf_cookie(response: Response, token: str, secure: bool) -> None:
    response.set_cookie(
        CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/"
    )


def form_field(form: Any, name: str) -> str | None:
    """A text field of a submitted form; None when it is missing or a file."""
    value = form.get(name)
    return value if isinstance(value, str) else None


def csrf_valid(request: Request, submitted: str | None) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE)
    return bool(cookie and submitted and secrets.compare_digest(cookie, submitted))


# ----------------------------------------------------------------------------------------- pages


def page(
    name: str, status: int = 200, *, environment: Environment = templates, **context: Any
) -> HTMLResponse:
    content = environment.get_template(name).render(**context)
    response = HTMLResponse(content, status_code=status)
    # Pages with forms and account data must never be framed (clickjacking) or cached.
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
    response.headers["Cache-Control"] = "no-store"
    return response


def form_page(
    request: Request,
    name: str,
    status: int = 200,
    *,
    environment: Environment = templates,
    **context: Any,
) -> HTMLResponse:
    """:func:`page` for a page with a form: the form gets the browser's CSRF token (``csrf``,
    in a field named ``csrf_field``), and a browser without one gets its cookie."""
    token, fresh = csrf_token(request)
    response = page(
        name, status, environment=environment, csrf=token, csrf_field=CSRF_FIELD, **context
    )
    if fresh:
        set_csrf_cookie(response, token, request.url.scheme == "https")
    return response


def error_page(title: str, description: str, error: str = "invalid_request") -> HTMLResponse:
    """The page for a request that must not be answered with a redirect."""
    return page("error.html", status=400, title=title, error=error, description=description)


def safe_return_path(value: str | None, allowed_prefix: str) -> str | None:
    """``value`` if it is a path on this server below ``allowed_prefix``; anything that could
    send the browser elsewhere (absolute URLs, ``//host``, backslashes) is refused."""
    if not value or "\\" in value:
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path.startswith(allowed_prefix):
        return None
    return value


def with_query(path: str, **params: str) -> str:
    return f"{path}?{urlencode(params)}"
