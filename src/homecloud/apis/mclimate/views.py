"""The vendor's shapes of controllers, and the field tables the query options check against.

Which keys a controller shows depends on its type, as in the vendor's own answers:
``brand_id`` (the AC's infrared brand) only on Melissa, ``assigned_at`` on Bobbie and the
smart plug, ``relay_state`` on the smart plug. A field a type does not show is null for the
query options (``?relay_state=null`` finds every controller without a relay).
"""

from __future__ import annotations

import itertools
from typing import Any

import orjson

from homecloud.apis.mclimate.device_types import vendor_datetime
from homecloud.apis.mclimate.melissa import COMMAND_LOG_KEYS
from homecloud.apis.mclimate.query import Field, FieldKind, fields_of
from homecloud.apis.mclimate.repository import ControllerRow, row_from

CONTROLLERS = "/v1/controllers"

_COMMON = (
    Field("id", "int", "d.id"),
    Field("user_id", "int", "d.owner_id"),
    Field("serial_number", "text", "d.serial"),
    Field("mac", "text", "c.mac"),
    Field("firmware_version", "text", "c.firmware_version"),
    Field("name", "text", "d.name"),
    Field("type", "text", "d.kind"),
    Field("room_id", "int", "c.room_id"),
    Field("created", "datetime", "d.created_at"),
    Field("online", "bool", "c.online"),
    Field("brand_id", "int", "c.brand_id"),
    Field("assigned_at", "datetime", "c.assigned_at"),
    Field("relay_state", "bool", "c.relay_state"),
)
# The collection's items and the entity: the entity has no controller_log but deleted_at and
# the last AC command.
CONTROLLER_ITEM_FIELDS = fields_of(*_COMMON, Field("controller_log", "object"))
CONTROLLER_FIELDS = fields_of(
    *_COMMON, Field("deleted_at", "datetime"), Field("_relation", "object")
)


def record_fields(sample: dict[str, Any]) -> dict[str, Field]:
    """The field table of records shaped like ``sample`` (a type's sensor records)."""
    kinds: dict[type, FieldKind] = {bool: "bool", int: "number", float: "number", str: "text"}
    return fields_of(
        *(Field(name, kinds.get(type(value), "object")) for name, value in sample.items())
    )


def _base(row: ControllerRow) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": row.id,
        "user_id": row.user_id,
        "serial_number": row.serial,
        "mac": row.mac,
        "firmware_version": row.firmware_version,
        "name": row.name,
        "type": row.kind,
        "room_id": row.room_id,
        "created": vendor_datetime(row.created_at),
        "online": row.online,
    }
    if row.brand_id is not None:
        record["brand_id"] = row.brand_id
    if row.assigned_at is not None:
        record["assigned_at"] = vendor_datetime(row.assigned_at)
    if row.relay_state is not None:
        record["relay_state"] = row.relay_state
    return record


def controller_item(row: ControllerRow) -> dict[str, Any]:
    """An item of ``_embedded.controller``: its latest sensor record in ``controller_log``,
    and (the vendor's quirk) the collection's own path as its self link."""
    return {
        **_base(row),
        # Stored as the JSON it is shown as: spliced into the answer, never parsed.
        "controller_log": orjson.Fragment(row.controller_log),
        "_links": {"self": {"href": CONTROLLERS}},
    }


class RenderedItems:
    """Collection items rendered to JSON, by controller id and version.

    A page of controllers is read on every poll of every client, and a controller changes
    only when a command, a rename or a simulation step writes it, which gives it a new
    version; so a changed controller is rendered anew on its next read and its old entry ages
    out. Any process sees the version in the database, so this never serves another
    process's stale item. One per face application; only the event loop's thread uses it.
    """

    SIZE = 16_384

    def __init__(self) -> None:
        # A plain dict, read at C speed; when full, the oldest entries make room (a page's
        # worth of reads costs no bookkeeping, unlike a least-recently-used order).
        self._entries: dict[tuple[int, int], orjson.Fragment] = {}

    def get(self, key: tuple[int, int]) -> orjson.Fragment | None:
        return self._entries.get(key)

    def put(self, values: tuple[Any, ...]) -> orjson.Fragment:
        """Renders a row read by ``controllers_by_id`` (its version last) and keeps it."""
        rendered = orjson.Fragment(orjson.dumps(controller_item(row_from(values))))
        if len(self._entries) >= self.SIZE:
            for key in list(itertools.islice(self._entries, self.SIZE // 8)):
                del self._entries[key]
        self._entries[(values[0], values[-1])] = rendered
        return rendered


def bind_rendered_items(state: object, rendered: RenderedItems) -> None:
    """Gives the face application its cache: ``state`` is ``app.state``."""
    state.mclimate_rendered = rendered  # type: ignore[attr-defined]


def command_log_of(text: str | None) -> dict[str, Any]:
    """Exactly ``state, mode, temp, fan``: the last AC command, or nulls for a controller
    that sends none (clients read the four keys of every controller they are given)."""
    log = orjson.loads(text) if text else {}
    return {key: log.get(key) for key in COMMAND_LOG_KEYS}


def controller_entity(row: ControllerRow) -> dict[str, Any]:
    return {
        **_base(row),
        "deleted_at": None,
        "_relation": {"command_log": command_log_of(row.command_log)},
    }
