"""Nuheat's HTTP surface, one module per vendor resource: each parses the request, calls the
service and renders the vendor's shape. The bodies go out through orjson, which renders the
hot reads several times faster than FastAPI's encoder."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response


def json_response(content: Any) -> Response:
    return Response(orjson.dumps(content), media_type="application/json")


def no_content() -> Response:
    return Response(status_code=204)


# What every PUT that changes something declares: the vendor answers 204 with no body.
CHANGED: dict[str, Any] = {"status_code": 204, "responses": {204: {"description": "Changed"}}}
