"""The kinds of meter homecloud simulates, and what each reports and can be switched with.

A family fixes a meter's enum types, the OBIS codes of its readings and the actions
(``GET /Actions/{id}``) it takes. Meters made through ``POST /Devices`` belong to the
``rest_api`` family: they report what their client posts, and have no actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from homecloud.apis.smartme import obis
from homecloud.apis.smartme.enums import (
    ActionType,
    DeviceEnergyType,
    FamilyType,
    MeterSubType,
    NetworkConnection,
)


@dataclass(frozen=True, slots=True)
class Action:
    name: str
    code: obis.Obis
    type: ActionType = ActionType.OnOffAction


@dataclass(frozen=True, slots=True)
class Family:
    key: str
    title: str
    energy_type: DeviceEnergyType
    sub_type: MeterSubType
    family_type: FamilyType
    phases: int = 0
    actions: tuple[Action, ...] = ()
    network: NetworkConnection = NetworkConnection.wifi
    hardware_version: int = 1
    firmware_version: int = 1
    simulated: bool = True

    @property
    def switch_codes(self) -> frozenset[str]:
        return frozenset(action.code.hex for action in self.actions)


SINGLE_PHASE: Final = Family(
    "single_phase",
    "smart-me 1-phase meter 80A with switch",
    DeviceEnergyType.MeterTypeElectricity,
    MeterSubType.MeterSubTypeElectricity,
    FamilyType.MeterFamilyTypeSmartMe1PhaseMeter80AV2WiFi,
    phases=1,
    # The wiki's switching example sends 63000C0001FF to a single-phase meter; the whole-meter
    # code switches the same relay.
    actions=(Action("Switch", obis.SWITCH_L1), Action("Switch (all phases)", obis.SWITCH)),
    hardware_version=2,
    firmware_version=120,
)
THREE_PHASE: Final = Family(
    "three_phase",
    "smart-me 3-phase meter 80A (Telstar, WiFi) with switch and outputs",
    DeviceEnergyType.MeterTypeElectricity,
    MeterSubType.MeterSubTypeElectricity,
    FamilyType.MeterFamilyTypeSmartMe3PhaseTelstar80AWiFi,
    phases=3,
    actions=(
        Action("Switch", obis.SWITCH),
        Action("Switch phase L1", obis.SWITCH_L1),
        Action("Switch phase L2", obis.SWITCH_L2),
        Action("Switch phase L3", obis.SWITCH_L3),
        Action("Digital output 1", obis.OUTPUT_1),
        Action("Digital output 2", obis.OUTPUT_2),
    ),
    hardware_version=3,
    firmware_version=131,
)
CHARGING_STATION: Final = Family(
    "charging_station",
    "Charging station (3-phase, 11 kW)",
    DeviceEnergyType.MeterTypeElectricity,
    MeterSubType.MeterSubTypeChargingStation,
    FamilyType.MeterFamilyTypeSmartMe3PhaseMeter32A,
    phases=3,
    actions=(Action("Charging enabled", obis.SWITCH),),
    network=NetworkConnection.ltecatm1,
    hardware_version=1,
    firmware_version=215,
)


def wireless_mbus(
    key: str, what: str, energy_type: DeviceEnergyType, sub_type: MeterSubType
) -> Family:
    """A meter read over wireless M-Bus by smart-me's gateway on the mesh WiFi: its family
    and network are the gateway's, its types its own."""
    return Family(
        key,
        f"{what} meter (wireless M-Bus)",
        energy_type,
        sub_type,
        FamilyType.MeterFamilyTypeWMBusGatewayV1,
        network=NetworkConnection.meshwifi,
    )


WATER: Final = wireless_mbus(
    "water", "Water", DeviceEnergyType.MeterTypeWater, MeterSubType.MeterSubTypeWater
)
GAS: Final = wireless_mbus(
    "gas", "Gas", DeviceEnergyType.MeterTypeGas, MeterSubType.MeterSubTypeGas
)


def reporting_what_is_posted(
    key: str, title: str, family_type: FamilyType, energy_type: DeviceEnergyType
) -> Family:
    """A family homecloud does not simulate: its meters report what their clients post."""
    return Family(
        key, title, energy_type, MeterSubType.MeterSubTypeUnknown, family_type, simulated=False
    )


# Meters made through the API (``POST /Devices``).
REST_API: Final = reporting_what_is_posted(
    "rest_api",
    "REST API meter",
    FamilyType.MeterFamilyTypeRestApiMeter,
    DeviceEnergyType.MeterTypeUnknown,
)
# Meters whose M-Bus telegrams a client posts (``POST /MBus``): their types are their medium's.
MBUS: Final = reporting_what_is_posted(
    "mbus",
    "M-Bus meter (telegrams posted to /MBus)",
    FamilyType.MeterFamilyTypeMBusGatewayV1,
    DeviceEnergyType.MeterTypeUnknown,
)
CUSTOM: Final = reporting_what_is_posted(
    "custom",
    "Custom device",
    FamilyType.MeterFamilyTypeUnknown,
    DeviceEnergyType.MeterTypeCustomDevice,
)

SIMULATED: Final = (SINGLE_PHASE, THREE_PHASE, WATER, GAS, CHARGING_STATION)
FAMILIES: Final[dict[str, Family]] = {
    family.key: family for family in (*SIMULATED, REST_API, MBUS, CUSTOM)
}


def family_of(kind: str) -> Family:
    return FAMILIES.get(kind, REST_API)
