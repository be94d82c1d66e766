"""The vendor's request and response shapes, for the face's OpenAPI document.

Routes render answers as plain dicts (orjson) and read bodies with the lenient rules of
:mod:`.commands`; these models describe both for Swagger UI and schema-driven clients. The
request models say what a client should send (numbers as numbers); the face also takes
numeric strings and ignores keys it does not use.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

TypeName = Literal["melissa", "bobbie", "smart_plug", "vicki"]


class Open(BaseModel):
    """Answers may carry more keys than the model names."""

    model_config = ConfigDict(extra="allow")


class Href(Open):
    href: str
    templated: bool | None = None


class SelfLinks(Open):
    self: Href


class PageLinks(Open):
    self: Href
    first: Href
    last: Href
    prev: Href | None = None
    next: Href | None = None


class Problem(BaseModel):
    """An RFC 7807 problem, as every failure outside ``/auth/*`` is answered."""

    type: str
    title: str
    status: int
    detail: str


class CommandLog(BaseModel):
    """The last AC command: state 0 off, 1 on, 2 idle; mode 0 auto, 1 fan, 2 heat, 3 cool,
    4 dry; temp 16..30 °C; fan 0 auto, 1 low, 2 medium, 3 high (null for controllers that
    take no AC command)."""

    state: int | None
    mode: int | None
    temp: int | None
    fan: int | None


class Relation(Open):
    command_log: CommandLog


class Controller(Open):
    id: int
    user_id: int
    serial_number: str
    mac: str
    firmware_version: str
    name: str
    type: str
    room_id: int | None
    created: str
    online: bool
    brand_id: int | None = None
    assigned_at: str | None = None
    relay_state: bool | None = None


class ControllerItem(Controller):
    controller_log: dict[str, Any]
    links: SelfLinks = Field(alias="_links")


class ControllerEntity(Controller):
    deleted_at: None = None
    relation: Relation = Field(alias="_relation")


class ControllerAnswer(Open):
    controller: dict[str, Any]
    links: SelfLinks = Field(alias="_links")


class ControllerList(Open):
    controller: list[dict[str, Any]]


class ControllerCollection(Open):
    embedded: ControllerList = Field(alias="_embedded")
    total: int
    links: PageLinks = Field(alias="_links")


class RecordList(Open):
    """``_embedded``: one list under the resource's key (``geofence``, ``schedules``,
    ``controller_log``)."""


class RecordCollection(Open):
    embedded: dict[str, list[dict[str, Any]]] = Field(alias="_embedded")
    total: int
    links: PageLinks = Field(alias="_links")


class UsersAnswer(Open):
    users: dict[str, Any]
    links: dict[str, Href] = Field(alias="_links")


class ProviderAnswer(Open):
    """``provider``: the device's live data (fetch), or its acknowledgement (send): four
    integers from Wi-Fi devices, an object from the smart plug and LoRaWAN devices."""

    provider: dict[str, Any] | list[int]
    links: SelfLinks = Field(alias="_links")


class EntityAnswer(Open):
    links: SelfLinks = Field(alias="_links")


# ------------------------------------------------------------------------------- requests


class FetchBody(BaseModel):
    serial_number: str = Field(min_length=1, max_length=128)
    offset: bool | None = Field(default=None, description="Accepted; offsets are zero here.")


class SendBody(BaseModel):
    serial_number: str = Field(min_length=1, max_length=128)
    command: str = Field(
        min_length=1,
        max_length=64,
        description="Melissa: send_ir_code, turn_led_off, reset_color. Bobbie: "
        "switch_on_off, default_state, led_on_off. Smart plug: switch_on_off, "
        "default_switch, max_power_turn_off, auto_switch. Vicki: set_motor_position, "
        "set_motor_position_only, set_ext_temp, set_keepalive_time, recalibrate_motor, "
        "set_range, child_lock, force_close_vicki, set_open_window.",
    )
    state: int | str | None = Field(default=None, description="AC state, or on/off")
    mode: int | None = Field(default=None, ge=0, le=4)
    temp: float | None = Field(default=None)
    fan: int | None = Field(default=None, ge=0, le=3)
    position: int | None = None
    max_power: int | None = None
    timeout: int | None = None


class ControllerChange(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    room_id: int | None = Field(default=None, ge=1)


class ScheduleBody(BaseModel):
    controller_id: str = Field(min_length=1, max_length=128, description="serial number")
    days: str = Field(pattern="^[01]{7}$", description="Monday first, 1 for a day on")
    from_time: int = Field(ge=0, le=1439, description="minute of the day")
    to_time: int = Field(ge=0, le=1439, description="minute of the day")
    active: int | None = Field(default=None, ge=0, le=1)
    device_hours: int | None = Field(default=None, ge=0, le=1440)
    action: str | None = Field(default=None, min_length=1, max_length=200)
    target: float | None = Field(default=None, ge=-50, le=100)
    push: int | None = Field(default=None, ge=0, le=1)
    default_state: Literal["on", "off", "do_nothing"] | None = None


class ThermostatModeBody(BaseModel):
    serial_number: str = Field(min_length=1, max_length=128)
    target_temperature: float = Field(ge=5, le=35)
    sensor_id: str | None = Field(default=None, min_length=1, max_length=200)
    delta: float | None = Field(default=None, ge=0, le=10)
    active: int | None = Field(default=None, ge=0, le=1)
    state: Literal["on", "off"] | None = None
    default_state: Literal["on", "off", "do_nothing"] | None = None
    push: int | None = Field(default=None, ge=0, le=1)


class ScheduleProfileBody(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    building_id: int | None = Field(default=None, ge=1)
    floor_id: int | None = Field(default=None, ge=1)
    space_id: int | None = Field(default=None, ge=1)
    room_id: int | None = Field(default=None, ge=1)
    is_default: int | None = Field(default=None, ge=0, le=1)
    editable: int | None = Field(default=None, ge=0, le=1)
    boost_time: int | None = Field(default=None, ge=0, le=1440)
    schedules: list[dict[str, Any]] | None = Field(default=None, max_length=100)


class ScheduleProfileAssignment(BaseModel):
    controller_id: int | list[int] = Field(description="a controller's id, or a list of them")
