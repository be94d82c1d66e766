"""M-Bus telegrams, as ``POST /MBus`` takes them: an RSP_UD long frame (EN 13757-2) whose user
data is variable data with a long header (EN 13757-3, CI field 0x72).

Only what homecloud stores is read: the meter's secondary address (identification number,
manufacturer, version, medium) and, for each data record, its value in homecloud's units and
where it belongs (storage number, tariff, subunit, function). Every byte is checked on the
way: a frame that is not well formed, or that holds what cannot be read (an encrypted
payload, an identification that is not a BCD number, a record running past the end), is
refused with a :class:`TelegramError` naming the problem, and nothing of it is stored. A
record whose value the meter marks as missing (a BCD value with digits A-F, a NaN) is left
out, and the rest of the telegram is read.

:func:`obis_values` turns a telegram's current values into the OBIS-coded reading every other
path stores, by the meter's medium.
"""

from __future__ import annotations

import math
import re
import struct
from dataclasses import dataclass
from enum import Enum
from typing import Final

from homecloud.apis.smartme import obis
from homecloud.apis.smartme.enums import DeviceEnergyType, MeterSubType

START: Final = 0x68
STOP: Final = 0x16
CI_LONG_HEADER: Final = 0x72  # variable data, long header, least significant byte first
CI_LONG_HEADER_MSB: Final = 0x76
CI_SHORT_HEADER: Final = 0x7A
LONG_HEADER_BYTES: Final = 12
# 0x68 L L 0x68, L bytes (C, A, CI, user data), the checksum and 0x16; L is one byte.
MAX_FRAME_BYTES: Final = 4 + 255 + 2
# The longest text a telegram is taken as: its bytes, each with a separator.
MAX_TELEGRAM_TEXT: Final = 4 * MAX_FRAME_BYTES


class TelegramError(ValueError):
    """A telegram that cannot be read; the message says why, for the client."""


class Quantity(Enum):
    """What a data record measures, in homecloud's unit."""

    ENERGY = "Wh"
    VOLUME = "m3"
    POWER = "W"
    FLOW = "m3/h"
    FLOW_TEMPERATURE = "°C"
    RETURN_TEMPERATURE = "°C (return)"
    VOLTAGE = "V"
    CURRENT = "A"


@dataclass(frozen=True, slots=True)
class Record:
    quantity: Quantity
    value: float
    storage: int = 0
    tariff: int = 0
    subunit: int = 0
    # 0 instantaneous, 1 maximum, 2 minimum, 3 value during an error state.
    function: int = 0
    # VIFE 3C: the accumulation of negative contributions only (an exported energy).
    backward: bool = False

    @property
    def current(self) -> bool:
        """The meter's present value (not a stored, maximum or minimum one, nor a subunit's)."""
        return self.storage == 0 and self.function == 0 and self.subunit == 0


@dataclass(frozen=True, slots=True)
class Telegram:
    identification: int  # the eight BCD digits of the secondary address
    manufacturer: str  # three letters (EN 13757-3 "FLAG" code)
    version: int
    medium: int
    records: tuple[Record, ...]


def parse_hex(text: str) -> bytes:
    """The bytes of a telegram written in hexadecimal, with or without spaces between them
    (``68 1F 1F 68 08 …`` as smart-me documents it)."""
    compact = re.sub(r"[\s:-]", "", text) if len(text) <= MAX_TELEGRAM_TEXT else text
    if len(compact) > 2 * MAX_FRAME_BYTES:
        raise TelegramError(f"a telegram has at most {MAX_FRAME_BYTES} bytes")
    if not compact or len(compact) % 2 or re.fullmatch(r"[0-9A-Fa-f]+", compact) is None:
        raise TelegramError("the telegram must be hexadecimal bytes, e.g. '68 1F 1F 68 08 …'")
    return bytes.fromhex(compact)


def decode(frame: bytes) -> Telegram:
    """The telegram in ``frame``; :class:`TelegramError` when it is not a readable RSP_UD."""
    if len(frame) < 9 or frame[0] != START or frame[3] != START or frame[1] != frame[2]:
        raise TelegramError("the telegram is not an M-Bus long frame (68 L L 68 … 16)")
    length = frame[1]
    if len(frame) != length + 6:
        raise TelegramError(f"the frame's length field says {length + 6} bytes, not {len(frame)}")
    if frame[-1] != STOP:
        raise TelegramError("the frame does not end with the stop byte 16")
    if sum(frame[4 : 4 + length]) & 0xFF != frame[4 + length]:
        raise TelegramError("the frame's checksum does not match its bytes")
    if frame[4] & 0xCF != 0x08:
        raise TelegramError(f"the C field {frame[4]:02X} is not a meter's answer (RSP_UD)")
    ci = frame[6]
    if ci == CI_SHORT_HEADER:
        raise TelegramError("a short-header telegram (CI 7A) does not name its meter")
    if ci == CI_LONG_HEADER_MSB:
        raise TelegramError("telegrams with the most significant byte first (CI 76) are not read")
    if ci != CI_LONG_HEADER:
        raise TelegramError(f"the CI field {ci:02X} is not variable data with a long header (72)")
    data = frame[7 : 4 + length]
    if len(data) < LONG_HEADER_BYTES:
        raise TelegramError("the telegram is too short for its long header")
    header, body = data[:LONG_HEADER_BYTES], data[LONG_HEADER_BYTES:]
    if header[10:12] != b"\x00\x00":
        raise TelegramError("the telegram is encrypted (its signature field is not 0000)")
    identification = _bcd(header[0:4], "the identification number")
    if identification < 0:
        raise TelegramError("the identification number is not a BCD number")
    return Telegram(
        identification=identification,
        manufacturer=_manufacturer(int.from_bytes(header[4:6], "little")),
        version=header[6],
        medium=header[7],
        records=tuple(_records(body)),
    )


def _manufacturer(code: int) -> str:
    letters = [(code >> shift) & 0x1F for shift in (10, 5, 0)]
    if code > 0x7FFF or not all(1 <= letter <= 26 for letter in letters):
        raise TelegramError(f"the manufacturer code {code:04X} is not three letters")
    return "".join(chr(64 + letter) for letter in letters)


class _Reader:
    """The record bytes, read one field at a time; running past the end is a TelegramError."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    @property
    def done(self) -> bool:
        return self.at >= len(self.data)

    def take(self, count: int, what: str) -> bytes:
        if self.at + count > len(self.data):
            raise TelegramError(f"a data record's {what} runs past the end of the telegram")
        chunk = self.data[self.at : self.at + count]
        self.at += count
        return chunk

    def byte(self, what: str) -> int:
        return self.take(1, what)[0]


# VIFEs that only say which way a counter counts: 3B only forward (positive) contributions, 3C
# only backward (negative) ones, such as an electricity meter's exported energy.
FORWARD: Final = 0x3B
BACKWARD: Final = 0x3C
DIRECTIONS: Final = frozenset((FORWARD, BACKWARD))

# The data field of the DIF: how many bytes the value has and how it is coded.
_INTEGER_BYTES: Final = {1: 1, 2: 2, 3: 3, 4: 4, 6: 6, 7: 8}
_BCD_BYTES: Final = {9: 1, 10: 2, 11: 3, 12: 4, 14: 6}
_REAL = 5
_NO_DATA = (0, 8)  # no data; selection for readout
_VARIABLE = 13


def _records(data: bytes) -> list[Record]:
    reader = _Reader(data)
    records: list[Record] = []
    while not reader.done:
        dif = reader.byte("DIF")
        if dif in (0x0F, 0x1F):  # manufacturer-specific data to the end
            break
        if dif == 0x2F:  # idle filler
            continue
        if dif & 0x0F == 0x0F:
            raise TelegramError(f"the DIF {dif:02X} is reserved")
        storage, tariff, subunit = (dif >> 6) & 0x01, 0, 0
        extension, shift = dif & 0x80, 0
        while extension:
            if shift >= 10:
                raise TelegramError("a data record has more than ten DIFEs")
            dife = reader.byte("DIFE")
            storage |= (dife & 0x0F) << (1 + 4 * shift)
            tariff |= ((dife >> 4) & 0x03) << (2 * shift)
            subunit |= ((dife >> 6) & 0x01) << shift
            extension, shift = dife & 0x80, shift + 1
        quantity, scale, backward = _value_information(reader)
        raw = _value_bytes(reader, dif & 0x0F)
        if quantity is None:
            continue
        value = _number(raw, dif & 0x0F) * scale
        if not math.isfinite(value):
            continue  # a NaN or infinite REAL32, a BCD value marked missing: nothing to store
        records.append(
            Record(quantity, value, storage, tariff, subunit, (dif >> 4) & 0x03, backward)
        )
    return records


def _value_information(reader: _Reader) -> tuple[Quantity | None, float, bool]:
    """The VIF and its VIFEs: what the record measures and the factor to homecloud's unit;
    None for what homecloud does not store (dates, durations, manufacturer units, …)."""
    vif = reader.byte("VIF")
    if vif in (0xFB, 0xFD):
        first = reader.byte("VIFE")
        found = _extension_unit(vif, first & 0x7F)
        extensions = _vifes(reader, first)
    else:
        found = _primary_unit(vif & 0x7F)
        if vif & 0x7F == 0x7C:  # a unit in plain text: its length and ASCII, then any VIFEs
            reader.take(reader.byte("plain-text unit length"), "plain-text unit")
        extensions = _vifes(reader, vif)
    backward = BACKWARD in extensions
    if found is None or not set(extensions) <= DIRECTIONS:
        return None, 1.0, backward  # a modified meaning homecloud does not read
    return found[0], found[1], backward


def _vifes(reader: _Reader, previous: int) -> list[int]:
    codes: list[int] = []
    while previous & 0x80:
        if len(codes) >= 10:
            raise TelegramError("a data record has more than ten VIFEs")
        previous = reader.byte("VIFE")
        codes.append(previous & 0x7F)
    return codes


def _primary_unit(code: int) -> tuple[Quantity, float] | None:
    """EN 13757-3 table 10, the rows homecloud stores; ``n`` is the code's exponent bits."""
    n = code & 0x07
    if code <= 0x07:
        return Quantity.ENERGY, 10.0 ** (n - 3)  # Wh
    if code <= 0x0F:
        return Quantity.ENERGY, 10.0**n / 3600  # J
    if code <= 0x17:
        return Quantity.VOLUME, 10.0 ** (n - 6)  # m3
    if 0x28 <= code <= 0x2F:
        return Quantity.POWER, 10.0 ** (n - 3)  # W
    if 0x30 <= code <= 0x37:
        return Quantity.POWER, 10.0**n / 3600  # J/h
    if 0x38 <= code <= 0x3F:
        return Quantity.FLOW, 10.0 ** (n - 6)  # m3/h
    if 0x40 <= code <= 0x47:
        return Quantity.FLOW, 10.0 ** (n - 7) * 60  # m3/min
    if 0x48 <= code <= 0x4F:
        return Quantity.FLOW, 10.0 ** (n - 9) * 3600  # m3/s
    if 0x58 <= code <= 0x5B:
        return Quantity.FLOW_TEMPERATURE, 10.0 ** ((code & 0x03) - 3)
    if 0x5C <= code <= 0x5F:
        return Quantity.RETURN_TEMPERATURE, 10.0 ** ((code & 0x03) - 3)
    return None


def _extension_unit(table: int, code: int) -> tuple[Quantity, float] | None:
    """The rows of the extension tables (FB, FD) homecloud stores."""
    if table == 0xFB and code <= 0x01:
        return Quantity.ENERGY, 10.0 ** (code - 1) * 1e6  # MWh
    if table == 0xFD and 0x40 <= code <= 0x4F:
        return Quantity.VOLTAGE, 10.0 ** ((code & 0x0F) - 9)
    if table == 0xFD and 0x50 <= code <= 0x5F:
        return Quantity.CURRENT, 10.0 ** ((code & 0x0F) - 12)
    return None


def _value_bytes(reader: _Reader, field: int) -> bytes:
    if field in _NO_DATA:
        return b""
    if field in _INTEGER_BYTES:
        return reader.take(_INTEGER_BYTES[field], "value")
    if field in _BCD_BYTES:
        return reader.take(_BCD_BYTES[field], "value")
    if field == _REAL:
        return reader.take(4, "value")
    # Variable length (LVAR): text, BCD, binary or floating point of a length it gives.
    lvar = reader.byte("LVAR")
    if lvar <= 0xBF:
        size = lvar
    elif lvar <= 0xDF:
        size = lvar & 0x0F
    elif lvar <= 0xEF:
        size = lvar - 0xE0
    elif lvar <= 0xF4:
        size = 4 * (lvar - 0xEC)
    elif lvar <= 0xF6:
        size = 48 if lvar == 0xF5 else 64
    else:
        raise TelegramError(f"the LVAR {lvar:02X} is reserved")
    reader.take(size, "value")
    return b""


def _number(raw: bytes, field: int) -> float:
    if field in _NO_DATA or field == _VARIABLE:
        return math.nan  # nothing homecloud reads as a number
    if field == _REAL:
        value: float = struct.unpack("<f", raw)[0]
        return value
    if field in _BCD_BYTES:
        try:
            return float(_bcd(raw, "a data record's BCD value"))
        except TelegramError:
            # Digits A-F stand for an error or "no value" (FF FF FF FF, say): the record
            # has nothing to store, and the rest of the telegram still does.
            return math.nan
    return float(int.from_bytes(raw, "little", signed=True))


def _bcd(raw: bytes, what: str) -> int:
    """Binary-coded decimal, least significant byte first; a top nibble of F makes it
    negative (EN 13757-3). A digit that is not 0-9 is a TelegramError naming ``what``."""
    digits = [nibble for byte in raw for nibble in (byte & 0x0F, byte >> 4)]
    negative = digits[-1] == 0x0F
    if negative:
        digits[-1] = 0
    if any(digit > 9 for digit in digits):
        raise TelegramError(f"{what} has a BCD digit that is not 0-9")
    number = int("".join(str(digit) for digit in reversed(digits)))
    return -number if negative else number


# ------------------------------------------------------------------ into a smart-me reading

# EN 13757-3 medium codes homecloud takes, as smart-me's energy type and sub type.
_ELECTRICITY = (DeviceEnergyType.MeterTypeElectricity, MeterSubType.MeterSubTypeElectricity)
_GAS = (DeviceEnergyType.MeterTypeGas, MeterSubType.MeterSubTypeGas)
_HEAT = (DeviceEnergyType.MeterTypeHeat, MeterSubType.MeterSubTypeHeat)
_COOLING = (DeviceEnergyType.MeterTypeHeat, MeterSubType.MeterSubTypeCold)
_WATER = (DeviceEnergyType.MeterTypeWater, MeterSubType.MeterSubTypeWater)
MEDIA: Final[dict[int, tuple[DeviceEnergyType, MeterSubType]]] = {
    0x02: _ELECTRICITY,
    0x03: _GAS,
    0x04: _HEAT,  # heat, measured on the outlet
    0x0A: _COOLING,  # cooling, outlet
    0x0B: _COOLING,  # cooling, inlet
    0x0C: _HEAT,  # heat, inlet
    0x0D: _HEAT,  # heat and cooling
    0x06: _WATER,  # warm water
    0x07: _WATER,
    0x15: _WATER,  # hot water
    0x16: _WATER,  # cold water
}

# Each medium's OBIS code for each quantity homecloud stores of it.
_CODES: Final[dict[DeviceEnergyType, dict[Quantity, obis.Obis]]] = {
    DeviceEnergyType.MeterTypeElectricity: {
        Quantity.ENERGY: obis.ENERGY_IMPORT,
        Quantity.POWER: obis.POWER_TOTAL,
        Quantity.VOLTAGE: obis.VOLTAGE_L1,
        Quantity.CURRENT: obis.CURRENT_L1,
    },
    DeviceEnergyType.MeterTypeWater: {
        Quantity.VOLUME: obis.WATER_VOLUME,
        Quantity.FLOW: obis.WATER_FLOW,
    },
    DeviceEnergyType.MeterTypeGas: {
        Quantity.VOLUME: obis.GAS_VOLUME,
        Quantity.FLOW: obis.GAS_FLOW,
    },
    DeviceEnergyType.MeterTypeHeat: {
        Quantity.ENERGY: obis.HEAT_ENERGY,
        Quantity.VOLUME: obis.HEAT_VOLUME,
        Quantity.POWER: obis.HEAT_POWER,
        Quantity.FLOW: obis.HEAT_FLOW,
        Quantity.FLOW_TEMPERATURE: obis.HEAT_FLOW_TEMPERATURE,
        Quantity.RETURN_TEMPERATURE: obis.HEAT_RETURN_TEMPERATURE,
    },
}
# An electricity meter's energy by tariff (0: the total) and direction.
_ELECTRICITY_ENERGY: Final = {
    (0, False): obis.ENERGY_IMPORT,
    (1, False): obis.ENERGY_IMPORT_T1,
    (2, False): obis.ENERGY_IMPORT_T2,
    (0, True): obis.ENERGY_EXPORT,
    (1, True): obis.ENERGY_EXPORT_T1,
    (2, True): obis.ENERGY_EXPORT_T2,
}


def meter_types(telegram: Telegram) -> tuple[DeviceEnergyType, MeterSubType]:
    """The smart-me types of the telegram's meter; TelegramError for a medium homecloud
    does not store (an oil or steam meter, a heat cost allocator, …)."""
    found = MEDIA.get(telegram.medium)
    if found is None:
        raise TelegramError(f"meters of the M-Bus medium {telegram.medium:02X} are not supported")
    return found


def obis_values(telegram: Telegram) -> dict[str, float]:
    """The telegram's current values as an OBIS-coded reading in homecloud's units (Wh, W,
    m3, m3/h, °C, V, A); the first record of each code counts, stored, maximum, minimum and
    subunit values are left out."""
    energy_type, _ = meter_types(telegram)
    codes = _CODES[energy_type]
    values: dict[str, float] = {}
    for record in telegram.records:
        if not record.current:
            continue
        code: obis.Obis | None
        if (
            energy_type is DeviceEnergyType.MeterTypeElectricity
            and record.quantity is Quantity.ENERGY
        ):
            code = _ELECTRICITY_ENERGY.get((record.tariff, record.backward))
        elif record.tariff or record.backward:
            code = None
        else:
            code = codes.get(record.quantity)
        if code is not None and code.hex not in values:
            values[code.hex] = round(record.value, 9)
    return values | obis.power_directions(values)
