"""Thing+'s OAuth2 service and its client registration.

- ``POST /v2/oauth2/token`` (JSON or form): ``password`` (the password is the hex MD5 of the
  user's password) and ``authorization_code``; the answer is unwrapped
  ``{"access_token", "token_type"}``, errors are oauth2orize ``TokenError`` objects.
- ``GET /v2/oauth2/authorize`` with the decision step ``POST /v2/oauth2/authorize/decision``
  (the consent form posts there); the sign-in page is ``/login``.
- ``/v2/authClients`` and ``/v2/oauth2/authClients`` (the guide and the API description name
  both): create, list, get, delete a user's own clients. The vendor's guide creates the first
  client from a browser signed in to the portal, so a signed-in browser session is accepted
  besides a bearer token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from authlib.oauth2.rfc6749.errors import OAuth2Error
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from fastapi import APIRouter
from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from homecloud.apis.thingplus import ISSUER, repository
from homecloud.apis.thingplus.errors import NO_STORE, oauth2orize_error, schema_error
from homecloud.apis.thingplus.openapi import CREATED_ERRORS, answers, operation
from homecloud.apis.thingplus.schemas import AuthClientAnswer, AuthClientList
from homecloud.core.errors import ApiError
from homecloud.core.models import now_ms
from homecloud.core.parsing import MalformedJson, parse_json
from homecloud.identity.authorize import FacePages, authorization_endpoint
from homecloud.identity.clients import (
    ClientError,
    get_client,
    list_clients,
    register_client,
    validate_redirect_uri,
)
from homecloud.identity.models import OAuthClient
from homecloud.identity.provider import IdentityProvider, unauthorized
from homecloud.identity.server import (
    ClientView,
    IssueResult,
    PasswordGrant,
    PreparedRequest,
    ProfileServer,
)
from homecloud.identity.signin import signin_router
from homecloud.identity.token_endpoint import TokenHooks, token_endpoint
from homecloud.identity.web import current_session
from homecloud.services import Services

PAGES = FacePages(
    login="/thingplus/login",
    consent="/thingplus/v2/oauth2/authorize/decision",
    authorize="/thingplus/v2/oauth2/authorize",
)
LOGOUT = "/thingplus/logout"
TOKEN_GRANTS = ("password", "authorization_code")
CLIENT_PATHS = ("/v2/authClients", "/v2/oauth2/authClients")

# ------------------------------------------------------------------------------ token endpoint


class UnauthorizedUserError(OAuth2Error):  # type: ignore[misc]
    error = "unauthorized_user"
    status_code = 403
    description = "The user is unauthorized"


class OwnerPasswordGrant(PasswordGrant):
    """The password grant through a client made with ``/authClients`` is for the user who
    made it (the vendor's guide: "the user who logged in to Thing+ Portal when creating the
    auth client"); anyone else gets ``unauthorized_user``. Clients registered by the operator
    (without an owner) serve every user."""

    def validate_token_request(self) -> None:
        super().validate_token_request()
        owner = self.request.client.row.owner_id
        if owner is not None and owner != self.request.user.id:
            raise UnauthorizedUserError()


def exchange(server: ProfileServer, request: PreparedRequest) -> IssueResult:
    result: IssueResult
    if request.payload.grant_type == "password":
        grant = OwnerPasswordGrant(request, server)
        try:
            grant.validate_token_request()
            result = server.handle_response(*grant.create_token_response())
        except OAuth2Error as error:
            result = server.handle_error_response(request, error)
        return result
    result = server.create_token_response(request)
    if isinstance(result.body, dict) and result.body.get("error") == "invalid_grant":
        result.body["error"] = diagnose_code(server, request)
    return result


def diagnose_code(server: ProfileServer, request: PreparedRequest) -> str:
    """Which of the vendor's codes a refused authorization code earns (Authlib says
    ``invalid_grant`` for all of them). Runs in the exchange's transaction, so it sees the
    code as the refusal did."""
    code = request.form.get("code")
    row = repository.find_authorization_code(server.session, code) if code else None
    client_id = request.payload.client_id or extract_basic_authorization(request.headers)[0]
    if row is None or row.used_at is not None or row.client_id != client_id:
        return "invalid_code"
    if row.expires_at <= now_ms():
        return "expired_code"
    if row.redirect_uri and request.payload.redirect_uri != row.redirect_uri:
        return "redirect_uri_mismatch"
    return "invalid_code"  # e.g. a wrong PKCE verifier


TOKEN_ERRORS: dict[str, tuple[int, str, bool]] = {
    # Authlib's error: (status, the vendor's message, whether the body shows "uri": null)
    "invalid_client": (401, "The client_id and/or client_secret are incorrect", False),
    "invalid_grant": (401, "The username and/or password are incorrect", True),
    "unauthorized_user": (403, "The user is unauthorized", True),
    "invalid_code": (400, "Authorization Code is invalid", False),
    "expired_code": (403, "Authorization code is expired", False),
    "redirect_uri_mismatch": (400, "Mismatched redirect_uri", False),
}
VENDOR_CODES = {
    "invalid_client": "incorrect_client_credentials",
    "invalid_grant": "incorrect_user_credentials",
}
MISSING = re.compile(r"^Missing '(\w+)'")


def token_error(result: IssueResult) -> JSONResponse:
    body = result.body if isinstance(result.body, dict) else {}
    error = str(body.get("error", "invalid_request"))
    if error in TOKEN_ERRORS:
        status, message, uri = TOKEN_ERRORS[error]
        return oauth2orize_error(
            "TokenError", status, VENDOR_CODES.get(error, error), message, uri=uri
        )
    description = str(body.get("error_description", ""))
    missing = MISSING.match(description)
    if missing:
        description = f"Missing required parameter: {missing.group(1)}"
    # oauth2orize answers unauthorized_client with 403.
    status = 403 if error == "unauthorized_client" else result.status
    return oauth2orize_error("TokenError", status, error, description)


# -------------------------------------------------------------------------------- authClients


@dataclass(frozen=True)
class Caller:
    user_id: int
    # The scopes of the caller's token; None for a browser signed in to the portal, which may
    # do whatever its user may.
    scopes: frozenset[str] | None


async def current_caller(provider: IdentityProvider, request: Request) -> Caller:
    if "authorization" in request.headers:
        principal = await provider.authenticate(ISSUER, request)
        if principal.user_id is None:
            raise ApiError.of(403, "The token does not act for a user.", "ACCESSGROUP_DENY")
        return Caller(principal.user_id, principal.scopes)
    signed_in = await current_session(provider, request)
    if signed_in is None:
        raise unauthorized("Sign in or send a bearer token.", code="missing_token")
    return Caller(signed_in.user.id, None)


ID_PATTERN = "^[A-Za-z0-9._~-]+$"
AUTH_CLIENT_FIELDS = ("name", "reqId", "clientSecret", "scopes", "redirectUri")
REQUIRED_FIELDS = ("name", "reqId", "clientSecret", "scopes")
MAX_LENGTHS = {"name": 200, "reqId": 128, "clientSecret": 256, "redirectUri": 2000}


@dataclass(frozen=True)
class AuthClientInput:
    name: str
    req_id: str
    client_secret: str
    scopes: list[str]
    redirect_uri: str | None


# Absolute, no fragment, and an http(s) one with a host: what validate_redirect_uri takes.
REDIRECT_URI_PATTERN = "^([hH][tT][tT][pP][sS]?://[^/?#][^#]*|(?![hH][tT][tT][pP][sS]?:)[^#]*)$"


def auth_client_schema() -> dict[str, Any]:
    """What parse_auth_client takes, for the OpenAPI document."""
    properties: dict[str, Any] = {
        name: {"type": "string", "minLength": 1, "maxLength": limit}
        for name, limit in MAX_LENGTHS.items()
    }
    properties["reqId"]["pattern"] = ID_PATTERN
    properties["reqId"]["description"] = "The client's id"
    properties["redirectUri"].update(
        format="uri",
        pattern=REDIRECT_URI_PATTERN,
        description="Needed for the authorization-code grant; without it, password only",
    )
    properties["scopes"] = {
        "type": "array",
        "items": {"type": "string", "enum": list(ISSUER.scopes_supported)},
        "description": "At most the scopes of the caller's token",
    }
    return {
        "type": "object",
        "required": list(REQUIRED_FIELDS),
        "properties": {name: properties[name] for name in AUTH_CLIENT_FIELDS},
        "additionalProperties": False,
    }


def parse_auth_client(body: Any) -> AuthClientInput:
    if not isinstance(body, dict):
        raise schema_error("should be object", "type", "", type="object")
    for name in REQUIRED_FIELDS:
        if name not in body:
            raise schema_error(
                f"should have required property '{name}'", "required", "", missingProperty=name
            )
    for key in body:
        if key not in AUTH_CLIENT_FIELDS:
            raise schema_error(
                "should NOT have additional properties",
                "additionalProperties",
                "",
                additionalProperty=key,
            )
    for key, limit in MAX_LENGTHS.items():
        if key not in body:
            continue
        value = body[key]
        if not isinstance(value, str):
            raise schema_error("should be string", "type", f".{key}", type="string")
        if not value:
            raise schema_error(
                "should NOT be shorter than 1 characters", "minLength", f".{key}", limit=1
            )
        if len(value) > limit:
            raise schema_error(
                f"should NOT be longer than {limit} characters", "maxLength", f".{key}", limit=limit
            )
    if not re.match(ID_PATTERN, body["reqId"]):
        raise schema_error(
            f'should match pattern "{ID_PATTERN}"', "pattern", ".reqId", pattern=ID_PATTERN
        )
    scopes = body["scopes"]
    if not isinstance(scopes, list):
        raise schema_error("should be array", "type", ".scopes", type="array")
    for index, scope in enumerate(scopes):
        if not isinstance(scope, str):
            raise schema_error("should be string", "type", f".scopes[{index}]", type="string")
        if scope not in ISSUER.scopes_supported:
            raise schema_error(
                "should be equal to one of the allowed values",
                "enum",
                f".scopes[{index}]",
                allowedValues=list(ISSUER.scopes_supported),
            )
    redirect_uri = body.get("redirectUri")
    if redirect_uri is not None:
        try:
            validate_redirect_uri(redirect_uri)
        except ClientError:
            raise schema_error(
                'should match format "uri"', "format", ".redirectUri", format="uri"
            ) from None
    return AuthClientInput(
        body["name"], body["reqId"], body["clientSecret"], list(dict.fromkeys(scopes)), redirect_uri
    )


async def json_body(request: Request) -> Any:
    """The body as the vendor's Express server reads it: JSON when it says it is JSON, else
    nothing (so a cross-site form post, which cannot send JSON, creates nothing)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        return {}
    raw = await request.body()
    try:
        return parse_json(raw) if raw.strip() else {}
    except MalformedJson as exc:
        raise ApiError.of(400, str(exc), "JSON_PARSING") from None


def auth_client_record(client: OAuthClient) -> dict[str, Any]:
    """An authClient as read back: numbers as strings (the vendor's store hands back strings).
    The secret is stored only as a digest, so it is never shown again after creation."""
    record: dict[str, Any] = {"name": client.name, "scopes": client.scope.split()}
    if client.redirect_uris:
        record["redirectUri"] = client.redirect_uris[0]
    record.update(
        _user=str(client.owner_id),
        mtime=str(client.secret_rotated_at),
        ctime=str(client.created_at),
        id=client.client_id,
    )
    return record


def ok(status: int, data: Any) -> JSONResponse:
    message = {200: "OK", 201: "Created"}[status]
    return JSONResponse(
        {"statusCode": status, "message": message, "data": data}, status_code=status
    )


async def owned_client(provider: IdentityProvider, caller: Caller, client_id: str) -> OAuthClient:
    async with provider.database.session() as session:
        client = await get_client(session, client_id, "thingplus")
    if client is None:
        raise ApiError.of(404, f"authClient {client_id} is not found.", "NOT_FOUND")
    if client.owner_id != caller.user_id:
        raise ApiError.of(403, f"authClient {client_id} is not yours.", "ACCESSGROUP_DENY")
    return client


def refuse_token(status: int, error: str, description: str, headers: dict[str, str]) -> Response:
    response = oauth2orize_error("TokenError", status, error, description)
    response.headers.update(headers)
    return response


def served_grants(prepared: PreparedRequest) -> PreparedRequest | Response:
    """The vendor's oauth2orize server answers 501 for a grant it has no exchange for."""
    grant_type = prepared.payload.grant_type
    if grant_type not in TOKEN_GRANTS:
        return refuse_token(
            501,
            "unsupported_grant_type",
            f"Unsupported grant type: {grant_type or 'undefined'}",
            {},
        )
    return prepared


def render_token(result: IssueResult, _request: PreparedRequest) -> Response:
    if result.status != 200:
        return token_error(result)
    return JSONResponse(
        {"access_token": result.body["access_token"], "token_type": "Bearer"}, headers=NO_STORE
    )


TOKEN_HOOKS = TokenHooks(
    refuse=refuse_token, render=render_token, adjust=served_grants, issue=exchange
)


# ------------------------------------------------------------------------------------- router


def thingplus_identity_router(services: Services) -> APIRouter:
    provider = services.identity
    # The OAuth2 endpoints are the document's security schemes, not operations of it; the
    # authClients are resources of the API.
    router = APIRouter()

    router.add_api_route(
        "/v2/oauth2/token",
        token_endpoint(provider, ISSUER, services.rate_limiter, TOKEN_HOOKS),
        methods=["POST"],
        include_in_schema=False,
    )

    @router.get("/v2/oauth2/authorize", include_in_schema=False)
    async def authorize(request: Request) -> Response:
        # oauth2orize's checks, in its order, answered as its AuthorizationError objects;
        # nothing is redirected before the client and its redirect URI are known.
        query = request.query_params
        response_type = query.get("response_type")
        if not response_type:
            return authorization_error(400, "invalid_request", "response_type")
        if response_type != "code":
            return oauth2orize_error(
                "AuthorizationError",
                501,
                "unsupported_response_type",
                f"Unsupported response type: {response_type}",
            )
        client_id = query.get("client_id")
        if not client_id:
            return authorization_error(400, "invalid_request", "client_id")
        async with provider.database.session() as session:
            client = await get_client(session, client_id, "thingplus")
        if client is None or "authorization_code" not in client.grant_types:
            return oauth2orize_error(
                "AuthorizationError",
                401,
                "incorrect_client_credentials",
                "The client_id is incorrect",
            )
        redirect_uri = query.get("redirect_uri")
        if not redirect_uri:
            return authorization_error(400, "invalid_request", "redirect_uri")
        if not ClientView(client).check_redirect_uri(redirect_uri):
            return oauth2orize_error(
                "AuthorizationError", 400, "redirect_uri_mismatch", "Mismatched redirect_uri"
            )
        return await authorization_endpoint(provider, ISSUER, PAGES, request)

    async def create_client(request: Request) -> Response:
        caller = await current_caller(provider, request)
        wanted = parse_auth_client(await json_body(request))
        if caller.scopes is not None and not set(wanted.scopes) <= caller.scopes:
            beyond = " ".join(sorted(set(wanted.scopes) - caller.scopes))
            raise ApiError.of(403, f"The access token cannot grant the scope {beyond}.", "ACL_DENY")
        try:
            async with provider.database.session(write=True) as session:
                if await get_client(session, wanted.req_id) is not None:
                    raise ApiError.of(409, f"authClient {wanted.req_id} exists.", "CONFLICT")
                issued = await register_client(
                    session,
                    face="thingplus",
                    name=wanted.name,
                    redirect_uris=[wanted.redirect_uri] if wanted.redirect_uri else [],
                    # The code flow needs a redirect URI, which the vendor's body lacks.
                    grant_types=("password", "authorization_code")
                    if wanted.redirect_uri
                    else ("password",),
                    scope=" ".join(wanted.scopes),
                    client_id=wanted.req_id,
                    client_secret=wanted.client_secret,
                    owner_id=caller.user_id,
                )
        except IntegrityError:
            raise ApiError.of(409, f"authClient {wanted.req_id} exists.", "CONFLICT") from None
        client = issued.client
        data: dict[str, Any] = {
            "name": client.name,
            "clientSecret": wanted.client_secret,
            "scopes": wanted.scopes,
        }
        if wanted.redirect_uri:
            data["redirectUri"] = wanted.redirect_uri
        # A record just created echoes numbers as numbers (the vendor's create responses do).
        data.update(_user=str(caller.user_id), mtime=client.created_at, ctime=client.created_at)
        data["id"] = client.client_id
        return ok(201, data)

    async def list_auth_clients(request: Request) -> Response:
        caller = await current_caller(provider, request)
        async with provider.database.session() as session:
            clients = await list_clients(session, face="thingplus", owner_id=caller.user_id)
        return ok(200, [auth_client_record(client) for client in clients])

    async def get_auth_client(request: Request, client_id: str) -> Response:
        caller = await current_caller(provider, request)
        return ok(200, auth_client_record(await owned_client(provider, caller, client_id)))

    async def delete_auth_client(request: Request, client_id: str) -> Response:
        caller = await current_caller(provider, request)
        client = await owned_client(provider, caller, client_id)
        async with provider.database.session(write=True) as session:
            await session.run_sync(repository.delete_client, client.id)
        return Response(status_code=204)

    created = {**answers(201, AuthClientAnswer, "Created"), 409: CREATED_ERRORS[409]}
    for path in CLIENT_PATHS:
        router.add_api_route(
            path,
            create_client,
            methods=["POST"],
            status_code=201,
            responses=created,
            openapi_extra=operation(body=auth_client_schema()),
        )
        router.add_api_route(
            path, list_auth_clients, methods=["GET"], responses=answers(200, AuthClientList)
        )
        router.add_api_route(
            path + "/{client_id}",
            get_auth_client,
            methods=["GET"],
            responses=answers(200, AuthClientAnswer),
        )
        router.add_api_route(
            path + "/{client_id}", delete_auth_client, methods=["DELETE"], status_code=204
        )

    router.include_router(
        signin_router(provider, ISSUER, PAGES, services.rate_limiter, logout=LOGOUT)
    )
    return router


def authorization_error(status: int, code: str, parameter: str) -> JSONResponse:
    return oauth2orize_error(
        "AuthorizationError", status, code, f"Missing required parameter: {parameter}"
    )
