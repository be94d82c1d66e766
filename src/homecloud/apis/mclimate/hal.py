"""HAL answers as the vendor writes them, with an ``ETag`` on every read.

An entity is enveloped under a key named after the resource, next to ``_links.self``; a
collection puts its page under ``_embedded.<key>`` (present even when empty: Home
Assistant's client reads ``_embedded.controller`` without a default), with ``total`` and the
paging links. Links are the vendor's paths, without homecloud's ``/mclimate`` prefix.

The ``ETag`` is a digest of the body, so it changes exactly when the answer does; a GET whose
``If-None-Match`` names it gets 304 without a body.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from homecloud.apis.mclimate.query import Query, page_links

MEDIA_TYPE = "application/json"


def entity(key: str, record: Any, self_href: str, **links: Any) -> dict[str, Any]:
    return {key: record, "_links": {"self": {"href": self_href}, **links}}


def created(request: Request, key: str, record: Any, self_href: str) -> Response:
    """The answer to a POST that made ``record``: 201 with the entity."""
    return hal_response(request, entity(key, record, self_href), status=201)


def collection(
    key: str, items: Sequence[Any], total: int, query: Query, path: str
) -> dict[str, Any]:
    """``items`` are entities (dicts), or with no ``fields`` option also pre-rendered JSON
    (``orjson.Fragment``)."""
    return {
        "_embedded": {key: [query.select(item) for item in items]},
        "total": total,
        "_links": page_links(path, query, total),
    }


def etag_of(body: bytes) -> str:
    # A fingerprint of the body, not a secret: SHA-1 is the fastest digest here (hardware).
    return '"' + hashlib.sha1(body, usedforsecurity=False).hexdigest() + '"'


def _matches(header: str, etag: str) -> bool:
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == etag:
            return True
    return False


def hal_response(
    request: Request, body: Any, status: int = 200, *, identity: bytes | None = None
) -> Response:
    """The body as JSON, with an ``ETag`` on a read. ``identity``, when given, is what the
    body is made from (it determines the body exactly), a shorter input for the tag."""
    content = orjson.dumps(body)
    if request.method not in ("GET", "HEAD"):
        return Response(content, status_code=status, media_type=MEDIA_TYPE)
    etag = etag_of(content if identity is None else identity)
    headers = {"ETag": etag}
    condition = request.headers.get("if-none-match")
    if condition is not None and _matches(condition, etag):
        return Response(status_code=304, headers=headers)
    return Response(content, status_code=status, media_type=MEDIA_TYPE, headers=headers)
