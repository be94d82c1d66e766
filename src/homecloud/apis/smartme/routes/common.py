"""What every resource route shares: query parameters read the way ASP.NET binds them (names
in any case), the documentation of parameters and error answers."""

from __future__ import annotations

import uuid
from enum import IntEnum
from typing import Annotated, Any, Final

from fastapi import Depends, Path
from starlette.requests import Request

from homecloud.apis.smartme import service, wire
from homecloud.apis.smartme.auth import DeviceReader
from homecloud.apis.smartme.schemas import MessageModel
from homecloud.apis.smartme.wire import invalid
from homecloud.core.unit_of_work import ReadWork
from homecloud.identity.guard import user_of

MAX_QUERY_TEXT: Final = 100
# A meter's (or folder's) GUID in the path, as sent; PathGuid is it parsed.
GuidPath = Annotated[str, Path(description="A GUID.", json_schema_extra={"format": "uuid"})]


async def _path_guid(id: GuidPath) -> uuid.UUID:
    return wire.parse_guid(id)


# The path's ``{id}`` as a GUID, parsed where it enters: 400 in smart-me's words when it is
# not one. A route lists its caller first, so a call without credentials is 401 whatever id.
PathGuid = Annotated[uuid.UUID, Depends(_path_guid)]


async def _readable_meter(caller: DeviceReader, guid: PathGuid, work: ReadWork) -> service.Meter:
    return await service.meter(work, user_of(caller), guid)


# The caller's meter that the path's ``{id}`` names: 404 when the caller has none of that id.
ReadableMeter = Annotated[service.Meter, Depends(_readable_meter)]


def query(request: Request, name: str, *, required: bool = True) -> str | None:
    """The query parameter ``name``, matched without regard to case; 400 when a required one
    is missing or any is given twice."""
    wanted = name.lower()
    found = [value for key, value in request.query_params.multi_items() if key.lower() == wanted]
    if not found:
        if required:
            raise invalid(f"The query parameter {name} is required.")
        return None
    if len(found) > 1:
        raise invalid(f"The query parameter {name} is given more than once.")
    if len(found[0]) > MAX_QUERY_TEXT:
        raise invalid(f"The query parameter {name} is too long.")
    return found[0]


def parameter(
    name: str, where: str = "query", *, required: bool = True, **schema: Any
) -> dict[str, Any]:
    """An OpenAPI parameter (the routes read their parameters themselves)."""
    return {
        "name": name,
        "in": where,
        "required": required,
        "schema": schema or {"type": "string"},
    }


def enum_parameter(name: str, kind: type[IntEnum]) -> dict[str, Any]:
    """A query parameter taking an enum member by name or by number."""
    return {
        "name": name,
        "in": "query",
        "required": True,
        "schema": {
            "anyOf": [
                {"type": "string", "enum": [member.name for member in kind]},
                {"type": "integer", "enum": [int(member) for member in kind]},
            ]
        },
    }


# A GUID in the path, for routes that document their parameters themselves.
GUID_PARAMETER: Final = parameter("id", "path", type="string", format="uuid")


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The error answers a route documents, each a ``{"Message": ...}`` body."""
    words = {
        400: "The request is invalid.",
        401: "Authorization has been denied for this request.",
        403: "The credentials lack the permission.",
        404: "No such device of the caller's.",
        405: "The method is not allowed.",
        429: "Too many failed sign-ins.",
    }
    return {
        status: {"description": words[status], "model": MessageModel}
        for status in (401, 403, 429, *statuses)
    }


def body_schema(model: type[Any]) -> dict[str, Any]:
    """``openapi_extra`` documenting a JSON or form body the route reads itself."""
    schema = _inlined(model.model_json_schema())
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": schema},
            },
        }
    }


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its ``$defs`` references replaced by the definitions themselves."""
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            reference = node.get("$ref")
            if isinstance(reference, str) and reference.startswith("#/$defs/"):
                return resolve(definitions[reference.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved
