"""The OBIS codes smart-me meters report and take as actions: one table for REST (12 upper-case
hex digits, ``0100010800FF``) and the realtime webhooks (the same 6 bytes raw).

An OBIS code ``A-B:C.D.E*F`` is six bytes; ``1-0:1.8.0*255`` is ``01 00 01 08 00 FF``. The
energy, power, voltage, current and power-factor codes are IEC 62056-61's; the ``99-0:12.*``
(``63000C...``) control codes are smart-me's own (its .NET client's ``ObisCodes``).

Units are the ones a reading's value is kept in everywhere inside homecloud and shown in
REST ``Values``: energy in Wh, power in W (the spec's ``0100010800FF = 6330412.2`` for a
6,330.412 kWh counter), volumes in m3, flows in m3/h, a switch as 1 (on) or 0 (off). The
webhook encoder scales them as its settings say.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

HEX_CODE = re.compile(r"[0-9A-F]{12}")


class ObisError(ValueError):
    """Text that is not an OBIS code of 12 hex digits."""


@dataclass(frozen=True, slots=True)
class Obis:
    """One OBIS code: its hex form, a readable name and the unit of its values."""

    hex: str
    name: str
    unit: str

    @property
    def counts(self) -> bool:
        """Whether its values only ever grow: energy and volume are what a meter counts up;
        power, voltage, current and flow are measured at an instant."""
        return self.unit in ("Wh", "m3")

    @property
    def switches(self) -> bool:
        """Whether it is one of smart-me's control codes (``99-0:12.*``), which switch."""
        return self.hex.startswith("63000C")

    @property
    def raw(self) -> bytes:
        """The six bytes the realtime webhook carries."""
        return bytes.fromhex(self.hex)

    @property
    def dotted(self) -> str:
        """``A-B:C.D.E*F``, the notation of the standard."""
        a, b, c, d, e, f = self.raw
        return f"{a}-{b}:{c}.{d}.{e}*{f}"


def parse_code(text: str) -> str:
    """``text`` (any case, optional spaces, dashes or colons between the bytes) as the
    canonical 12 upper-case hex digits; :class:`ObisError` otherwise."""
    compact = re.sub(r"[\s:-]", "", text).upper() if len(text) <= 40 else text
    if HEX_CODE.fullmatch(compact) is None:
        raise ObisError(f"'{text[:40]}' is not an OBIS code of 12 hexadecimal digits")
    return compact


def to_bytes(code: str) -> bytes:
    """The six raw bytes of a 12-hex-digit code (what the protobuf ``Obis`` field holds)."""
    return bytes.fromhex(parse_code(code))


def from_bytes(raw: bytes) -> str:
    if len(raw) != 6:
        raise ObisError(f"an OBIS code has 6 bytes, not {len(raw)}")
    return raw.hex().upper()


# Energy counters (Wh).
ENERGY_IMPORT: Final = Obis("0100010800FF", "Active energy import total", "Wh")
ENERGY_IMPORT_T1: Final = Obis("0100010801FF", "Active energy import tariff 1", "Wh")
ENERGY_IMPORT_T2: Final = Obis("0100010802FF", "Active energy import tariff 2", "Wh")
ENERGY_EXPORT: Final = Obis("0100020800FF", "Active energy export total", "Wh")
ENERGY_EXPORT_T1: Final = Obis("0100020801FF", "Active energy export tariff 1", "Wh")
ENERGY_EXPORT_T2: Final = Obis("0100020802FF", "Active energy export tariff 2", "Wh")
# Power (W): import and export are each >= 0; the sum is signed (negative while exporting).
POWER_IMPORT: Final = Obis("0100010700FF", "Active power import", "W")
POWER_EXPORT: Final = Obis("0100020700FF", "Active power export", "W")
POWER_TOTAL: Final = Obis("0100100700FF", "Active power total (signed)", "W")
POWER_L1: Final = Obis("0100150700FF", "Active power L1", "W")
POWER_L2: Final = Obis("0100290700FF", "Active power L2", "W")
POWER_L3: Final = Obis("01003D0700FF", "Active power L3", "W")
VOLTAGE_L1: Final = Obis("0100200700FF", "Voltage L1", "V")
VOLTAGE_L2: Final = Obis("0100340700FF", "Voltage L2", "V")
VOLTAGE_L3: Final = Obis("0100480700FF", "Voltage L3", "V")
CURRENT_L1: Final = Obis("01001F0700FF", "Current L1", "A")
CURRENT_L2: Final = Obis("0100330700FF", "Current L2", "A")
CURRENT_L3: Final = Obis("0100470700FF", "Current L3", "A")
POWER_FACTOR: Final = Obis("01000D0700FF", "Power factor", "")
POWER_FACTOR_L1: Final = Obis("0100210700FF", "Power factor L1", "")
POWER_FACTOR_L2: Final = Obis("0100350700FF", "Power factor L2", "")
POWER_FACTOR_L3: Final = Obis("0100490700FF", "Power factor L3", "")
# Water and gas (EN 13757 value groups A=8 water, A=7 gas).
WATER_VOLUME: Final = Obis("0800010000FF", "Water volume", "m3")
WATER_FLOW: Final = Obis("0800020000FF", "Water flow", "m3/h")
GAS_VOLUME: Final = Obis("0700030000FF", "Gas volume", "m3")
GAS_FLOW: Final = Obis("07002B0000FF", "Gas flow", "m3/h")
# Heat (A=6, EN 13757-1): the energy and volume counted, power and flow, and the water's
# temperatures on the way out and back. Heat meters reach homecloud only through ``POST /MBus``.
HEAT_ENERGY: Final = Obis("0600010000FF", "Heat energy", "Wh")
HEAT_VOLUME: Final = Obis("0600020000FF", "Heat volume", "m3")
HEAT_POWER: Final = Obis("0600080000FF", "Heat power", "W")
HEAT_FLOW: Final = Obis("0600090000FF", "Heat flow", "m3/h")
HEAT_FLOW_TEMPERATURE: Final = Obis("06000A0000FF", "Heat flow temperature", "°C")
HEAT_RETURN_TEMPERATURE: Final = Obis("06000B0000FF", "Heat return temperature", "°C")
# smart-me control codes (value 1 = on, 0 = off): as values they report the state.
SWITCH: Final = Obis("63000C0000FF", "Switch", "")
SWITCH_L1: Final = Obis("63000C0001FF", "Switch phase L1", "")
SWITCH_L2: Final = Obis("63000C0002FF", "Switch phase L2", "")
SWITCH_L3: Final = Obis("63000C0003FF", "Switch phase L3", "")
OUTPUT_1: Final = Obis("63000C0101FF", "Digital output 1", "")
OUTPUT_2: Final = Obis("63000C0102FF", "Digital output 2", "")


def power_directions(values: Mapping[str, float]) -> dict[str, float]:
    """Import and export power (each >= 0) of a reading that has a signed total, as posted
    readings are given them; nothing for a reading without one."""
    if POWER_TOTAL.hex not in values:
        return {}
    total = values[POWER_TOTAL.hex]
    return {POWER_IMPORT.hex: max(total, 0.0), POWER_EXPORT.hex: max(-total, 0.0)}


TABLE: Final[tuple[Obis, ...]] = (
    ENERGY_IMPORT,
    ENERGY_IMPORT_T1,
    ENERGY_IMPORT_T2,
    ENERGY_EXPORT,
    ENERGY_EXPORT_T1,
    ENERGY_EXPORT_T2,
    POWER_IMPORT,
    POWER_EXPORT,
    POWER_TOTAL,
    POWER_L1,
    POWER_L2,
    POWER_L3,
    VOLTAGE_L1,
    VOLTAGE_L2,
    VOLTAGE_L3,
    CURRENT_L1,
    CURRENT_L2,
    CURRENT_L3,
    POWER_FACTOR,
    POWER_FACTOR_L1,
    POWER_FACTOR_L2,
    POWER_FACTOR_L3,
    WATER_VOLUME,
    WATER_FLOW,
    GAS_VOLUME,
    GAS_FLOW,
    HEAT_ENERGY,
    HEAT_VOLUME,
    HEAT_POWER,
    HEAT_FLOW,
    HEAT_FLOW_TEMPERATURE,
    HEAT_RETURN_TEMPERATURE,
    SWITCH,
    SWITCH_L1,
    SWITCH_L2,
    SWITCH_L3,
    OUTPUT_1,
    OUTPUT_2,
)
BY_HEX: Final[dict[str, Obis]] = {code.hex: code for code in TABLE}
# The codes whose values only ever grow (a meter's counters).
COUNTERS: Final = frozenset(code.hex for code in TABLE if code.counts)
# The codes a meter can be switched with (POST /Actions with an OnOffAction).
SWITCHES: Final = frozenset(code.hex for code in TABLE if code.switches)
