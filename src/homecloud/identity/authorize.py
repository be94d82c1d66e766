"""The browser side of the authorization endpoint: sign-in, consent, and delivering the answer
to the client's redirect URI (query, fragment or form_post, with ``iss`` per RFC 9207).

Shared by every face with an authorization endpoint; a face supplies its paths and title.
Errors found before the client and its redirect URI are trusted are shown as a page, never
redirected (RFC 6749 §4.1.2.1), so homecloud cannot be used as an open redirector.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from authlib.oauth2.rfc6749.errors import AccessDeniedError, OAuth2Error
from authlib.oidc.core.errors import ConsentRequiredError, LoginRequiredError
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from homecloud.core.models import now_ms
from homecloud.core.parsing import is_integer_text
from homecloud.identity.models import Consent
from homecloud.identity.profiles import IssuerProfile
from homecloud.identity.provider import IdentityProvider
from homecloud.identity.server import (
    AuthorizationContext,
    ClientView,
    IssueResult,
    PreparedRequest,
    ProfileServer,
)
from homecloud.identity.web import (
    MalformedRequest,
    SignedIn,
    current_session,
    error_page,
    form_page,
    page,
    prepare,
    with_query,
)

FRAGMENT_RESPONSE_TYPES = ("token", "id_token")


class RequestNotSupportedError(OAuth2Error):  # type: ignore[misc]
    error = "request_not_supported"
    description = "Request objects are not supported."


class RequestUriNotSupportedError(OAuth2Error):  # type: ignore[misc]
    error = "request_uri_not_supported"
    description = "request_uri is not supported."


@dataclass(frozen=True)
class Interaction:
    """The user must act before the client gets an answer."""

    kind: str  # "login" or "consent"
    client_name: str = ""
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class FacePages:
    """Where a face's sign-in pages live, as absolute paths below the server root."""

    login: str
    consent: str
    authorize: str


def wants_fragment(response_type: str) -> bool:
    return any(part in FRAGMENT_RESPONSE_TYPES for part in response_type.split())


def deliver(
    result: IssueResult, request: PreparedRequest, issuer: str, profile: IssuerProfile
) -> Response:
    """Turn Authlib's redirect into the response mode the client asked for."""
    location = dict(result.headers).get("Location")
    if location is None:
        return oauth_error_page(profile, result)
    data = request.payload.data
    parts = urlsplit(location)
    if parts.fragment:
        params = parse_qsl(parts.fragment, keep_blank_values=True)
        base_query = parts.query
    else:
        registered = set(
            parse_qsl(urlsplit(data.get("redirect_uri", "")).query, keep_blank_values=True)
        )
        all_params = parse_qsl(parts.query, keep_blank_values=True)
        params = [pair for pair in all_params if pair not in registered]
        base_query = urlencode([pair for pair in all_params if pair in registered])
    params.append(("iss", issuer))
    base = urlunsplit((parts.scheme, parts.netloc, parts.path, base_query, ""))
    mode = data.get("response_mode") or (
        "fragment" if wants_fragment(data.get("response_type", "")) else "query"
    )
    if mode == "form_post":
        return page("form_post.html", action=base, params=params, title=profile.title)
    if mode == "fragment":
        return RedirectResponse(f"{base}#{urlencode(params)}", status_code=302)
    joined = f"{base_query}&{urlencode(params)}" if base_query else urlencode(params)
    return RedirectResponse(
        urlunsplit((parts.scheme, parts.netloc, parts.path, joined, "")), status_code=302
    )


def oauth_error_page(profile: IssuerProfile, result: IssueResult) -> Response:
    """Authlib's error, shown as a page because there is no trusted redirect URI for it."""
    body = result.body if isinstance(result.body, dict) else {}
    return error_page(
        profile.title,
        body.get("error_description", "The request cannot be completed."),
        body.get("error", "invalid_request"),
    )


def _consented_scopes(server: ProfileServer, user_id: int, client_id: str) -> set[str] | None:
    """The scopes the user granted the client, or None if they never consented to it (a
    client that asks for no scope at all still needs the user's yes once)."""
    scope = server.session.scalar(
        select(Consent.scope).where(Consent.user_id == user_id, Consent.client_id == client_id)
    )
    return None if scope is None else set(scope.split())


def _decide(
    server: ProfileServer,
    request: PreparedRequest,
    signed_in: SignedIn | None,
    *,
    consented: bool | None,
    remember: bool,
) -> IssueResult | Interaction:
    """One pass of the authorization endpoint, inside the request's transaction.

    ``consented`` is None on the first visit, True/False when the consent form was answered.
    """
    data = request.payload.data
    prompts = set(data.get("prompt", "").split())
    try:
        grant = server.get_consent_grant(request, end_user=signed_in.user if signed_in else None)
        # Request objects are not supported; say so rather than ignore what they may contain.
        if "request" in data:
            raise RequestNotSupportedError(redirect_uri=grant.redirect_uri, state=data.get("state"))
        if "request_uri" in data:
            raise RequestUriNotSupportedError(
                redirect_uri=grant.redirect_uri, state=data.get("state")
            )
    except OAuth2Error as error:
        return server.handle_error_response(request, error)  # type: ignore[no-any-return]
    client: ClientView = request.client
    redirect = {"redirect_uri": grant.redirect_uri, "state": data.get("state")}
    if wants_fragment(data.get("response_type", "")):
        redirect["redirect_fragment"] = True
    if signed_in is None or needs_fresh_login(data, signed_in, prompts):
        if "none" in prompts:
            return server.handle_error_response(request, LoginRequiredError(**redirect))  # type: ignore[no-any-return]
        return Interaction("login")
    if consented is False:
        return server.handle_error_response(request, AccessDeniedError(**redirect))  # type: ignore[no-any-return]
    requested = set(client.get_allowed_scope(request.payload.scope).split())
    if consented is None and client.row.require_consent:
        known = _consented_scopes(server, signed_in.user.id, client.get_client_id())
        if "consent" in prompts or known is None or not requested <= known:
            if "none" in prompts:
                return server.handle_error_response(request, ConsentRequiredError(**redirect))  # type: ignore[no-any-return]
            return Interaction("consent", client.row.name, tuple(sorted(requested)))
    if consented and remember:
        remember_consent(server, signed_in.user.id, client.get_client_id(), requested)
    return server.create_authorization_response(request, grant_user=signed_in.user, grant=grant)  # type: ignore[no-any-return]


def needs_fresh_login(data: dict[str, str], signed_in: SignedIn, prompts: set[str]) -> bool:
    if "login" in prompts:
        return True
    # OIDC Core: max_age is a number of seconds; text that is not one is ignored, as before.
    max_age = data.get("max_age")
    if max_age is not None and is_integer_text(max_age) and not max_age.startswith("-"):
        return time.time() - signed_in.auth_time > int(max_age)
    return False


def remember_consent(server: ProfileServer, user_id: int, client_id: str, scopes: set[str]) -> None:
    row = server.session.scalar(
        select(Consent).where(Consent.user_id == user_id, Consent.client_id == client_id)
    )
    if row is None:
        server.session.add(
            Consent(user_id=user_id, client_id=client_id, scope=" ".join(sorted(scopes)))
        )
    else:
        row.scope = " ".join(sorted(scopes | set(row.scope.split())))
        row.granted_at = now_ms()


def return_url_after_sign_in(request: Request) -> str:
    """The authorize URL to come back to after signing in: ``prompt=login`` and ``max_age``
    are dropped, since the sign-in they ask for is the one about to happen. (Kept, a short
    ``max_age`` would send a person who just signed in back to the form whenever the round
    trip took longer than it, in a loop.) The id_token reports the new ``auth_time`` either way."""
    params = []
    for key, value in request.query_params.multi_items():
        if key == "max_age":
            continue
        if key == "prompt":
            value = " ".join(p for p in value.split() if p != "login")
            if not value:
                continue
        params.append((key, value))
    path = request.url.path
    return f"{path}?{urlencode(params)}" if params else path


async def authorization_endpoint(
    provider: IdentityProvider,
    profile: IssuerProfile,
    pages: FacePages,
    request: Request,
    *,
    consented: bool | None = None,
    remember: bool = False,
    prepared: PreparedRequest | None = None,
) -> Response:
    try:
        prepared = prepared or await prepare(request)
    except MalformedRequest as exc:
        return error_page(profile.title, str(exc))
    signed_in = await current_session(provider, request)
    context = AuthorizationContext(
        user=signed_in.user if signed_in else None,
        auth_time=signed_in.auth_time if signed_in else 0,
        session_id=signed_in.session_id if signed_in else None,
    )
    outcome = await provider.run(
        profile,
        prepared,
        lambda server, req: _decide(server, req, signed_in, consented=consented, remember=remember),
        context,
    )
    if isinstance(outcome, Interaction):
        return_url = (
            return_url_after_sign_in(request)
            if consented is None
            else with_query(pages.authorize, **prepared.payload.data)
        )
        if outcome.kind == "login":
            # login_hint pre-fills the user name, as IdentityServer and Keycloak do.
            hint = prepared.payload.data.get("login_hint")
            extra = {"login_hint": hint} if hint else {}
            return RedirectResponse(
                with_query(pages.login, ReturnUrl=return_url, **extra), status_code=302
            )
        return consent_page(profile, pages, request, outcome, return_url)
    return deliver(outcome, prepared, provider.issuer(profile), profile)


def consent_page(
    profile: IssuerProfile,
    pages: FacePages,
    request: Request,
    interaction: Interaction,
    return_url: str,
) -> Response:
    return form_page(
        request,
        "consent.html",
        title=profile.title,
        client_name=interaction.client_name,
        scopes=interaction.scopes,
        described=[(scope, profile.describe(scope)) for scope in interaction.scopes],
        return_url=return_url,
        action=pages.consent,
    )


def prepared_from_return_url(request: Request, return_url: str) -> PreparedRequest:
    """The authorize request a consent form refers to, rebuilt from its ReturnUrl."""
    parts = urlsplit(return_url)
    query: dict[str, list[str]] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        query.setdefault(key, []).append(value)
    uri = str(request.url.replace(path=parts.path, query=parts.query))
    headers: dict[str, Any] = dict(request.headers)
    return PreparedRequest("GET", uri, headers, query, {})
