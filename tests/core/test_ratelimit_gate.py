"""The rate-limit gate on its own: a face's words (counter key, headers, 429) on core's
counting, in front of a bare Starlette app mounted under a prefix."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route

from homecloud.core.errors import ApiError
from homecloud.core.ratelimit import RateLimitDecision, RateLimiter, RateLimitPolicy
from homecloud.core.ratelimit_gate import Headers, RateLimitGate


class Callers:
    """The guard of this test: the caller is the ``x-user`` header; none is a 401."""

    async def user(self, request: Request) -> str:
        user = request.headers.get("x-user")
        if user is None:
            raise ApiError.of(401, "Who are you?")
        return user


class PlainGate(RateLimitGate[Callers]):
    async def counter_key(self, request: Request) -> str:
        return f"user:{await self.guard.user(request)}"

    def limit_headers(self, decision: RateLimitDecision) -> Headers:
        return [(b"x-left", str(decision.longest.remaining).encode())]

    def quota_exceeded(self, decision: RateLimitDecision) -> ApiError:
        return ApiError(
            status=429,
            messages=["Slow down."],
            headers={"Retry-After": str(decision.retry_after)},
        )


class TellingGate(PlainGate):
    headers_on_refusal = True


def shape(error: ApiError) -> Response:
    return JSONResponse({"error": " ".join(error.messages)}, status_code=error.status)


async def hello(_request: Request) -> Response:
    return PlainTextResponse("hello")


def face(gate: type[PlainGate]) -> Starlette:
    inner = Starlette(routes=[Route("/api/v1/hello", hello), Route("/login", hello)])
    inner.add_middleware(
        gate,
        guard=Callers(),
        limiter=RateLimiter(),
        policy=RateLimitPolicy.parse("test", "2/1m"),
        shape=shape,
        prefix="/api/v1",
    )
    return Starlette(routes=[Mount("/face", app=inner)])


@pytest.fixture(params=[PlainGate, TellingGate])
async def client(request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=face(request.param))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_counted_calls_carry_the_limit_headers(client: httpx.AsyncClient) -> None:
    first = await client.get("/face/api/v1/hello", headers={"x-user": "ann"})
    second = await client.get("/face/api/v1/hello", headers={"x-user": "ann"})
    assert (first.status_code, first.headers["x-left"]) == (200, "1")
    assert (second.status_code, second.headers["x-left"]) == (200, "0")
    # An unknown path below the prefix is counted too (it is answered after the gate).
    missing = await client.get("/face/api/v1/nothing", headers={"x-user": "bob"})
    assert (missing.status_code, missing.headers["x-left"]) == (404, "1")


async def refused_call(gate: type[PlainGate]) -> httpx.Response:
    transport = httpx.ASGITransport(app=face(gate))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for _ in range(2):
            await client.get("/face/api/v1/hello", headers={"x-user": "ann"})
        return await client.get("/face/api/v1/hello", headers={"x-user": "ann"})


async def test_a_call_over_the_limit_is_refused_in_the_face_shape() -> None:
    refused = await refused_call(PlainGate)
    assert refused.status_code == 429
    assert refused.json() == {"error": "Slow down."}
    assert int(refused.headers["retry-after"]) >= 1
    assert "x-left" not in refused.headers


async def test_a_face_may_put_the_limit_headers_on_its_429() -> None:
    refused = await refused_call(TellingGate)
    assert refused.status_code == 429
    assert refused.headers["x-left"] == "0"


async def test_an_unknown_caller_is_refused_before_counting(client: httpx.AsyncClient) -> None:
    refused = await client.get("/face/api/v1/hello")
    assert refused.status_code == 401
    assert refused.json() == {"error": "Who are you?"}
    assert "x-left" not in refused.headers


async def test_paths_outside_the_prefix_pass_ungated(client: httpx.AsyncClient) -> None:
    answered = await client.get("/face/login")
    assert answered.status_code == 200
    assert "x-left" not in answered.headers
