"""MClimate's HTTP surface, one module per vendor resource: each parses the request, calls
the service and renders the vendor's HAL shape (:mod:`..hal`). Bodies are read by hand, with
the lenient rules of :mod:`..commands`, so the OpenAPI document gets their schema from
:func:`json_body`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from fastapi.types import DecoratedCallable
from pydantic import BaseModel
from starlette.requests import Request

from homecloud.apis.mclimate.commands import Fields, json_object
from homecloud.apis.mclimate.query import Field, Query, parse_query
from homecloud.apis.mclimate.schemas import EntityAnswer
from homecloud.core.unit_of_work import units_router


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


def request_query(
    request: Request, known: Mapping[str, Field], *, resource: str, collection: bool = True
) -> Query:
    """The request's query options, for a collection (or an entity) of ``known`` fields."""
    pairs = list(request.query_params.multi_items())
    return parse_query(pairs, known, resource=resource, collection=collection)


class HalRoutes:
    """One resource's routes, declared the way every MClimate route is: answered in HAL by
    :func:`..hal.hal_response` (so FastAPI gets no response model to check against), with the
    vendor's shape as the documented answer."""

    def __init__(self, tag: str) -> None:
        self.router = units_router(tags=[tag])

    def read(
        self,
        path: str,
        summary: str,
        answer: type[BaseModel],
        *,
        collection: bool = True,
        filters: Sequence[dict[str, Any]] = (),
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """A GET of a collection (or an entity) taking the query options and ``filters``:
        ``answer``, or 304 when the client's ETag still matches (``hal_response`` compares it)."""
        return self.router.get(
            path,
            summary=summary,
            openapi_extra=query_options(*filters, collection=collection),
            response_model=None,
            responses={200: {"model": answer}, 304: {"description": "Not Modified"}},
        )

    def write(
        self,
        method: Literal["POST", "PATCH"],
        path: str,
        summary: str,
        answer: type[BaseModel],
        body: type[BaseModel],
        *,
        status: int = 200,
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """A POST or PATCH taking a JSON body of ``body``'s shape, answering ``answer``."""
        return self.router.api_route(
            path,
            methods=[method],
            status_code=status,
            summary=summary,
            response_model=None,
            responses={status: {"model": answer}},
            openapi_extra=json_body(body),
        )

    def create(
        self, path: str, summary: str, body: type[BaseModel]
    ) -> Callable[[DecoratedCallable], DecoratedCallable]:
        """A POST that makes a record, answered 201 (with :func:`..hal.created`)."""
        return self.write("POST", path, summary, EntityAnswer, body, status=201)
