"""The rate-limit gate: ASGI middleware that authenticates and counts every call of a face's
API before it is routed, as the vendors' gateways do (ASP.NET's authentication and
rate-limit middleware for Nuheat, MuleSoft's policies for CKW). A call refused for its
parameters (400, 404) has therefore been counted, and carries the rate-limit headers too.

A face subclasses :class:`RateLimitGate` and says only what is its own: whom a call counts
against (:meth:`~RateLimitGate.counter_key`, which authenticates through the face's guard),
the headers that describe the limit, the 429's wording, and whether a refused call carries
the headers as well.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from homecloud.core.errors import ApiError, ErrorShape
from homecloud.core.middleware import HttpMiddleware
from homecloud.core.mounts import local_path
from homecloud.core.ratelimit import RateLimitDecision, RateLimiter, RateLimitPolicy

# The face's guard (identity's ``Guard``, which core does not import).
G = TypeVar("G")

Headers = list[tuple[bytes, bytes]]


@dataclass(eq=False)
class RateLimitGate(HttpMiddleware, Generic[G]):
    """Authenticates and counts every call below ``prefix``, answers the refused ones (401,
    403, 429) in the face's error shape, and puts the rate-limit headers of a counted call on
    whatever its route answers, errors included."""

    # Whether a refused call (429) carries the rate-limit headers as well.
    headers_on_refusal: ClassVar[bool] = False

    app: ASGIApp
    guard: G
    limiter: RateLimiter
    policy: RateLimitPolicy
    shape: ErrorShape
    # The API's path below the face's mount; other paths (sign-in, Swagger) pass ungated.
    prefix: str = "/api"

    @abstractmethod
    async def counter_key(self, request: Request) -> str:
        """Authenticates the caller (raising :class:`ApiError` if it may not call) and names
        the counter its calls go to."""

    @abstractmethod
    def limit_headers(self, decision: RateLimitDecision) -> Headers:
        """The headers that describe the caller's limit, names in lower case."""

    @abstractmethod
    def quota_exceeded(self, decision: RateLimitDecision) -> ApiError:
        """The 429 for a call over the limit (with its ``Retry-After``)."""

    def covers(self, scope: Scope) -> bool:
        return local_path(scope).startswith(f"{self.prefix}/")

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers: Headers = []
        try:
            decision = await self.limiter.hit(self.policy, await self.counter_key(Request(scope)))
            headers = self.limit_headers(decision)
            if not decision.allowed:
                raise self.quota_exceeded(decision)
        except ApiError as error:
            response = self.shape(error)
            response.headers.update(error.headers)
            if self.headers_on_refusal:
                for name, value in headers:
                    response.headers[name.decode()] = value.decode()
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), *headers]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
