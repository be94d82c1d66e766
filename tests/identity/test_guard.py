"""The guard: one dependency for who may call, whatever the credentials, with scope checks."""

# No postponed annotations here: the routes' annotations name a local guard.
from typing import Annotated

import httpx
import pytest
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse

from homecloud.core.errors import ApiError, install_error_shape
from homecloud.identity.guard import Guard, once_per_request
from homecloud.identity.provider import Principal

CALLERS = {
    "reader": Principal("probe", 1, "app", frozenset({"read"}), {}),
    "writer": Principal("probe", 2, "app", frozenset({"read", "write"}), {}),
    "machine": Principal("probe", None, "app", frozenset({"read", "write"}), {}),
}


async def from_header(request: Request) -> Principal:
    caller = CALLERS.get(request.headers.get("x-caller", ""))
    if caller is None:
        raise ApiError.of(401, "Who are you?")
    return caller


def probe(guard: Guard) -> FastAPI:
    app = FastAPI()
    install_error_shape(
        app,
        lambda error: JSONResponse(
            {"status": error.status, "code": error.code}, status_code=error.status
        ),
        max_body_bytes=4096,
    )

    @app.get("/both")
    async def both(caller: Annotated[Principal, guard.requires("read", "write")]) -> dict[str, int]:
        return {"user": caller.user_id or 0}

    @app.get("/either")
    async def either(
        caller: Annotated[Principal, guard.requires("write", "admin", any_of=True)],
    ) -> dict[str, int]:
        return {"user": caller.user_id or 0}

    return app


@pytest.mark.parametrize(
    ("caller", "path", "status"),
    [
        ("", "/both", 401),
        ("reader", "/both", 403),
        ("writer", "/both", 200),
        ("reader", "/either", 403),
        ("writer", "/either", 200),
        ("machine", "/both", 403),  # acts for no user
    ],
)
async def test_scopes_all_or_any_and_a_user_behind_the_credentials(
    caller: str, path: str, status: int
) -> None:
    transport = httpx.ASGITransport(app=probe(Guard(from_header)))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.get(path, headers={"x-caller": caller})
    assert response.status_code == status
    if status == 403:
        assert response.json()["code"] in ("insufficient_scope", "no_user")


async def test_a_face_may_serve_callers_acting_for_no_user() -> None:
    transport = httpx.ASGITransport(app=probe(Guard(from_header, needs_user=False)))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.get("/both", headers={"x-caller": "machine"})
    assert response.json() == {"user": 0}


async def test_once_per_request_checks_a_request_once_and_each_request_anew() -> None:
    checks: list[str] = []

    async def check(request: Request) -> Principal:
        checks.append(request.headers["x-caller"])
        return await from_header(request)

    authenticate = once_per_request("probe_caller", check)
    first = Request({"type": "http", "headers": [(b"x-caller", b"reader")]})
    second = Request({"type": "http", "headers": [(b"x-caller", b"writer")]})
    assert await authenticate(first) is CALLERS["reader"]
    assert await authenticate(first) is CALLERS["reader"]  # the gate, then the route
    assert await authenticate(second) is CALLERS["writer"]
    assert checks == ["reader", "writer"]
