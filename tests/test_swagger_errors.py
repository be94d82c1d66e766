"""Every face's pages under /swagger answer what they lack in the face's own error shape (an
unknown OpenAPI document, an unknown asset), exactly as the face's other 404s."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from homecloud.apis import FACES

UNDER_SWAGGER = ("/swagger/v9/swagger.json", "/swagger/assets/no-such.js", "/swagger/x/y")


def shape(response: httpx.Response) -> tuple[int, str, Any]:
    """Status, media type and the body's keys (nested one level) of an error answer."""
    body = response.json()
    keys: Any = body
    if isinstance(body, dict):
        keys = {
            key: sorted(value[0])
            if isinstance(value, list) and value and isinstance(value[0], dict)
            else type(value).__name__
            for key, value in body.items()
        }
    return response.status_code, response.headers["content-type"].split(";")[0], keys


@pytest.mark.parametrize("face", [face.name for face in FACES])
async def test_swagger_404s_take_the_faces_error_shape(
    client: httpx.AsyncClient, face: str
) -> None:
    elsewhere = await client.get(f"/{face}/no-such-page")
    assert elsewhere.status_code == 404
    for path in UNDER_SWAGGER:
        response = await client.get(f"/{face}{path}")
        assert shape(response) == shape(elsewhere), (path, response.text)
