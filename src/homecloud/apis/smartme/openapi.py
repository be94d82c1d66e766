"""The face's OpenAPI document and Swagger UI (served by :mod:`homecloud.core.swagger`):
``/swagger/v1/swagger.json`` and the UI at ``/swagger`` (also ``/swagger/index.html``, where
api.smart-me.com has it). Paths are shown in smart-me's PascalCase at the legacy host's
``/api/<Name>``; the current host's ``/<Name>`` serves the same operations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from homecloud.apis.smartme import FACE
from homecloud.apis.smartme.schemas import MessageModel
from homecloud.core.swagger import ApiDocument, install_swagger

# The resources' names as smart-me writes them (routes are declared in lower case).
NAMES: Final = (
    "Devices",
    "DeviceBySerial",
    "DevicesByEnergy",
    "DevicesBySubType",
    "Values",
    "ValuesInPast",
    "ValuesInPastMultiple",
    "MeterValues",
    "FastSendDeviceValues",
    "Actions",
    "AdditionalDeviceInformation",
    "CustomDevice",
    "Folder",
    "MeterFolderInformation",
    "MBus",
    "User",
    "AccessToken",
    "Health",
    "RegisterForRealtimeApi",
    "RealtimeApiDeliveries",
    "RealtimeApiReceivers",
)
PASCAL: Final = {name.lower(): name for name in NAMES}

_MESSAGE = {"application/json": {"schema": MessageModel.model_json_schema()}}
ERRORS: Final[dict[str, Any]] = {
    str(status): {"description": description, "content": _MESSAGE}
    for status, description in (
        (400, "Bad Request"),
        (401, "Unauthorized"),
        (403, "Forbidden"),
        (404, "Not Found"),
        (405, "Method Not Allowed"),
        (415, "Unsupported Media Type"),
        (429, "Too Many Requests"),
    )
}
SCOPES: Final = {
    "user.read": "Read your account",
    "device.read": "Read your meters",
    "device.readwrite": "Read, create and change your meters",
    "device.readswitch": "Read and switch your meters",
}


def pascal_path(path: str) -> str:
    """``/api/valuesinpast/{id}`` as ``/api/ValuesInPast/{id}``."""
    parts = path.split("/")
    return "/".join(PASCAL.get(part, part) for part in parts)


@dataclass(frozen=True)
class SmartMeDocument(ApiDocument):
    def build(self, app: FastAPI) -> dict[str, Any]:
        document = super().build(app)
        document["paths"] = {pascal_path(path): item for path, item in document["paths"].items()}
        for item in document["paths"].values():
            for operation in item.values():
                operation["parameters"] = _guid_ids(operation.get("parameters", []))
        return document


def _guid_ids(parameters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every ``{id}`` of smart-me's paths is a GUID (a meter, a registration, a folder); one
    parameter per name and place."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for parameter in parameters:
        key = (parameter["name"], parameter["in"])
        if key == ("id", "path"):
            parameter = {**parameter, "schema": {"type": "string", "format": "uuid"}}
        seen.setdefault(key, parameter)
    return list(seen.values())


DOCUMENT: Final = SmartMeDocument(
    name="v1",
    title="smart-me API",
    description="smart-me meters, values, actions and realtime webhooks, as homecloud serves "
    "them. Every path also answers without /api (the current host api.smart-me.com) and in any "
    "letter case. Basic, card access tokens (Basic with cardaccesstoken_<CardId>), "
    "ApiKey and OAuth2 bearer tokens are accepted.",
    paths=lambda path: path.startswith("/api/") and not path.startswith("/api/oauth"),
    responses=ERRORS,
)
SECURITY: Final = FACE.swagger_security(
    SCOPES,
    extra_schemes={
        "Basic": {"type": "http", "scheme": "basic"},
        "ApiKey": {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "ApiKey <key>",
        },
    },
)


def install(app: FastAPI) -> None:
    install_swagger(app, documents=(DOCUMENT,), security=SECURITY, title="smart-me API")

    async def index(_request: Request) -> Response:
        return RedirectResponse("../swagger", status_code=302)

    # api.smart-me.com's address of the UI (paths arrive lower-cased, see routing.py).
    app.add_route("/swagger/index.html", index, include_in_schema=False)
