"""MClimate's HTTP surface, one module per vendor resource: each parses the request, calls
the service and renders the vendor's HAL shape (:mod:`..hal`). Bodies are read by hand, with
the lenient rules of :mod:`..commands`, so the OpenAPI document gets their schema from
:func:`json_body`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from starlette.requests import Request

from homecloud.apis.mclimate.commands import Fields, json_object


def _parameter(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


FIELDS = _parameter("fields", {"type": "string"}, "only these fields, comma-separated")
# The query options, read by the face's own parser (query.py) rather than by FastAPI: one
# parse of the query string, and any field of the entity filters besides these.
COLLECTION_OPTIONS = [
    _parameter("page", {"type": "integer", "minimum": 1, "maximum": 10_000_000}, "page, from 1"),
    _parameter("limit", {"type": "integer", "minimum": 1, "maximum": 30}, "entities per page (30)"),
    _parameter("sort", {"type": "string"}, "fields to order by, '-' for descending: -created,id"),
    FIELDS,
]


def query_options(*extra: dict[str, Any], collection: bool = True) -> dict[str, Any]:
    """``openapi_extra`` documenting the query options of a collection (or an entity)."""
    return {"parameters": [*(COLLECTION_OPTIONS if collection else [FIELDS]), *extra]}


def filter_option(name: str, description: str) -> dict[str, Any]:
    return _parameter(name, {"type": "string"}, description)


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
