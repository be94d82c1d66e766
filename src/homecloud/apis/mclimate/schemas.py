"""The vendor's request and response shapes, for the face's OpenAPI document.

Routes render answers as plain dicts (orjson) and read bodies with the lenient rules of
:mod:`.commands`; these models describe both for Swagger UI and schema-driven clients. The
request models say what a client should send (numbers as numbers); the face also takes
numeric strings and ignores keys it does not use.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

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
# Numbers may come as JSON numbers or as strings of a decimal number (what
# homecloud.core.parsing.parse_decimal reads); whole numbers may be written 25.0.
DECIMAL_TEXT = r"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$"
NumberText = Annotated[str, Field(pattern=DECIMAL_TEXT)]
Number = float | NumberText
Whole = int | float | NumberText
# A switch or flag: 0/1 (as a number or its text), or true/false.
Flag = bool | Annotated[int, Field(ge=0, le=1)] | Literal["true", "false", "0", "1"]
DefaultState = Literal["on", "off", "do_nothing"]


class FetchBody(BaseModel):
    serial_number: str = Field(min_length=1, max_length=128)
    offset: Flag | None = Field(default=None, description="Accepted; offsets are zero here.")


class SendBody(BaseModel):
    """The serial number and the command; the command's own fields beside them (any other
    key is ignored): ``send_ir_code``: state 0..2, mode 0..4, temp 16..30, fan 0..3 (each
    optional, the last value kept); ``turn_led_off``, ``reset_color``; Bobbie
    ``switch_on_off`` (state on/off), ``default_state`` (state 0..2), ``led_on_off`` (state
    0/1); smart plug ``switch_on_off`` (state), ``default_switch`` (state off/on/last),
    ``max_power_turn_off`` (max_power 0..3680 W), ``auto_switch`` (state, timeout s); Vicki
    ``set_motor_position`` (position: the target °C), ``set_motor_position_only`` (position
    0..motorRange), ``set_ext_temp`` (temp), ``set_keepalive_time`` (time 1..255 min),
    ``recalibrate_motor``, ``set_range`` (min, max), ``child_lock`` (enabled),
    ``force_close_vicki``, ``set_open_window`` (enabled)."""

    model_config = ConfigDict(extra="allow")

    serial_number: str = Field(min_length=1, max_length=128)
    command: str = Field(min_length=1, max_length=64)


class ControllerChange(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    room_id: Whole | None = Field(default=None, description="a room's id (1 or more), or null")


class ScheduleBody(BaseModel):
    controller_id: str = Field(min_length=1, max_length=128, description="serial number")
    days: str = Field(pattern="^[01]{7}$", description="Monday first, 1 for a day on")
    from_time: Whole = Field(description="minute of the day, 0..1439")
    to_time: Whole = Field(description="minute of the day, 0..1439")
    active: Flag | None = None
    device_hours: Whole | None = Field(default=None, description="0..1440")
    action: str | None = Field(default=None, min_length=1, max_length=200)
    target: Number | None = Field(default=None, description="-50..100")
    push: Flag | None = None
    default_state: DefaultState | None = None


class ThermostatModeBody(BaseModel):
    serial_number: str = Field(min_length=1, max_length=128)
    target_temperature: Number = Field(description="5..35 °C")
    sensor_id: str | None = Field(default=None, min_length=1, max_length=200)
    delta: Number | None = Field(default=None, description="0..10 K")
    active: Flag | None = None
    state: Literal["on", "off"] | Flag | None = None
    default_state: DefaultState | None = None
    push: Flag | None = None


class ScheduleProfileBody(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    building_id: Whole | None = None
    floor_id: Whole | None = None
    space_id: Whole | None = None
    room_id: Whole | None = None
    is_default: Flag | None = None
    editable: Flag | None = None
    boost_time: Whole | None = Field(default=None, description="minutes, 0..1440")
    schedules: list[dict[str, Any]] | None = Field(default=None, max_length=100)


class ScheduleProfileAssignment(BaseModel):
    controller_id: Whole | list[Whole] = Field(
        description="a controller's id, or a list of 1 to 1000 of them"
    )
