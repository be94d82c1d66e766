"""CKW's HTTP surface: core data, meter data, and the Keycloak realm's own endpoints."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response


def json_response(content: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON body serialised by orjson, without FastAPI's response-model pass."""
    return Response(orjson.dumps(content), media_type="application/json", headers=headers)
