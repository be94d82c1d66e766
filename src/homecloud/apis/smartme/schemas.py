"""smart-me's request and response shapes.

The models document the API (they make the OpenAPI document); the ``*_body`` functions
render the responses the way api.smart-me.com writes them: PascalCase keys, enums as
integers, null fields left out, dates with seven fractional digits and ``Z``. Requests are
read by :mod:`.bodies` (JSON or form, keys in any case) and checked field by field with
:mod:`.wire`, so a bad field gets the vendor's 400 rather than a framework's 422.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Annotated, Any, Final

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from homecloud.apis.smartme import mbus, obis, wire
from homecloud.apis.smartme.enums import DeviceEnergyType, MeterSubType
from homecloud.apis.smartme.families import CHARGING_STATION, Action, family_of
from homecloud.apis.smartme.meter_model import PHASE_SWITCHES
from homecloud.apis.smartme.models import SmartMeMeter
from homecloud.core.models import Device, User

# --------------------------------------------------------------------------- documentation


class Model(BaseModel):
    model_config = ConfigDict(extra="allow")


INT64: Final = 2**63 - 1
# What the parsers of wire.py accept, so the document promises no more and no less.
NumberField = Annotated[float | None, Field(None, ge=-wire.MAX_MAGNITUDE, le=wire.MAX_MAGNITUDE)]
SerialField = Annotated[int | None, Field(None, ge=0, le=INT64)]
NameField = Annotated[str | None, Field(None, max_length=200)]
GuidField = Annotated[str | None, Field(None, json_schema_extra={"format": "uuid"})]
DateField = Annotated[str | None, Field(None, json_schema_extra={"format": "date-time"})]


def enum_schema(kind: type[IntEnum]) -> Any:
    """An enum given by name or by number."""
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "enum": [int(member) for member in kind]},
                {"type": "string", "enum": [member.name for member in kind]},
            ]
        }
    )


class DeviceModel(Model):
    Id: str = Field(description="The meter's GUID.")
    Name: str | None = None
    Serial: int | None = None
    DeviceEnergyType: int | None = Field(None, description="DeviceEnergyType as its number.")
    MeterSubType: int | None = None
    FamilyType: int | None = None
    ActivePower: float | None = Field(None, description="kW (electricity) or m3/h.")
    ActivePowerL1: float | None = None
    ActivePowerL2: float | None = None
    ActivePowerL3: float | None = None
    ActivePowerUnit: str | None = None
    ActiveTariff: int | None = None
    ChargingStationState: int | None = None
    CounterReading: float | None = Field(None, description="kWh or m3.")
    CounterReadingUnit: str | None = None
    CounterReadingImport: float | None = None
    CounterReadingExport: float | None = None
    CounterReadingT1: float | None = None
    CounterReadingT2: float | None = None
    Current: float | None = None
    CurrentL1: float | None = None
    CurrentL2: float | None = None
    CurrentL3: float | None = None
    DigitalOutput1: bool | None = None
    DigitalOutput2: bool | None = None
    FlowRate: float | None = None
    PowerFactor: float | None = None
    PowerFactorL1: float | None = None
    PowerFactorL2: float | None = None
    PowerFactorL3: float | None = None
    SwitchOn: bool | None = None
    SwitchPhaseL1On: bool | None = None
    SwitchPhaseL2On: bool | None = None
    SwitchPhaseL3On: bool | None = None
    Voltage: float | None = None
    VoltageL1: float | None = None
    VoltageL2: float | None = None
    VoltageL3: float | None = None
    ValueDate: str | None = Field(None, description="UTC, 7 fractional digits, Z.")


EnergyTypeField = Annotated[Any, enum_schema(DeviceEnergyType)]
SubTypeField = Annotated[Any, enum_schema(MeterSubType)]


class DeviceToPostModel(Model):
    Id: GuidField = None
    Name: NameField = None
    Serial: SerialField = None
    DeviceEnergyType: EnergyTypeField = None
    MeterSubType: SubTypeField = None
    ActivePower: NumberField = None
    CounterReading: NumberField = None
    CounterReadingT1: NumberField = None
    CounterReadingT2: NumberField = None
    CounterReadingExport: NumberField = None
    CounterReadingExportT1: NumberField = None
    CounterReadingExportT2: NumberField = None
    Current: NumberField = None
    CurrentL1: NumberField = None
    CurrentL2: NumberField = None
    CurrentL3: NumberField = None
    PowerFactor: NumberField = None
    PowerFactorL1: NumberField = None
    PowerFactorL2: NumberField = None
    PowerFactorL3: NumberField = None
    Voltage: NumberField = None
    VoltageL1: NumberField = None
    VoltageL2: NumberField = None
    VoltageL3: NumberField = None
    ValueDate: DateField = None


class ObisValue(Model):
    Obis: str = Field(description="12 hex digits, e.g. 0100010800FF.")
    Value: float


class ValuesDataModel(Model):
    DeviceId: str
    Date: str
    Values: list[ObisValue]


class DeviceInPastModel(Model):
    Id: str
    Serial: int | None = None
    Date: str | None = None
    CounterReading: float | None = None
    CounterReadingUnit: str | None = None
    CounterReadingImport: float | None = None
    CounterReadingExport: float | None = None
    CounterReadingT1: float | None = None
    CounterReadingT2: float | None = None


class ActionInformationModel(Model):
    Name: str
    ObisCode: str
    ActionType: int = Field(description="0 OnOffAction, 1 AnalogAction.")


class ActionValue(Model):
    ObisCode: str = Field(pattern="^[0-9A-Fa-f]{12}$")
    Value: float = Field(ge=-wire.MAX_MAGNITUDE, le=wire.MAX_MAGNITUDE)


class ActionToPostModel(Model):
    DeviceID: str = Field(json_schema_extra={"format": "uuid"})
    Actions: list[ActionValue] = Field(min_length=1, max_length=20)


class AdditionalDeviceInformationModel(Model):
    ID: str
    HardwareVersion: int | None = None
    FirmwareVersion: int | None = None
    AdditionalMeterSerialNumber: str | None = None
    NetworkConnection: int | None = None
    NetworkConnectionRSSI: int | None = None


class UserModel(Model):
    Id: int
    IdAsString: str
    Username: str
    Email: str
    IsAdmin: bool
    Permissions: list[str]
    ChildUsers: list[Any]


class AccessTokenToPutModel(Model):
    CardId: int = Field(ge=0, le=2**63 - 1)
    UserId: int | None = Field(None, ge=0, le=2**63 - 1)


class CustomValue(Model):
    Name: str = Field(max_length=100)
    Value: float = Field(ge=-wire.MAX_MAGNITUDE, le=wire.MAX_MAGNITUDE)


class CustomDeviceModel(Model):
    Id: GuidField = None
    Name: NameField = None
    Serial: SerialField = None
    ValueDate: DateField = None
    Values: list[CustomValue] | None = Field(None, max_length=100)


class InputInformationModel(Model):
    Name: str
    Number: int


class OutputInformationModel(Model):
    Name: str
    Number: int = Field(description="1 for the meter's first output (its first action).")
    ObisCode: str
    ActionType: int = Field(description="0 OnOffAction, 1 AnalogAction.")


class MeterFolderInformationModel(Model):
    Name: str
    IsFolder: bool
    HardwareVersion: int | None = None
    FirmwareVersion: int | None = None
    CommunicationModuleHardwareVersion: int | None = None
    CommunicationModuleFirmwareVersion: int | None = None
    InputInformations: list[InputInformationModel]
    OutputInformations: list[OutputInformationModel]


class MeterFolderInformationToPostModel(Model):
    Id: str = Field(json_schema_extra={"format": "uuid"}, description="A meter's or folder's id.")
    Name: str = Field(min_length=1, max_length=200)


class MBusDataModel(Model):
    Date: DateField = None
    Telegram: str = Field(
        max_length=mbus.MAX_TELEGRAM_TEXT,
        description="The meter's RSP_UD telegram in hexadecimal, e.g. '68 1F 1F 68 08 02 72 …'.",
    )


class FolderDataModel(Model):
    ElectricityCounterValue: float
    ElectricityPower: float
    GasCounterValue: float
    GasFlowRate: float
    HeatCounterValue: float
    HeatPower: float
    WaterCounterValue: float
    WaterFlowRate: float


class MessageModel(Model):
    Message: str


# ---------------------------------------------------------------------------------- output

VOLUMES: Final = {
    DeviceEnergyType.MeterTypeWater: (obis.WATER_VOLUME, obis.WATER_FLOW),
    DeviceEnergyType.MeterTypeGas: (obis.GAS_VOLUME, obis.GAS_FLOW),
}


def _kilo(values: Mapping[str, Any], code: obis.Obis) -> float | None:
    value = values.get(code.hex)
    return round(value / 1000, 6) if value is not None else None


def _put(body: dict[str, Any], **fields: Any) -> None:
    """Adds the fields that have a value (smart-me leaves nulls out)."""
    body.update({name: value for name, value in fields.items() if value is not None})


def device_body(device: Device, meter: SmartMeMeter) -> dict[str, Any]:
    family = family_of(device.kind)
    values = meter.latest
    body: dict[str, Any] = {"Id": meter.guid, "Name": device.name, "Serial": meter.serial}
    body |= {
        "DeviceEnergyType": meter.energy_type,
        "MeterSubType": meter.sub_type,
        "FamilyType": meter.family_type,
    }
    volume_codes = VOLUMES.get(DeviceEnergyType(meter.energy_type))
    if meter.is_custom:
        pass
    elif volume_codes is not None:
        volume, flow = volume_codes
        _put(
            body,
            ActivePower=values.get(flow.hex),
            ActivePowerUnit="m3/h",
            CounterReading=values.get(volume.hex),
            CounterReadingUnit="m3",
            FlowRate=values.get(flow.hex),
        )
    elif meter.energy_type == DeviceEnergyType.MeterTypeHeat:
        _put(
            body,
            ActivePower=_kilo(values, obis.HEAT_POWER),
            ActivePowerUnit="kW",
            CounterReading=_kilo(values, obis.HEAT_ENERGY),
            CounterReadingUnit="kWh",
            FlowRate=values.get(obis.HEAT_FLOW.hex),
            Temperature=values.get(obis.HEAT_FLOW_TEMPERATURE.hex),
        )
    else:
        _electricity(body, values, family.phases)
        if family is CHARGING_STATION and "charging_state" in meter.state:
            body["ChargingStationState"] = meter.state["charging_state"]
        if "active_tariff" in meter.state:
            body["ActiveTariff"] = meter.state["active_tariff"]
    if meter.value_date_us is not None:
        body["ValueDate"] = wire.format_date(meter.value_date_us)
    return body


def _electricity(body: dict[str, Any], values: Mapping[str, Any], phases: int) -> None:
    power = _kilo(values, obis.POWER_TOTAL)
    if power is None and obis.POWER_IMPORT.hex in values:
        power = round(
            (values[obis.POWER_IMPORT.hex] - values.get(obis.POWER_EXPORT.hex, 0)) / 1000, 6
        )
    _put(
        body,
        ActivePower=power,
        ActivePowerL1=_kilo(values, obis.POWER_L1),
        ActivePowerL2=_kilo(values, obis.POWER_L2),
        ActivePowerL3=_kilo(values, obis.POWER_L3),
        ActivePowerUnit="kW",
        CounterReading=_kilo(values, obis.ENERGY_IMPORT),
        CounterReadingUnit="kWh",
        CounterReadingT1=_kilo(values, obis.ENERGY_IMPORT_T1),
        CounterReadingT2=_kilo(values, obis.ENERGY_IMPORT_T2),
        CounterReadingImport=_kilo(values, obis.ENERGY_IMPORT),
        CounterReadingExport=_kilo(values, obis.ENERGY_EXPORT),
        Voltage=values.get(obis.VOLTAGE_L1.hex),
        VoltageL1=values.get(obis.VOLTAGE_L1.hex),
        VoltageL2=values.get(obis.VOLTAGE_L2.hex),
        VoltageL3=values.get(obis.VOLTAGE_L3.hex),
        Current=values.get(obis.CURRENT_L1.hex) if phases <= 1 else None,
        CurrentL1=values.get(obis.CURRENT_L1.hex),
        CurrentL2=values.get(obis.CURRENT_L2.hex),
        CurrentL3=values.get(obis.CURRENT_L3.hex),
        PowerFactor=values.get(obis.POWER_FACTOR.hex),
        PowerFactorL1=values.get(obis.POWER_FACTOR_L1.hex),
        PowerFactorL2=values.get(obis.POWER_FACTOR_L2.hex),
        PowerFactorL3=values.get(obis.POWER_FACTOR_L3.hex),
        DigitalOutput1=_on(values, obis.OUTPUT_1.hex),
        DigitalOutput2=_on(values, obis.OUTPUT_2.hex),
    )
    if phases and obis.SWITCH.hex in values:
        body["SwitchOn"] = bool(values[obis.SWITCH.hex])
        for index, code in enumerate(PHASE_SWITCHES[:phases], start=1):
            if phases > 1 and code in values:
                body[f"SwitchPhaseL{index}On"] = bool(values[code])


def _on(values: Mapping[str, Any], code: str) -> bool | None:
    return bool(values[code]) if code in values else None


def values_body(guid: str, at_us: int, values: Mapping[str, Any]) -> dict[str, Any]:
    order = {code.hex: index for index, code in enumerate(obis.TABLE)}
    codes = sorted(values, key=lambda code: (order.get(code, len(order)), code))
    return {
        "DeviceId": guid,
        "Date": wire.format_date(at_us),
        "Values": [{"Obis": code, "Value": values[code]} for code in codes],
    }


def device_in_past_body(
    meter: SmartMeMeter, at_us: int, values: Mapping[str, Any]
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "Id": meter.guid,
        "Serial": meter.serial,
        "Date": wire.format_date(at_us),
    }
    volume_codes = VOLUMES.get(DeviceEnergyType(meter.energy_type))
    if volume_codes is not None:
        _put(body, CounterReading=values.get(volume_codes[0].hex), CounterReadingUnit="m3")
        return body
    if meter.energy_type == DeviceEnergyType.MeterTypeHeat:
        _put(body, CounterReading=_kilo(values, obis.HEAT_ENERGY), CounterReadingUnit="kWh")
        return body
    _put(
        body,
        CounterReading=_kilo(values, obis.ENERGY_IMPORT),
        CounterReadingUnit="kWh",
        CounterReadingT1=_kilo(values, obis.ENERGY_IMPORT_T1),
        CounterReadingT2=_kilo(values, obis.ENERGY_IMPORT_T2),
        CounterReadingImport=_kilo(values, obis.ENERGY_IMPORT),
        CounterReadingImportT1=_kilo(values, obis.ENERGY_IMPORT_T1),
        CounterReadingImportT2=_kilo(values, obis.ENERGY_IMPORT_T2),
        CounterReadingExport=_kilo(values, obis.ENERGY_EXPORT),
        CounterReadingExportT1=_kilo(values, obis.ENERGY_EXPORT_T1),
        CounterReadingExportT2=_kilo(values, obis.ENERGY_EXPORT_T2),
    )
    return body


def additional_information_body(device: Device, meter: SmartMeMeter) -> dict[str, Any]:
    info = device.attributes
    body: dict[str, Any] = {"ID": meter.guid}
    _put(
        body,
        HardwareVersion=info.get("hardware_version"),
        FirmwareVersion=info.get("firmware_version"),
        AdditionalMeterSerialNumber=info.get("additional_serial"),
        NetworkConnection=info.get("network"),
        NetworkConnectionRSSI=info.get("rssi"),
    )
    return body


def user_body(user: User) -> dict[str, Any]:
    """smart-me's ``User``. homecloud has neither admins nor sub-users."""
    return {
        "Id": user.id,
        "IdAsString": str(user.id),
        "Username": user.username or user.email,
        "Email": user.email,
        "IsAdmin": False,
        "Permissions": [],
        "ChildUsers": [],
    }


def folder_information_body(name: str) -> dict[str, Any]:
    """``MeterFolderInformation`` of a folder: a name, and no hardware of its own."""
    return {"Name": name, "IsFolder": True, "InputInformations": [], "OutputInformations": []}


def meter_information_body(device: Device) -> dict[str, Any]:
    """``MeterFolderInformation`` of a meter: its name, versions and outputs (what
    ``Actions`` switches, numbered from 1). No simulated meter has digital inputs or a
    separate communication module, so those stay empty and absent."""
    info = device.attributes
    body: dict[str, Any] = {"Name": device.name, "IsFolder": False}
    _put(
        body,
        HardwareVersion=info.get("hardware_version"),
        FirmwareVersion=info.get("firmware_version"),
    )
    body["InputInformations"] = []
    body["OutputInformations"] = [
        {**action_body(action), "Number": number}
        for number, action in enumerate(family_of(device.kind).actions, start=1)
    ]
    return body


def action_body(action: Action) -> dict[str, Any]:
    """``ActionInformation``: what ``GET /Actions`` lists, and each output of a meter."""
    return {"Name": action.name, "ObisCode": action.code.hex, "ActionType": int(action.type)}


def custom_device_body(device: Device, meter: SmartMeMeter) -> dict[str, Any]:
    body: dict[str, Any] = {"Id": meter.guid, "Name": device.name, "Serial": meter.serial}
    if meter.value_date_us is not None:
        body["ValueDate"] = wire.format_date(meter.value_date_us)
    body["Values"] = list(meter.custom_values)
    return body


# ----------------------------------------------------------------------------------- input

# DeviceToPost's measured fields, as a client posts them (kW, kWh, m3, V, A).
POSTED_FIELDS: Final = (
    "ActivePower",
    "CounterReading",
    "CounterReadingT1",
    "CounterReadingT2",
    "CounterReadingExport",
    "CounterReadingExportT1",
    "CounterReadingExportT2",
    "Current",
    "CurrentL1",
    "CurrentL2",
    "CurrentL3",
    "PowerFactor",
    "PowerFactorL1",
    "PowerFactorL2",
    "PowerFactorL3",
    "Voltage",
    "VoltageL1",
    "VoltageL2",
    "VoltageL3",
)
# Field -> (OBIS code, factor to homecloud's unit) for a heat meter (kWh and kW as posted).
HEAT_FIELDS: Final[dict[str, tuple[obis.Obis, float]]] = {
    "CounterReading": (obis.HEAT_ENERGY, 1000.0),
    "ActivePower": (obis.HEAT_POWER, 1000.0),
}
# Field -> (OBIS code, factor to homecloud's unit) for an electricity meter.
ELECTRICITY_FIELDS: Final[dict[str, tuple[obis.Obis, float]]] = {
    "ActivePower": (obis.POWER_TOTAL, 1000.0),
    "CounterReading": (obis.ENERGY_IMPORT, 1000.0),
    "CounterReadingT1": (obis.ENERGY_IMPORT_T1, 1000.0),
    "CounterReadingT2": (obis.ENERGY_IMPORT_T2, 1000.0),
    "CounterReadingExport": (obis.ENERGY_EXPORT, 1000.0),
    "CounterReadingExportT1": (obis.ENERGY_EXPORT_T1, 1000.0),
    "CounterReadingExportT2": (obis.ENERGY_EXPORT_T2, 1000.0),
    "Current": (obis.CURRENT_L1, 1.0),
    "CurrentL1": (obis.CURRENT_L1, 1.0),
    "CurrentL2": (obis.CURRENT_L2, 1.0),
    "CurrentL3": (obis.CURRENT_L3, 1.0),
    "PowerFactor": (obis.POWER_FACTOR, 1.0),
    "PowerFactorL1": (obis.POWER_FACTOR_L1, 1.0),
    "PowerFactorL2": (obis.POWER_FACTOR_L2, 1.0),
    "PowerFactorL3": (obis.POWER_FACTOR_L3, 1.0),
    "Voltage": (obis.VOLTAGE_L1, 1.0),
    "VoltageL1": (obis.VOLTAGE_L1, 1.0),
    "VoltageL2": (obis.VOLTAGE_L2, 1.0),
    "VoltageL3": (obis.VOLTAGE_L3, 1.0),
}


@dataclass(frozen=True, slots=True)
class DevicePost:
    """A parsed ``DeviceToPost``."""

    id: uuid.UUID | None
    name: str | None
    serial: int | None
    energy_type: DeviceEnergyType | None
    sub_type: MeterSubType | None
    fields: dict[str, float]
    value_date: datetime | None


def device_post(body: Mapping[str, Any]) -> DevicePost:
    """``body`` (keys lower-cased by :func:`.bodies.read_body`) as a :class:`DevicePost`."""
    if not body:
        raise wire.invalid("The request body is required.")

    def given(name: str) -> Any:
        return body.get(name.lower())

    guid = given("Id")
    energy = given("DeviceEnergyType")
    sub = given("MeterSubType")
    date = given("ValueDate")
    name = given("Name")
    serial = given("Serial")
    fields: dict[str, float] = {}
    for field in POSTED_FIELDS:
        value = given(field)
        if value is not None:
            fields[field] = wire.parse_number(value, field)
    return DevicePost(
        id=wire.parse_guid(wire.parse_text(guid, "Id"), "Id") if guid is not None else None,
        name=wire.parse_text(name, "Name") if name is not None else None,
        serial=wire.parse_whole(serial, "Serial") if serial is not None else None,
        energy_type=wire.parse_enum(DeviceEnergyType, energy, "DeviceEnergyType")
        if energy is not None
        else None,
        sub_type=wire.parse_enum(MeterSubType, sub, "MeterSubType") if sub is not None else None,
        fields=fields,
        value_date=wire.parse_date(wire.parse_text(date, "ValueDate"), "ValueDate")
        if date is not None
        else None,
    )


def posted_values(energy_type: int, fields: Mapping[str, float]) -> dict[str, float]:
    """A posted meter's fields as OBIS values in homecloud's units."""
    volume_codes = VOLUMES.get(DeviceEnergyType(energy_type))
    values: dict[str, float] = {}
    if energy_type == DeviceEnergyType.MeterTypeHeat:
        for field, (code, factor) in HEAT_FIELDS.items():
            if field in fields:
                values[code.hex] = round(fields[field] * factor, 6)
        return values
    if volume_codes is not None:
        volume, flow = volume_codes
        if "CounterReading" in fields:
            values[volume.hex] = fields["CounterReading"]
        if "ActivePower" in fields:
            values[flow.hex] = fields["ActivePower"]
        return values
    for field, value in fields.items():
        code, factor = ELECTRICITY_FIELDS[field]
        values[code.hex] = round(value * factor, 6)
    return values | obis.power_directions(values)


def device_post_body(device: Device, meter: SmartMeMeter, post: DevicePost) -> dict[str, Any]:
    """The stored ``DeviceToPost``, as smart-me answers a POST."""
    body: dict[str, Any] = {"Id": meter.guid, "Name": device.name, "Serial": meter.serial}
    body |= {"DeviceEnergyType": meter.energy_type, "MeterSubType": meter.sub_type}
    body |= post.fields
    if meter.value_date_us is not None:
        body["ValueDate"] = wire.format_date(meter.value_date_us)
    return body


@dataclass(frozen=True, slots=True)
class ActionPost:
    device_id: uuid.UUID
    actions: list[tuple[str, float]]


def action_post(body: Mapping[str, Any]) -> ActionPost:
    device = body.get("deviceid")
    if device is None:
        raise wire.invalid("DeviceID is required.")
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions or len(actions) > 20:
        raise wire.invalid("Actions must be a list of 1 to 20 actions.")
    parsed: list[tuple[str, float]] = []
    for action in actions:
        if not isinstance(action, dict):
            raise wire.invalid("Each action must be an object with ObisCode and Value.")
        keys = {str(key).lower(): value for key, value in action.items()}
        code = keys.get("obiscode")
        if not isinstance(code, str):
            raise wire.invalid("ObisCode is required.")
        try:
            canonical = obis.parse_code(code)
        except obis.ObisError as exc:
            raise wire.invalid(f"{exc}.") from None
        parsed.append((canonical, wire.parse_number(keys.get("value"), "Value")))
    return ActionPost(wire.parse_guid(wire.parse_text(device, "DeviceID"), "DeviceID"), parsed)


@dataclass(frozen=True, slots=True)
class CustomPost:
    id: uuid.UUID | None
    name: str | None
    serial: int | None
    value_date: datetime | None
    values: list[dict[str, Any]]


def custom_post(body: Mapping[str, Any]) -> CustomPost:
    if not body:
        raise wire.invalid("The request body is required.")
    guid, name, serial, date = (body.get(key) for key in ("id", "name", "serial", "valuedate"))
    raw_values = body.get("values", [])
    if raw_values is None:
        raw_values = []
    if not isinstance(raw_values, list) or len(raw_values) > 100:
        raise wire.invalid("Values must be a list of at most 100 named values.")
    values: list[dict[str, Any]] = []
    for item in raw_values:
        if not isinstance(item, dict):
            raise wire.invalid("Each value must be an object with Name and Value.")
        keys = {str(key).lower(): value for key, value in item.items()}
        values.append(
            {
                "Name": wire.parse_text(keys.get("name"), "Name", limit=100),
                "Value": wire.parse_number(keys.get("value"), "Value"),
            }
        )
    return CustomPost(
        id=wire.parse_guid(wire.parse_text(guid, "Id"), "Id") if guid is not None else None,
        name=wire.parse_text(name, "Name") if name is not None else None,
        serial=wire.parse_whole(serial, "Serial") if serial is not None else None,
        value_date=wire.parse_date(wire.parse_text(date, "ValueDate"), "ValueDate")
        if date is not None
        else None,
        values=values,
    )


@dataclass(frozen=True, slots=True)
class NamePost:
    """``MeterFolderInformationToPost``: a new name for a meter or a folder."""

    id: uuid.UUID
    name: str


def name_post(body: Mapping[str, Any]) -> NamePost:
    guid, name = body.get("id"), body.get("name")
    if guid is None:
        raise wire.invalid("Id is required.")
    if name is None or (isinstance(name, str) and not name.strip()):
        raise wire.invalid("Name is required.")
    return NamePost(
        wire.parse_guid(wire.parse_text(guid, "Id"), "Id"), wire.parse_text(name, "Name").strip()
    )


@dataclass(frozen=True, slots=True)
class MBusPost:
    """``MBusData``: a decoded telegram and when it was read (None: now)."""

    telegram: mbus.Telegram
    date: datetime | None


def mbus_post(body: Mapping[str, Any]) -> MBusPost:
    text, date = body.get("telegram"), body.get("date")
    if text is None:
        raise wire.invalid("Telegram is required.")
    try:
        telegram = mbus.decode(
            mbus.parse_hex(wire.parse_text(text, "Telegram", limit=mbus.MAX_TELEGRAM_TEXT))
        )
        mbus.meter_types(telegram)
    except mbus.TelegramError as exc:
        raise wire.invalid(f"the Telegram cannot be read: {exc}.") from None
    return MBusPost(
        telegram,
        wire.parse_date(wire.parse_text(date, "Date"), "Date") if date is not None else None,
    )
