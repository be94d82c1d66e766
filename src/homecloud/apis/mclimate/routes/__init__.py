"""MClimate's HTTP surface, one module per vendor resource: each parses the request, calls
the service and renders the vendor's HAL shape (:mod:`..hal`). Bodies are read by hand, with
the lenient rules of :mod:`..commands`, so the OpenAPI document gets their schema from
:func:`json_body`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from starlette.requests import Request

from homecloud.apis.mclimate.commands import Fields, json_object


def json_body(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` declaring a JSON request body of ``model``'s shape."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


async def fields_of(request: Request) -> Fields:
    """The request's JSON object body (400 for anything else)."""
    return Fields(json_object(await request.body()))


def query_params(request: Request) -> list[tuple[str, str]]:
    return list(request.query_params.multi_items())
