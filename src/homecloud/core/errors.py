"""Each face answers errors in its vendor's own body shape.

A face describes its shape once as an :class:`ErrorShape` (a function from an :class:`ApiError`
to a response) and calls :func:`install_error_shape` on its FastAPI sub-application. From then
on every error raised below that face (a business error, a framework 404/405, a validation
failure, malformed JSON, an oversized body, an unexpected exception) is rendered in that shape.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from homecloud.core.middleware import HttpMiddleware

log = logging.getLogger("homecloud.errors")


@dataclass
class ApiError(Exception):
    """A failure a client should see. ``code`` is a vendor's symbolic error code, if it has one."""

    status: int
    messages: list[str]
    code: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.status, *self.messages)

    def __str__(self) -> str:
        return " ".join(self.messages)

    @classmethod
    def of(cls, status: int, message: str, code: str | None = None, **details: Any) -> ApiError:
        return cls(status=status, messages=[message], code=code, details=details)


class BodyTooLarge(ApiError):
    def __init__(self, limit: int) -> None:
        super().__init__(
            status=413,
            messages=[f"Request body exceeds the limit of {limit} bytes."],
            code="PAYLOAD_TOO_LARGE",
        )


ErrorShape = Callable[[ApiError], Response]


def reason_phrase(status: int, unknown: str = "Error") -> str:
    """The status code's reason phrase (``Not Found``), or ``unknown`` for a code that has
    none (a vendor's 499)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return unknown


def _describe_validation(error: Mapping[str, Any]) -> str:
    location = [str(part) for part in error.get("loc", ()) if part != "body"]
    where = ".".join(location)
    if error.get("type") == "json_invalid":
        return "The request body is not valid JSON."
    return f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg", "invalid"))


def validation_error(exc: RequestValidationError, status: int = 400) -> ApiError:
    """Pydantic's findings as one message each; vendors answer validation with 400, not 422."""
    messages = [_describe_validation(error) for error in exc.errors()] or ["Invalid request."]
    return ApiError(status=status, messages=messages, code="VALIDATION")


def install_error_shape(
    app: FastAPI,
    shape: ErrorShape,
    *,
    max_body_bytes: int,
    validation_status: int = 400,
) -> None:
    """Route every error under ``app`` through ``shape``, and refuse bodies over the limit."""

    async def on_api_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        response = shape(exc)
        response.headers.update(exc.headers)
        return response

    async def on_http_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if isinstance(exc.__cause__, ApiError):
            # FastAPI wraps whatever fails while it reads the body (our BodyTooLarge among
            # them) in a generic 400; the original error is the one to report.
            return await on_api_error(_request, exc.__cause__)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(app.router.routes, _request.scope))
        error = ApiError(status=exc.status_code, messages=[str(exc.detail)], headers=headers)
        return await on_api_error(_request, error)

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return await on_api_error(request, validation_error(exc, validation_status))

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_middleware(UnexpectedErrorGuard, shape=shape)
    app.add_middleware(BodySizeLimit, limit=max_body_bytes, shape=shape)
    app.state.error_shape = shape


# The methods an Allow header can name; a route serving another (WebDAV's, say) is not ours.
HTTP_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def allowed_methods(routes: Iterable[BaseRoute], scope: Scope) -> list[str]:
    """Every method some route serves at the request's path, asked of the routes themselves.

    Starlette answers 405 from the first route whose path matches, so its Allow header names
    only that route's methods (and none for routers FastAPI includes lazily), though other
    routes serve the same path with other methods.
    """
    routes = list(routes)
    return [
        method
        for method in HTTP_METHODS
        if any(_serves(route, {**scope, "method": method}) for route in routes)
    ]


def _serves(route: BaseRoute, scope: Scope) -> bool:
    match, child_scope = route.matches(scope)
    if isinstance(route, Mount) and match is not Match.NONE:
        return any(_serves(child, {**scope, **child_scope}) for child in route.routes)
    return match is Match.FULL


class UnexpectedErrorGuard(HttpMiddleware):
    """Turns an unhandled exception into a logged 500 in the face's shape.

    Starlette's own catch-all re-raises after answering, which would reach the parent app
    and the server as a second failure; this one answers and stops there.
    """

    def __init__(self, app: ASGIApp, shape: ErrorShape) -> None:
        self.app = app
        self.shape = shape

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            response = self.shape(ApiError.of(500, "An unexpected error occurred."))
            await response(scope, receive, send)


class BodySizeLimit(HttpMiddleware):
    """Refuses request bodies larger than ``limit`` bytes with a 413 in the face's shape.

    A declared Content-Length over the limit is answered before the body is read; a body
    streamed without one is counted as it arrives and cut off with :class:`BodyTooLarge`,
    which the face's exception handlers render.
    """

    def __init__(self, app: ASGIApp, limit: int, shape: ErrorShape) -> None:
        self.app = app
        self.limit = limit
        self.shape = shape

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.limit:
                    response = self.shape(BodyTooLarge(self.limit))
                    await response(scope, receive, send)
                    return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        await self.app(scope, counting_receive, send)
