"""Request bodies the way ASP.NET Web API binds them: JSON or a form, property names matched
without regard to case (Json.NET's default; the wiki's own example posts ``deviceID`` and
``obisCode`` for ``DeviceID`` and ``ObisCode``), numbers also accepted as digit strings."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from homecloud.core.errors import ApiError
from homecloud.core.parsing import MalformedJson, is_integer_text, parse_json

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def read_body(request: Request) -> dict[str, Any]:
    """The body's properties, keyed by their lower-cased names; ``{}`` for an empty body."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in FORM_TYPES:
        form = await request.form()
        return {key.lower(): value for key, value in form.multi_items() if isinstance(value, str)}
    raw = await request.body()
    if not raw.strip():
        return {}
    if content_type not in ("application/json", "text/json", "") and not content_type.endswith(
        "+json"
    ):
        raise ApiError.of(
            415,
            f"The request entity's media type '{content_type}' is not supported for this resource.",
        )
    try:
        parsed = parse_json(raw)
    except MalformedJson as exc:
        raise ApiError.of(400, f"The request is invalid: the body {exc.problem}.") from None
    if not isinstance(parsed, dict):
        raise ApiError.of(400, "The request is invalid: the body must be a JSON object.")
    return {str(key).lower(): value for key, value in parsed.items()}


def integer(body: dict[str, Any], name: str, *, low: int, high: int) -> int | None:
    """The whole number ``body`` holds for ``name`` (None when absent or null); 400 otherwise."""
    value = body.get(name.lower())
    if value is None:
        return None
    if isinstance(value, str) and is_integer_text(value.strip()):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ApiError.of(
            400, f"The request is invalid: {name} must be a whole number from {low} to {high}."
        )
    return value
