"""The vendor's models, under the names and camelCase fields of its Swagger documents, so
that this face's OpenAPI documents describe the same models.

Update models accept what real clients send: numbers or strings for ids, empty strings and
zeros where the seed's own examples send them (they mean "not given"), unknown fields
ignored. Response models are for the documents; routes write their JSON directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.config import JsonDict, JsonValue

from homecloud.apis.nuheat.timefmt import INSTANT_PATTERN
from homecloud.apis.nuheat.weekly_schedule import MAX_TEMPERATURE, MIN_TEMPERATURE


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Request(_Model):
    """A body a client sends. Strict, as the vendor's ASP.NET deserialiser is: no "yes" for a
    boolean, no true for a number, no "12" for either (ids excepted, see the validators).
    Text must be valid Unicode: a lone surrogate ("\\ud800") cannot be stored or sent."""

    model_config = ConfigDict(extra="ignore", strict=True)

    @field_validator("*", mode="after")
    @classmethod
    def _encodable(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("text must not hold lone UTF-16 surrogates") from None
        return value


def _blank_is_none(value: Any) -> Any:
    return None if value == "" else value


def _number_as_text(value: Any) -> Any:
    """A serial number sent as a JSON number, which ASP.NET binds to the string it spells."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _requires(*names: str) -> Callable[[JsonDict], None]:
    """Documents ``names`` as required ids (text with a non-blank character, or a number).
    The model keeps them optional so that the service words a missing one as the vendor does
    ("serialNumber is required.")."""

    def document(schema: JsonDict) -> None:
        properties = schema["properties"]
        assert isinstance(properties, dict)
        for name in names:
            properties[name] = {
                "title": name,
                "anyOf": [{"type": "string", "pattern": "\\S"}, {"type": "integer"}],
            }
        schema["required"] = list(names)

    return document


def _given(*choices: JsonDict, required: bool = False) -> Callable[[JsonDict], None]:
    """States what an optional field takes when given (null means "not given"): the field's
    non-null branch becomes ``choices``, each a refinement of it. A ``required`` one is kept
    optional in the model, so that the service words its absence as the vendor does, but is
    documented without null."""

    def document(schema: JsonDict) -> None:
        branches = schema.get("anyOf")
        assert isinstance(branches, list)
        given = [branch for branch in branches if branch != {"type": "null"}]
        assert len(given) == 1
        assert isinstance(given[0], dict)
        refined: list[JsonValue] = [{**given[0], **choice} for choice in choices]
        if required:
            schema.pop("anyOf")
            schema.pop("default", None)
            if len(refined) == 1:
                assert isinstance(refined[0], dict)
                schema.update(refined[0])
            else:
                schema["anyOf"] = refined
        else:
            schema["anyOf"] = [*refined, {"type": "null"}]

    return document


SCHEDULE_MODES: JsonDict = {"enum": [1, 2, 3]}
TEMPERATURE_TYPES: JsonDict = {"enum": [0, 1]}
# A time as parse_instant takes it (RFC 3339, which also takes no offset as UTC); blank is
# "not given", as the vendor's apps send it.
DATE_TIME = _given(
    {"format": "date-time", "pattern": INSTANT_PATTERN},
    {"maxLength": 0, "description": "Not given"},
)
# Centi-°C, within the range the thermostat takes.
TEMPERATURE: JsonDict = {"minimum": MIN_TEMPERATURE, "maximum": MAX_TEMPERATURE}


class AccountModel(_Model):
    firstName: str | None = None
    lastName: str | None = None
    email: str | None = None
    use12Hour: bool = False
    temperatureScale: str | None = None


class ThermostatModel(_Model):
    serialNumber: str | None = None
    name: str | None = None
    setPointTemp: int | None = None
    scheduleMode: int = Field(
        1, description="1 Auto, 2 Hold, 3 Permanent Hold", json_schema_extra=SCHEDULE_MODES
    )
    holdSetPointDateTime: str | None = Field(
        None, json_schema_extra=_given({"format": "date-time"})
    )
    groupId: str | None = None
    swVersion: str | None = None
    online: bool = True
    operatingMode: int = Field(
        1, description="1 Auto (schedule), 2 Manual", json_schema_extra={"enum": [1, 2]}
    )
    isHeating: bool = False
    currentTemperature: int = 0
    tzOffset: str | None = None
    error: str | None = None


class ThermostatUpdateModel(_Request):
    model_config = ConfigDict(json_schema_extra=_requires("serialNumber"))
    serialNumber: str | None = None
    # Blank means "not given"; otherwise 1 to 200 characters once trimmed.
    name: str | None = Field(None, json_schema_extra={"pattern": "^$|\\S", "maxLength": 200})
    setPointTemp: int | None = Field(
        None,
        description="Centi-°C; 0 means not given",
        json_schema_extra=_given({"enum": [0]}, TEMPERATURE),
    )
    scheduleMode: int | None = Field(
        None,
        description="1 Auto, 2 Hold, 3 Permanent Hold",
        json_schema_extra=_given(SCHEDULE_MODES),
    )
    holdSetPointDateTime: str | None = Field(None, json_schema_extra=DATE_TIME)

    _blank = field_validator("serialNumber", "name", "holdSetPointDateTime", mode="before")(
        _blank_is_none
    )
    _serial = field_validator("serialNumber", mode="before")(_number_as_text)


class GroupModel(_Model):
    groupId: str | None = None
    groupName: str | None = None
    awayMode: bool = False
    awaySetPointTemp: int = 0


class GroupUpdateModel(_Request):
    model_config = ConfigDict(json_schema_extra=_requires("groupId"))
    groupId: str | None = None
    awayMode: bool = False

    @field_validator("groupId", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        # senorshaun's homebridge plugin sends the id as an unquoted number.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


# HH:mm (or HH:mm:00) on a 15-minute mark, as validate_day takes it.
CLOCK_PATTERN = "^([01][0-9]|2[0-3]):(00|15|30|45)(:00)?$"


def _event_schema(schema: JsonDict) -> None:
    """``clock`` is required, and an active event's temperature lies within the thermostat's
    range (an inactive one's is kept, whatever it is)."""
    schema["required"] = ["clock"]
    schema["anyOf"] = [
        {"properties": {"active": {"enum": [False]}}},
        {
            "properties": {"active": {"enum": [True]}, "temperature": TEMPERATURE},
            "required": ["active", "temperature"],
        },
    ]


class ScheduleDayEventModel(_Request):
    model_config = ConfigDict(json_schema_extra=_event_schema)
    clock: str | None = Field(
        None,
        description="HH:mm local time, on a 15-minute mark",
        json_schema_extra=_given({"pattern": CLOCK_PATTERN}, required=True),
    )
    scheduleType: int = Field(
        0,
        description="0 WAKE, 1 LEAVE, 2 RETURN, 3 SLEEP",
        json_schema_extra={"enum": [0, 1, 2, 3]},
    )
    active: bool = False
    temperature: int = Field(0, description="Centi-°C")


def _day_schema(schema: JsonDict) -> None:
    schema["required"] = ["weekDay"]
    properties = schema["properties"]
    assert isinstance(properties, dict)
    week_day = properties["weekDay"]
    assert isinstance(week_day, dict)
    week_day.pop("default")  # 0 is no week day: the field is required


class ScheduleDayModel(_Request):
    model_config = ConfigDict(json_schema_extra=_day_schema)
    weekDay: int = Field(
        0, description="1 Monday ... 7 Sunday", json_schema_extra={"minimum": 1, "maximum": 7}
    )
    weekDayGroupNumber: int = Field(0, description="Days of one group share their events")
    # Each event type at most once a day.
    events: list[ScheduleDayEventModel] | None = Field(
        None, json_schema_extra=_given({"maxItems": 4})
    )


def _schedule_schema(schema: JsonDict) -> None:
    _requires("serialNumber")(schema)
    schema["required"] = ["serialNumber", "days"]


class ScheduleModel(_Request):
    model_config = ConfigDict(json_schema_extra=_schedule_schema)
    serialNumber: str | None = None
    # The days given replace those days of the week (each at most once).
    days: list[ScheduleDayModel] | None = Field(
        None, json_schema_extra=_given({"minItems": 1, "maxItems": 7}, required=True)
    )
    _serial = field_validator("serialNumber", mode="before")(_number_as_text)


class EnergyUsageEntryModel(_Model):
    entry: str | None = None
    minutes: int = 0
    energyKWattHour: float = 0.0
    chargeKWattHour: float = 0.0


class EnergyUsageModel(_Model):
    energyUsageType: str | None = None
    energyUsageFrom: str | None = Field(None, json_schema_extra=_given({"format": "date"}))
    energyUsageTo: str | None = Field(None, json_schema_extra=_given({"format": "date"}))
    mondayIsFirstDay: bool = True
    energyUsage: list[EnergyUsageEntryModel] | None = None


# v2: the "minimalistic" API. Its documents name the thermostat model as v1 does; the v2
# document is built from these under the vendor's names (see openapi.py).
class AccountModelV2(_Model):
    model_config = ConfigDict(title="AccountModel")
    userName: str | None = None
    temperatureScale: str | None = None
    language: str | None = None


class ThermostatModelV2(_Model):
    model_config = ConfigDict(title="ThermostatModel")
    serialNumber: str | None = None
    name: str | None = None
    currentTemperature: int = 0
    online: bool = True
    isHeating: bool = False
    setPointTemperature: int = 0
    holdUntil: str | None = Field(None, json_schema_extra=_given({"format": "date-time"}))
    mode: int = Field(
        1, description="1 Auto, 2 Hold, 3 Manual (permanent)", json_schema_extra={"enum": [1, 2, 3]}
    )
    errorState: str | None = None


def _mode_schema(schema: JsonDict) -> None:
    """An absolute temperature (``temperatureType`` 0, the default) lies within the
    thermostat's range; a relative one is added to the current temperature, and the sum must."""
    schema["anyOf"] = [
        {"properties": {"temperatureType": {"enum": [1]}}, "required": ["temperatureType"]},
        {"properties": {"temperature": {"anyOf": [TEMPERATURE, {"type": "null"}]}}},
    ]


class AutoModeModel(_Request):
    serialNumber: str = Field(min_length=1)


class HoldModeModel(_Request):
    model_config = ConfigDict(json_schema_extra=_mode_schema)
    serialNumber: str = Field(min_length=1)
    temperature: int | None = None
    holdUntil: str | None = Field(None, json_schema_extra=DATE_TIME)
    temperatureType: int = Field(
        0,
        description="0 absolute, 1 relative to the current one",
        json_schema_extra=TEMPERATURE_TYPES,
    )

    _blank = field_validator("holdUntil", mode="before")(_blank_is_none)


class ManualModeModel(_Request):
    model_config = ConfigDict(json_schema_extra=_mode_schema)
    serialNumber: str = Field(min_length=1)
    temperature: int | None = None
    temperatureType: int = Field(
        0,
        description="0 absolute, 1 relative to the current one",
        json_schema_extra=TEMPERATURE_TYPES,
    )
