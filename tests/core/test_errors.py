"""A face's error shape covers every failure below it, including oversized and malformed bodies."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel
from starlette.responses import JSONResponse, Response

from homecloud.core.errors import ApiError, install_error_shape, reason_phrase

LIMIT = 2048


def messages_shape(error: ApiError) -> Response:
    return JSONResponse({"messages": error.messages}, status_code=error.status)


def coded_shape(error: ApiError) -> Response:
    return JSONResponse(
        {
            "statusCode": error.status,
            "errors": [{"code": error.code, "message": error.messages[0]}],
        },
        status_code=error.status,
    )


class Reading(BaseModel):
    serialNumber: str
    setPointTemp: int


def vendor_app(shape: type[object] | object) -> FastAPI:
    app = FastAPI()
    install_error_shape(app, shape, max_body_bytes=LIMIT)  # type: ignore[arg-type]

    @app.put("/reading")
    async def put_reading(reading: Reading) -> dict[str, int]:
        return {"ok": reading.setPointTemp}

    @app.get("/conflict")
    async def conflict() -> None:
        raise ApiError.of(409, "duplicate reqId", code="CONFLICT")

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    return app


@pytest.fixture
async def nuheat_like() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=vendor_app(messages_shape))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield client


async def test_valid_body_passes(nuheat_like: httpx.AsyncClient) -> None:
    response = await nuheat_like.put("/reading", json={"serialNumber": "1", "setPointTemp": 2200})
    assert response.status_code == 200
    assert response.json() == {"ok": 2200}


async def test_malformed_json_is_400_in_the_face_shape(nuheat_like: httpx.AsyncClient) -> None:
    response = await nuheat_like.put(
        "/reading", content=b'{"serialNumber": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == {"messages": ["The request body is not valid JSON."]}


async def test_wrong_field_type_names_the_field(nuheat_like: httpx.AsyncClient) -> None:
    response = await nuheat_like.put("/reading", json={"serialNumber": "1", "setPointTemp": "hot"})
    assert response.status_code == 400
    (message,) = response.json()["messages"]
    assert message.startswith("setPointTemp:")


async def test_wrong_content_type_is_400_not_500(nuheat_like: httpx.AsyncClient) -> None:
    response = await nuheat_like.put(
        "/reading", content=b"serialNumber=1", headers={"content-type": "text/plain"}
    )
    assert response.status_code == 400
    assert "messages" in response.json()


async def test_declared_oversized_body_is_413_before_reading(
    nuheat_like: httpx.AsyncClient,
) -> None:
    response = await nuheat_like.put(
        "/reading", content=b"x" * (LIMIT + 1), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json() == {"messages": [f"Request body exceeds the limit of {LIMIT} bytes."]}


async def test_streamed_oversized_body_is_413(nuheat_like: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(4):
            yield b"y" * 1000

    response = await nuheat_like.put(
        "/reading", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["messages"][0].startswith("Request body exceeds")


async def test_unknown_route_and_method_use_the_shape(nuheat_like: httpx.AsyncClient) -> None:
    missing = await nuheat_like.get("/nothing-here")
    assert missing.status_code == 404
    assert missing.json() == {"messages": ["Not Found"]}
    wrong_method = await nuheat_like.delete("/reading")
    assert wrong_method.status_code == 405
    assert wrong_method.json() == {"messages": ["Method Not Allowed"]}


async def test_unexpected_exception_is_a_500_in_the_shape(nuheat_like: httpx.AsyncClient) -> None:
    response = await nuheat_like.get("/boom")
    assert response.status_code == 500
    assert response.json() == {"messages": ["An unexpected error occurred."]}


async def test_a_second_face_keeps_its_own_shape() -> None:
    transport = httpx.ASGITransport(app=vendor_app(coded_shape))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/conflict")
        oversized = await client.put("/reading", content=b"z" * (LIMIT + 10))
    assert response.status_code == 409
    assert response.json() == {
        "statusCode": 409,
        "errors": [{"code": "CONFLICT", "message": "duplicate reqId"}],
    }
    assert oversized.json()["errors"][0]["code"] == "PAYLOAD_TOO_LARGE"


def test_reason_phrase_names_known_codes_and_words_unknown_ones_as_asked() -> None:
    assert reason_phrase(404) == "Not Found"
    assert reason_phrase(499) == "Error"
    assert reason_phrase(499, "Unknown Error") == "Unknown Error"
