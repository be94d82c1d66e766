"""The M-Bus telegram decoder behind ``POST /MBus`` (``homecloud.apis.smartme.mbus``), without a
database or HTTP:

* smart-me's documented example telegram, as hex in every spelling ``parse_hex`` takes;
* frames built here (long frame, long header, checksum) for an electricity, heat, cooling,
  gas and water meter: each unit's scale, the number formats (integers of every width,
  BCD and negative BCD, REAL32), and the OBIS-coded values ``obis_values`` makes of them;
* records homecloud steps over (dates, other units, variable-length data, fillers,
  manufacturer data) without losing the records after them; stored, maximum and subunit
  values, which are decoded but not stored;
* every malformed frame, header and record, refused with a ``TelegramError`` naming it;
* properties: any bytes or text are decoded or refused with ``TelegramError`` and nothing
  else, a decoded value is always finite, and identification, manufacturer, medium and
  values survive the round trip through a built frame.
"""

from __future__ import annotations

import math
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from homecloud.apis.smartme.enums import DeviceEnergyType, MeterSubType
from homecloud.apis.smartme.mbus import (
    MEDIA,
    Quantity,
    Record,
    Telegram,
    TelegramError,
    decode,
    meter_types,
    obis_values,
    parse_hex,
)
from tests.apis.smartme.mbus_frames import EXAMPLE, bcd, header, wrap

ELECTRICITY, GAS, HEAT, WATER, COOLING, OIL = 0x02, 0x03, 0x04, 0x07, 0x0A, 0x01
# A record whose value homecloud stores: a water meter's volume in m3 (DIF 04, VIF 16).
ONE_M3 = b"\x04\x16" + (1).to_bytes(4, "little")

# ------------------------------------------------------------------ building frames


def frame(records: bytes, medium: int = WATER, manufacturer: str = "ABC") -> bytes:
    """A meter's RSP_UD with a long header around ``records``."""
    return wrap(header(manufacturer=manufacturer, medium=medium) + records)


def telegram(records: bytes, medium: int = WATER) -> Telegram:
    return decode(frame(records, medium))


def integer(value: int, size: int) -> bytes:
    return value.to_bytes(size, "little", signed=True)


def real(value: float) -> bytes:
    return struct.pack("<f", value)


def summary(record: Record) -> tuple[Quantity, float, int, int, int, int, bool]:
    """A record's fields, its value rounded as ``obis_values`` rounds it."""
    return (
        record.quantity,
        round(record.value, 9),
        record.storage,
        record.tariff,
        record.subunit,
        record.function,
        record.backward,
    )


def only_value(records: bytes, medium: int = WATER) -> float:
    decoded = telegram(records, medium)
    assert len(decoded.records) == 1, decoded.records
    return decoded.records[0].value


def decoded_or_message(raw: bytes) -> Telegram | str:
    """The telegram in ``raw``, or the message of the TelegramError it is refused with."""
    try:
        return decode(raw)
    except TelegramError as error:
        return str(error)


def refused(frame_bytes: bytes, match: str) -> None:
    with pytest.raises(TelegramError, match=match):
        decode(frame_bytes)


def test_the_frame_builder_makes_the_documented_example() -> None:
    records = bytes.fromhex("0313153100DA023B13018B6004371802")
    built = wrap(header(12345678, "PAD", WATER, access=0x55) + records, address=0x02)
    assert built == parse_hex(EXAMPLE)


# ------------------------------------------------------------------ the documented example


def test_the_documented_example_names_its_meter() -> None:
    decoded = decode(parse_hex(EXAMPLE))
    assert decoded.identification == 12345678
    assert decoded.manufacturer == "PAD"
    assert decoded.version == 1
    assert decoded.medium == 7
    assert meter_types(decoded) == (DeviceEnergyType.MeterTypeWater, MeterSubType.MeterSubTypeWater)


def test_the_documented_example_has_its_three_records() -> None:
    records = decode(parse_hex(EXAMPLE)).records
    assert [summary(record) for record in records] == [
        (Quantity.VOLUME, 12.565, 0, 0, 0, 0, False),
        (Quantity.FLOW, 0.113, 5, 0, 0, 1, False),
        (Quantity.ENERGY, 218370.0, 0, 2, 1, 0, False),
    ]
    assert [record.current for record in records] == [True, False, False]


def test_the_documented_example_stores_only_its_current_volume() -> None:
    assert obis_values(decode(parse_hex(EXAMPLE))) == {"0800010000FF": 12.565}


@pytest.mark.parametrize(
    "text",
    [
        EXAMPLE.replace(" ", ""),
        EXAMPLE.lower(),
        EXAMPLE.replace(" ", ":"),
        EXAMPLE.replace(" ", "-"),
        "  " + EXAMPLE.replace(" ", "\n") + "\t",
    ],
)
def test_the_example_may_be_written_without_spaces_in_lower_case_or_with_colons(
    text: str,
) -> None:
    assert parse_hex(text) == parse_hex(EXAMPLE)
    assert parse_hex(text)[:4] == b"\x68\x1f\x1f\x68"
    assert len(parse_hex(text)) == 0x1F + 6


# ------------------------------------------------------------------ units and scales


@pytest.mark.parametrize(
    ("vif", "raw", "quantity", "expected"),
    [
        (b"\x00", 7, Quantity.ENERGY, 0.007),  # mWh
        (b"\x03", 7, Quantity.ENERGY, 7.0),  # Wh
        (b"\x06", 7, Quantity.ENERGY, 7000.0),  # kWh
        (b"\x07", 7, Quantity.ENERGY, 70000.0),  # 10 kWh
        (b"\x0b", 36, Quantity.ENERGY, 10.0),  # kJ: 36 kJ = 10 Wh
        (b"\x0e", 1, Quantity.ENERGY, 1e6 / 3600),  # MJ
        (b"\xfb\x00", 12, Quantity.ENERGY, 1.2e6),  # 0.1 MWh
        (b"\xfb\x01", 12, Quantity.ENERGY, 1.2e7),  # MWh
        (b"\x10", 5, Quantity.VOLUME, 5e-6),  # cm3
        (b"\x13", 1234, Quantity.VOLUME, 1.234),  # litres
        (b"\x16", 3, Quantity.VOLUME, 3.0),  # m3
        (b"\x2b", 1500, Quantity.POWER, 1500.0),  # W
        (b"\x2e", 15, Quantity.POWER, 15000.0),  # kW
        (b"\x33", 36, Quantity.POWER, 10.0),  # kJ/h
        (b"\x3b", 420, Quantity.FLOW, 0.42),  # l/h
        (b"\x3e", 2, Quantity.FLOW, 2.0),  # m3/h
        (b"\x43", 5, Quantity.FLOW, 0.03),  # 10^-4 m3/min
        (b"\x4b", 5, Quantity.FLOW, 0.018),  # 10^-6 m3/s
        (b"\x58", 65300, Quantity.FLOW_TEMPERATURE, 65.3),  # m°C
        (b"\x5a", 653, Quantity.FLOW_TEMPERATURE, 65.3),  # 0.1 °C
        (b"\x5b", 65, Quantity.FLOW_TEMPERATURE, 65.0),  # °C
        (b"\x5d", 4210, Quantity.RETURN_TEMPERATURE, 42.1),  # 0.01 °C
        (b"\x5e", 421, Quantity.RETURN_TEMPERATURE, 42.1),
        (b"\xfd\x48", 2301, Quantity.VOLTAGE, 230.1),  # 0.1 V
        (b"\xfd\x4c", 4, Quantity.VOLTAGE, 4000.0),  # kV
        (b"\xfd\x59", 5250, Quantity.CURRENT, 5.25),  # mA
        (b"\xfd\x5c", 3, Quantity.CURRENT, 3.0),  # A
    ],
)
def test_each_unit_is_scaled_to_homecloud_s_unit(
    vif: bytes, raw: int, quantity: Quantity, expected: float
) -> None:
    (record,) = telegram(b"\x04" + vif + integer(raw, 4)).records
    assert record.quantity is quantity
    assert record.value == pytest.approx(expected, rel=1e-12)


# ------------------------------------------------------------------ meters of each medium


def electricity_records(power: int) -> bytes:
    return b"".join(
        [
            b"\x04\x03" + integer(123456, 4),  # energy import, Wh
            b"\x84\x10\x03" + integer(100000, 4),  # energy import, tariff 1 (DIFE 10)
            b"\x84\x20\x06" + integer(23, 4),  # energy import, tariff 2 (DIFE 20), kWh
            b"\x04\x83\x3c" + integer(5000, 4),  # energy export (VIFE 3C: negative only)
            b"\x84\x10\x83\x3c" + integer(4000, 4),  # energy export, tariff 1
            b"\x02\x2b" + integer(power, 2),  # power, W, signed
            b"\x02\xfd\x48" + integer(2301, 2),  # voltage, 0.1 V
            b"\x02\xfd\x59" + integer(5250, 2),  # current, mA
        ]
    )


def test_an_electricity_meter_s_records_are_read() -> None:
    records = telegram(electricity_records(-1500), ELECTRICITY).records
    assert [summary(record) for record in records] == [
        (Quantity.ENERGY, 123456.0, 0, 0, 0, 0, False),
        (Quantity.ENERGY, 100000.0, 0, 1, 0, 0, False),
        (Quantity.ENERGY, 23000.0, 0, 2, 0, 0, False),
        (Quantity.ENERGY, 5000.0, 0, 0, 0, 0, True),
        (Quantity.ENERGY, 4000.0, 0, 1, 0, 0, True),
        (Quantity.POWER, -1500.0, 0, 0, 0, 0, False),
        (Quantity.VOLTAGE, 230.1, 0, 0, 0, 0, False),
        (Quantity.CURRENT, 5.25, 0, 0, 0, 0, False),
    ]


@pytest.mark.parametrize(
    ("power", "imported", "exported"), [(-1500, 0.0, 1500.0), (1500, 1500.0, 0.0), (0, 0.0, 0.0)]
)
def test_an_electricity_meter_s_values_are_its_obis_codes(
    power: int, imported: float, exported: float
) -> None:
    decoded = telegram(electricity_records(power), ELECTRICITY)
    assert meter_types(decoded) == (
        DeviceEnergyType.MeterTypeElectricity,
        MeterSubType.MeterSubTypeElectricity,
    )
    assert obis_values(decoded) == {
        "0100010800FF": 123456.0,
        "0100010801FF": 100000.0,
        "0100010802FF": 23000.0,
        "0100020800FF": 5000.0,
        "0100020801FF": 4000.0,
        "0100100700FF": float(power),
        "0100010700FF": imported,
        "0100020700FF": exported,
        "0100200700FF": 230.1,
        "01001F0700FF": 5.25,
    }


def test_an_electricity_meter_without_power_has_no_import_or_export_power() -> None:
    values = obis_values(telegram(b"\x04\x03" + integer(10, 4), ELECTRICITY))
    assert values == {"0100010800FF": 10.0}


def test_an_electricity_meter_s_third_tariff_is_not_stored() -> None:
    # DIFE 30: tariff 3, which has no OBIS code here.
    records = b"\x84\x30\x03" + integer(77, 4) + b"\x04\x03" + integer(10, 4)
    decoded = telegram(records, ELECTRICITY)
    assert decoded.records[0].tariff == 3
    assert obis_values(decoded) == {"0100010800FF": 10.0}


def heat_records() -> bytes:
    return b"".join(
        [
            b"\x04\x0e" + integer(1234, 4),  # energy, MJ
            b"\x04\x13" + integer(56789, 4),  # volume, litres
            b"\x02\x2d" + integer(150, 2),  # power, 100 W
            b"\x02\x3b" + integer(420, 2),  # flow, l/h
            b"\x02\x5a" + integer(653, 2),  # flow temperature, 0.1 °C
            b"\x02\x5e" + integer(421, 2),  # return temperature, 0.1 °C
        ]
    )


HEAT_VALUES = {
    "0600010000FF": 1234e6 / 3600,
    "0600020000FF": 56.789,
    "0600080000FF": 15000.0,
    "0600090000FF": 0.42,
    "06000A0000FF": 65.3,
    "06000B0000FF": 42.1,
}


def test_a_heat_meter_s_values_are_its_obis_codes() -> None:
    decoded = telegram(heat_records(), HEAT)
    assert meter_types(decoded) == (DeviceEnergyType.MeterTypeHeat, MeterSubType.MeterSubTypeHeat)
    values = obis_values(decoded)
    assert values == pytest.approx(HEAT_VALUES, rel=1e-12)
    assert values["0600010000FF"] == pytest.approx(342777.777777778)
    # A heat meter's power is not an electricity meter's import or export.
    assert "0100010700FF" not in values
    assert "0100020700FF" not in values


def test_a_cooling_meter_is_a_heat_meter_of_sub_type_cold() -> None:
    decoded = telegram(heat_records(), COOLING)
    assert meter_types(decoded) == (DeviceEnergyType.MeterTypeHeat, MeterSubType.MeterSubTypeCold)
    assert obis_values(decoded) == pytest.approx(HEAT_VALUES, rel=1e-12)


def test_a_heat_meter_s_tariff_and_backward_records_are_not_stored() -> None:
    records = b"".join(
        [
            b"\x84\x10\x06" + integer(5, 4),  # energy, tariff 1, kWh
            b"\x04\x93\x3c" + integer(9, 4),  # volume, backward
            b"\x04\x06" + integer(7, 4),  # energy, kWh
        ]
    )
    assert obis_values(telegram(records, HEAT)) == {"0600010000FF": 7000.0}


def test_a_gas_meter_s_volume_and_flow_are_its_obis_codes() -> None:
    records = b"".join(
        [
            b"\x04\x13" + integer(1234567, 4),  # volume, litres
            b"\x04\x06" + integer(99, 4),  # energy: not a gas meter's value
            b"\x02\x3b" + integer(1500, 2),  # flow, l/h
        ]
    )
    decoded = telegram(records, GAS)
    assert meter_types(decoded) == (DeviceEnergyType.MeterTypeGas, MeterSubType.MeterSubTypeGas)
    assert obis_values(decoded) == {"0700030000FF": 1234.567, "07002B0000FF": 1.5}


def test_a_water_meter_s_volume_and_flow_are_its_obis_codes() -> None:
    records = b"\x04\x13" + integer(1234, 4) + b"\x02\x3b" + integer(250, 2)
    assert obis_values(telegram(records, WATER)) == {"0800010000FF": 1.234, "0800020000FF": 0.25}


@pytest.mark.parametrize(
    ("medium", "types"),
    [
        (0x02, (DeviceEnergyType.MeterTypeElectricity, MeterSubType.MeterSubTypeElectricity)),
        (0x03, (DeviceEnergyType.MeterTypeGas, MeterSubType.MeterSubTypeGas)),
        (0x04, (DeviceEnergyType.MeterTypeHeat, MeterSubType.MeterSubTypeHeat)),
        (0x06, (DeviceEnergyType.MeterTypeWater, MeterSubType.MeterSubTypeWater)),
        (0x07, (DeviceEnergyType.MeterTypeWater, MeterSubType.MeterSubTypeWater)),
        (0x0A, (DeviceEnergyType.MeterTypeHeat, MeterSubType.MeterSubTypeCold)),
        (0x0B, (DeviceEnergyType.MeterTypeHeat, MeterSubType.MeterSubTypeCold)),
        (0x0C, (DeviceEnergyType.MeterTypeHeat, MeterSubType.MeterSubTypeHeat)),
        (0x0D, (DeviceEnergyType.MeterTypeHeat, MeterSubType.MeterSubTypeHeat)),
        (0x15, (DeviceEnergyType.MeterTypeWater, MeterSubType.MeterSubTypeWater)),
        (0x16, (DeviceEnergyType.MeterTypeWater, MeterSubType.MeterSubTypeWater)),
    ],
)
def test_each_supported_medium_has_its_smart_me_types(
    medium: int, types: tuple[DeviceEnergyType, MeterSubType]
) -> None:
    assert meter_types(telegram(ONE_M3, medium)) == types


@pytest.mark.parametrize("medium", [0x00, OIL, 0x05, 0x08, 0x0E, 0x1A, 0xFF])
def test_a_medium_homecloud_does_not_store_is_refused(medium: int) -> None:
    decoded = telegram(ONE_M3, medium)  # the telegram itself is readable
    assert decoded.medium == medium
    with pytest.raises(TelegramError, match="not supported"):
        meter_types(decoded)
    with pytest.raises(TelegramError, match="not supported"):
        obis_values(decoded)


# ------------------------------------------------------------------ number formats


@pytest.mark.parametrize(
    ("dif", "value", "expected"),
    [
        (0x01, b"\x7f", 127),
        (0x01, b"\xff", -1),
        (0x02, integer(-32768, 2), -32768),
        (0x03, integer(8388607, 3), 8388607),
        (0x03, integer(-1234567, 3), -1234567),
        (0x04, integer(-(2**31), 4), -(2**31)),
        (0x06, integer(2**47 - 1, 6), 2**47 - 1),
        (0x06, integer(-(2**40) - 5, 6), -(2**40) - 5),
        (0x07, integer(2**62 + 5, 8), 2**62 + 5),
        (0x07, integer(-(2**63), 8), -(2**63)),
        (0x07, integer(-3, 8), -3),
        (0x09, b"\x42", 42),
        (0x09, b"\xf5", -5),
        (0x0A, b"\x34\x12", 1234),
        (0x0A, b"\x34\xf2", -234),
        (0x0B, b"\x56\x34\x12", 123456),
        (0x0C, b"\x78\x56\x34\x12", 12345678),
        (0x0C, b"\x78\x56\x34\xf2", -2345678),
        (0x0C, b"\x00\x00\x00\x00", 0),
        (0x0E, b"\x12\x90\x78\x56\x34\x12", 123456789012),
        (0x0E, b"\x12\x90\x78\x56\x34\xf2", -23456789012),
    ],
)
def test_integers_and_bcd_numbers_of_every_width_are_read(
    dif: int, value: bytes, expected: int
) -> None:
    # VIF 16: m3, a factor of one.
    assert only_value(bytes([dif, 0x16]) + value) == pytest.approx(float(expected), rel=1e-15)


@pytest.mark.parametrize("number", [12.5, -0.25, 0.0, 1.5e30])
def test_a_real32_is_read_little_endian(number: float) -> None:
    assert only_value(b"\x05\x16" + real(number)) == pytest.approx(number, rel=1e-7)


def test_a_real32_is_scaled_like_any_value() -> None:
    assert only_value(b"\x05\x13" + real(2.5)) == pytest.approx(0.0025)  # litres


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf])
def test_a_real32_that_is_not_a_number_is_skipped(number: float) -> None:
    decoded = telegram(b"\x05\x16" + real(number) + b"\x05\x16" + real(3.5))
    assert [record.value for record in decoded.records] == [3.5]
    assert obis_values(decoded) == {"0800010000FF": 3.5}


# ------------------------------------------------------------------ records stepped over


@pytest.mark.parametrize(
    "skipped",
    [
        b"\x04\x6d\x2b\x0a\x9d\x2c",  # date and time (type F)
        b"\x02\x6c\x9d\x2c",  # date (type G)
        b"\x02\xfd\x17\x00\x00",  # FD extension homecloud does not store: error flags
        b"\x0c\xfd\x0c\x01\x00\x00\x00",  # FD 0C: model version, BCD
        b"\x01\x7f\x05",  # manufacturer-specific VIF
        b"\x02\xff\x21\x05\x00",  # manufacturer-specific VIF with a VIFE
        b"\x02\x7c\x03RAB\x05\x00",  # plain-text unit
        b"\x0d\xfd\x11\x04DCBA",  # variable length: text (customer)
        b"\x0d\x78\x00",  # variable length: empty text
        b"\x0d\x16\xc2\x34\x12",  # variable length: BCD, two bytes
        b"\x0d\x16\xd3\x56\x34\x12",  # variable length: negative BCD, three bytes
        b"\x0d\x16\xc9" + bcd(123456789, 9),  # variable length: BCD, nine bytes
        b"\x0d\x16\xd8" + bcd(12345678, 8),  # variable length: negative BCD, eight bytes
        b"\x0d\x16\xe3\x01\x02\x03",  # variable length: binary, three bytes
        b"\x0d\x16\xf0" + bytes(16),  # variable length: binary, 4 * (F0 - EC) bytes
        b"\x0d\x16\xf4" + bytes(32),  # variable length: binary, 4 * (F4 - EC) bytes
        b"\x2f",  # idle filler
        b"\x2f\x2f\x2f",
        b"\x00\x16",  # no data
        b"\x08\x16",  # selection for readout: no data
        b"\x04\x83\x7d" + integer(10, 4),  # an unknown VIFE (a correction factor)
        b"\x04\x83\xbc\x7d" + integer(10, 4),  # VIFE 3C followed by another VIFE
        b"\x04\x20" + integer(10, 4),  # on time
        b"\x04\x18" + integer(10, 4),  # mass
        b"\x02\x65" + integer(10, 2),  # external temperature
    ],
)
def test_a_record_homecloud_does_not_store_is_stepped_over(skipped: bytes) -> None:
    decoded = telegram(skipped + ONE_M3 + skipped + b"\x04\x3e" + integer(2, 4))
    assert [summary(record) for record in decoded.records] == [
        (Quantity.VOLUME, 1.0, 0, 0, 0, 0, False),
        (Quantity.FLOW, 2.0, 0, 0, 0, 0, False),
    ]


def test_many_skipped_records_in_a_row_are_all_stepped_over() -> None:
    records = b"".join(
        [
            b"\x2f",
            b"\x04\x6d\x2b\x0a\x9d\x2c",
            b"\x02\xfd\x17\x00\x00",
            b"\x01\x7f\x05",
            b"\x0d\xfd\x11\x04DCBA",
            b"\x04\x83\x7d" + integer(10, 4),
            b"\x2f",
            b"\x04\x13" + integer(4321, 4),
        ]
    )
    assert obis_values(telegram(records)) == {"0800010000FF": 4.321}


@pytest.mark.parametrize("marker", [b"\x0f", b"\x1f"])
def test_manufacturer_specific_data_ends_the_records(marker: bytes) -> None:
    # What follows 0F (or 1F, more records in the next telegram) is the manufacturer's own,
    # even bytes that would be a reserved DIF or a record running past the end.
    for rest in (b"", b"\x3f\x00", b"\x04\x13\x01", ONE_M3):
        decoded = telegram(b"\x04\x13" + integer(500, 4) + marker + rest)
        assert [summary(record) for record in decoded.records] == [
            (Quantity.VOLUME, 0.5, 0, 0, 0, 0, False)
        ]


def test_a_telegram_without_records_has_no_values() -> None:
    decoded = telegram(b"")
    assert decoded.records == ()
    assert obis_values(decoded) == {}


def test_the_longest_frame_is_read() -> None:
    # L = 255: C, A, CI, the header and 240 bytes of records.
    records = b"\x2f" * (240 - len(ONE_M3)) + ONE_M3
    built = frame(records)
    assert len(built) == 261
    assert obis_values(decode(built)) == {"0800010000FF": 1.0}


@pytest.mark.parametrize("c_field", [0x08, 0x18, 0x28, 0x38])
def test_an_rsp_ud_is_read_whatever_its_acd_and_dfc_bits(c_field: int) -> None:
    decoded = decode(wrap(header() + ONE_M3, c_field=c_field))
    assert decoded.records[0].value == 1.0


# ------------------------------------------------------------------ stored and other values


def test_stored_maximum_and_subunit_values_are_decoded_but_not_stored() -> None:
    records = b"".join(
        [
            b"\x44\x13" + integer(1000, 4),  # storage 1
            b"\xc4\x01\x13" + integer(1100, 4),  # storage 1 | 1 << 1 = 3
            b"\x14\x13" + integer(2000, 4),  # maximum
            b"\x24\x13" + integer(2100, 4),  # minimum
            b"\x34\x13" + integer(2200, 4),  # during an error
            b"\x84\x40\x13" + integer(2500, 4),  # subunit 1
            b"\x04\x13" + integer(3000, 4),  # the current value
            b"\x04\x13" + integer(4000, 4),  # a second current value: the first one counts
        ]
    )
    decoded = telegram(records)
    assert [summary(record) for record in decoded.records] == [
        (Quantity.VOLUME, 1.0, 1, 0, 0, 0, False),
        (Quantity.VOLUME, 1.1, 3, 0, 0, 0, False),
        (Quantity.VOLUME, 2.0, 0, 0, 0, 1, False),
        (Quantity.VOLUME, 2.1, 0, 0, 0, 2, False),
        (Quantity.VOLUME, 2.2, 0, 0, 0, 3, False),
        (Quantity.VOLUME, 2.5, 0, 0, 1, 0, False),
        (Quantity.VOLUME, 3.0, 0, 0, 0, 0, False),
        (Quantity.VOLUME, 4.0, 0, 0, 0, 0, False),
    ]
    assert [record.current for record in decoded.records] == [False] * 6 + [True, True]
    assert obis_values(decoded) == {"0800010000FF": 3.0}


def test_only_stored_values_give_no_reading() -> None:
    records = b"\x44\x13" + integer(1000, 4) + b"\x14\x3b" + integer(20, 4)
    decoded = telegram(records)
    assert len(decoded.records) == 2
    assert obis_values(decoded) == {}


def test_storage_tariff_and_subunit_bits_add_up_over_the_difes() -> None:
    # DIF C4: storage bit 0. DIFE F5: storage 5, tariff 3, subunit 1, another DIFE.
    # DIFE 5A: storage A, tariff 1, subunit 1, the last one.
    (record,) = telegram(b"\xc4\xf5\x5a\x13" + integer(1, 4)).records
    assert record.storage == 1 | 5 << 1 | 0xA << 5
    assert record.tariff == 3 | 1 << 2
    assert record.subunit == 1 | 1 << 1


def test_ten_difes_are_read() -> None:
    (record,) = telegram(b"\x84" + b"\x80" * 9 + b"\x01\x16" + integer(1, 4)).records
    assert record.storage == 1 << (1 + 4 * 9)
    assert record.value == 1.0


def test_ten_vifes_are_read() -> None:
    # VIF 83 and ten VIFEs 3C (the last without the extension bit).
    decoded = telegram(b"\x04\x83" + b"\xbc" * 9 + b"\x3c" + integer(5, 4), ELECTRICITY)
    assert obis_values(decoded) == {"0100020800FF": 5.0}


# ------------------------------------------------------------------ what is refused


@pytest.mark.parametrize("text", ["zz", "68 1G", "0x68", "68 1F 1F 68 08 1", "", "   ", "6", "é8"])
def test_text_that_is_not_hex_bytes_is_refused(text: str) -> None:
    with pytest.raises(TelegramError, match="hexadecimal"):
        parse_hex(text)


@pytest.mark.parametrize("text", ["00" * 262, "00 " * 262, "68 " * 400])
def test_text_of_more_than_261_bytes_is_refused(text: str) -> None:
    with pytest.raises(TelegramError, match="at most 261"):
        parse_hex(text)


def test_text_of_261_bytes_is_taken() -> None:
    assert parse_hex("00 " * 261) == bytes(261)


@pytest.mark.parametrize("raw", [b"", b"\x68", b"\x68\x03\x03\x68\x08\x01\x72\x7b"])
def test_too_few_bytes_are_not_a_long_frame(raw: bytes) -> None:
    refused(raw, "not an M-Bus long frame")


def test_a_wrong_start_byte_is_refused() -> None:
    good = frame(ONE_M3)
    refused(b"\x10" + good[1:], "not an M-Bus long frame")
    refused(good[:3] + b"\x10" + good[4:], "not an M-Bus long frame")


def test_l_fields_that_differ_are_refused() -> None:
    good = frame(ONE_M3)
    refused(good[:2] + bytes([good[2] + 1]) + good[3:], "not an M-Bus long frame")


@pytest.mark.parametrize("change", ["longer", "shorter"])
def test_a_frame_whose_length_field_does_not_fit_is_refused(change: str) -> None:
    good = frame(ONE_M3)
    bad = good[:-2] + b"\x00" + good[-2:] if change == "longer" else good[:-3] + good[-2:]
    refused(bad, "length field")


def test_a_wrong_stop_byte_is_refused() -> None:
    refused(frame(ONE_M3)[:-1] + b"\x17", "stop byte")


def test_a_bad_checksum_is_refused() -> None:
    good = frame(ONE_M3)
    refused(good[:-2] + bytes([(good[-2] + 1) & 0xFF]) + good[-1:], "checksum")
    # A changed byte of the user data is found by the checksum it no longer fits.
    refused(good[:-4] + bytes([good[-4] ^ 0x01]) + good[-3:], "checksum")


@pytest.mark.parametrize("c_field", [0x53, 0x73, 0x48, 0x5B, 0x00])
def test_a_c_field_that_is_not_rsp_ud_is_refused(c_field: int) -> None:
    refused(wrap(header() + ONE_M3, c_field=c_field), "RSP_UD")


def test_a_short_header_telegram_is_refused() -> None:
    short_header = bytes([0x2A, 0x00, 0x00, 0x00])  # access number, status, signature
    refused(wrap(short_header + ONE_M3, ci=0x7A), "short-header")


def test_a_most_significant_byte_first_telegram_is_refused() -> None:
    refused(wrap(header() + ONE_M3, ci=0x76), "CI 76")


@pytest.mark.parametrize("ci", [0x78, 0x51, 0x70, 0x73, 0x00])
def test_another_ci_field_is_refused(ci: int) -> None:
    refused(wrap(header() + ONE_M3, ci=ci), f"CI field {ci:02X}")


@pytest.mark.parametrize("size", [0, 1, 11])
def test_a_header_that_is_too_short_is_refused(size: int) -> None:
    refused(wrap(header()[:size]), "too short")


@pytest.mark.parametrize("signature", [b"\x10\x05", b"\x00\x01", b"\x01\x00"])
def test_an_encrypted_telegram_is_refused(signature: bytes) -> None:
    refused(wrap(header(signature=signature) + ONE_M3), "encrypted")


@pytest.mark.parametrize(
    "identification", [b"\x78\x56\x34\x1a", b"\xa0\x00\x00\x00", b"\xff\xff\xff\xff"]
)
def test_an_identification_that_is_not_bcd_is_refused(identification: bytes) -> None:
    refused(wrap(identification + header()[4:] + ONE_M3), "identification number")


def test_a_negative_identification_is_refused() -> None:
    # A top nibble of F makes a BCD value negative, which no identification number is.
    refused(wrap(b"\x78\x56\x34\xf2" + header()[4:] + ONE_M3), "identification number")


@pytest.mark.parametrize(
    "code",
    [
        0x0000,  # letters 0, 0, 0
        0x0020 | 0x0001,  # first letter 0
        (27 << 10) | (1 << 5) | 1,  # "[AA"
        (1 << 10) | (27 << 5) | 1,  # "A[A"
        (1 << 10) | (1 << 5) | 31,  # "AA_"
        0x8000 | (1 << 10) | (1 << 5) | 1,  # "AAA" with the top bit set
    ],
)
def test_a_manufacturer_code_that_is_not_three_letters_is_refused(code: int) -> None:
    raw = header()
    bad = raw[:4] + code.to_bytes(2, "little") + raw[6:]
    refused(wrap(bad + ONE_M3), "not three letters")


@pytest.mark.parametrize("letters", ["AAA", "ZZZ", "PAD", "KAM", "ELS"])
def test_a_manufacturer_of_three_letters_is_read(letters: str) -> None:
    assert decode(frame(ONE_M3, manufacturer=letters)).manufacturer == letters


@pytest.mark.parametrize(
    ("records", "part"),
    [
        (b"\x04\x13\x01\x02\x03", "value"),  # one value byte missing
        (b"\x04\x13", "value"),
        (b"\x0e\x13" + bytes(5), "value"),
        (b"\x05\x16\x00\x00", "value"),
        (b"\x84", "DIFE"),
        (b"\x84\x80", "DIFE"),
        (b"\x04", "VIF"),
        (b"\x84\x10", "VIF"),
        (b"\x04\x83", "VIFE"),
        (b"\x04\xfd", "VIFE"),
        (b"\x04\xfd\xc8", "VIFE"),
        (b"\x0d\x13", "LVAR"),
        (b"\x0d\x13\x05ABC", "value"),
        (b"\x0d\x13\xf0" + bytes(15), "value"),
        (b"\x02\x7c", "plain-text unit length"),
        (b"\x02\x7c\x03RA", "plain-text unit"),
        (ONE_M3 + b"\x02\x13\x01", "value"),  # after a good record
    ],
)
def test_a_record_running_past_the_end_is_refused(records: bytes, part: str) -> None:
    refused(frame(records), f"{part} runs past the end")


@pytest.mark.parametrize("dif", [0x3F, 0x4F, 0x5F, 0x6F, 0x7F, 0x8F, 0xFF])
def test_a_reserved_dif_is_refused(dif: int) -> None:
    refused(frame(ONE_M3 + bytes([dif]) + ONE_M3), f"DIF {dif:02X} is reserved")


def test_more_than_ten_difes_are_refused() -> None:
    refused(frame(b"\x84" + b"\x80" * 10 + b"\x00\x16" + integer(1, 4)), "more than ten DIFEs")


def test_more_than_ten_vifes_are_refused() -> None:
    refused(frame(b"\x04\x83" + b"\xbc" * 10 + b"\x3c" + integer(1, 4)), "more than ten VIFEs")


@pytest.mark.parametrize(
    "records",
    [
        b"\x0c\x13\xff\xff\xff\xff",  # all F: the meter has no value
        b"\x0c\x13\x1a\x00\x00\x00",  # a digit A
        b"\x09\x16\xa1",
        b"\x0a\x16\x00\xe0",  # E in the top nibble (only F means negative)
        b"\x0c\x13\x0f\x00\x00\x00",  # F below the top nibble
        b"\x0b\x16\x00\xf0\x00",
    ],
)
def test_a_bcd_value_marked_missing_is_left_out_and_the_rest_is_read(records: bytes) -> None:
    decoded = telegram(records + ONE_M3)
    assert [summary(record) for record in decoded.records] == [
        (Quantity.VOLUME, 1.0, 0, 0, 0, 0, False)
    ]


def test_forward_energy_is_the_import_counter() -> None:
    # VIFE 3B: only positive contributions, the energy taken from the grid.
    decoded = telegram(b"\x04\x83\x3b" + integer(10, 4), medium=0x02)
    assert obis_values(decoded) == {"0100010800FF": 10.0}


@pytest.mark.parametrize(("lvar", "size"), [(0xF5, 48), (0xF6, 64)])
def test_the_long_binary_lvars_are_stepped_over(lvar: int, size: int) -> None:
    decoded = telegram(bytes([0x0D, 0x16, lvar]) + bytes(size) + ONE_M3)
    assert [record.value for record in decoded.records] == [1.0]


@pytest.mark.parametrize("lvar", [0xF7, 0xF8, 0xFF])
def test_a_reserved_lvar_is_refused(lvar: int) -> None:
    refused(frame(bytes([0x0D, 0x16, lvar]) + bytes(64)), f"LVAR {lvar:02X} is reserved")


# ------------------------------------------------------------------ properties

SUPPORTED_MEDIA = sorted(MEDIA)
# Bytes a record is made of, to give random records a fair chance of being read.
RECORD_BYTES = st.sampled_from(
    [
        *(0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E),
        *(0x0F, 0x1F, 0x2F, 0x3F, 0x44, 0x84, 0xC4, 0x10, 0x40, 0x80, 0x13, 0x16, 0x2B, 0x3B),
        *(0x5A, 0x5E, 0x6D, 0x7C, 0x7F, 0x83, 0x3C, 0xBC, 0xFB, 0xFD, 0x48, 0x59, 0xC2, 0xF0),
        *(0x99, 0xE0, 0xF5, 0xFF),
    ]
)
random_records = st.binary(max_size=240) | st.lists(RECORD_BYTES, max_size=240).map(bytes)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_are_a_telegram_or_a_telegram_error(raw: bytes) -> None:
    result = decoded_or_message(raw)
    assert isinstance(result, Telegram) or result


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=252).map(wrap))
def test_any_user_data_in_a_valid_frame_is_a_telegram_or_a_telegram_error(raw: bytes) -> None:
    result = decoded_or_message(raw)
    assert isinstance(result, Telegram) or result


@settings(max_examples=500, deadline=None)
@given(
    records=random_records,
    medium=st.integers(min_value=0, max_value=255),
)
def test_any_records_in_a_valid_frame_decode_to_finite_values_or_a_telegram_error(
    records: bytes, medium: int
) -> None:
    decoded = decoded_or_message(frame(records, medium))
    if isinstance(decoded, str):
        assert decoded
        return
    assert decoded.identification == 12345678
    assert decoded.medium == medium
    for record in decoded.records:
        assert isinstance(record.value, float)
        assert math.isfinite(record.value)
    if medium in MEDIA:
        assert all(math.isfinite(value) for value in obis_values(decoded).values())
    else:
        with pytest.raises(TelegramError, match="not supported"):
            obis_values(decoded)


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=600)
    | st.text(alphabet="0123456789abcdefABCDEF :-\n\t", max_size=600)
    | st.text(alphabet="0123456789ABCDEF", min_size=500, max_size=600)
)
def test_any_text_is_bytes_or_a_telegram_error(text: str) -> None:
    try:
        raw = parse_hex(text)
    except TelegramError:
        return
    assert 1 <= len(raw) <= 261
    digits = "".join(c for c in text if not c.isspace() and c not in ":-")
    assert raw == bytes.fromhex(digits)


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=1, max_size=261))
def test_bytes_written_as_hex_are_read_back(raw: bytes) -> None:
    assert parse_hex(raw.hex()) == raw
    assert parse_hex(raw.hex(" ").upper()) == raw
    assert parse_hex(raw.hex(":")) == raw


@settings(max_examples=300, deadline=None)
@given(
    identification=st.integers(min_value=0, max_value=99_999_999),
    manufacturer=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3),
    medium=st.sampled_from(SUPPORTED_MEDIA),
    version=st.integers(min_value=0, max_value=255),
    energy=st.integers(min_value=-(2**31), max_value=2**31 - 1),
    n=st.integers(min_value=0, max_value=7),
)
def test_a_built_frame_decodes_to_what_was_built(
    identification: int, manufacturer: str, medium: int, version: int, energy: int, n: int
) -> None:
    records = bytes([0x04, n]) + integer(energy, 4)
    built = wrap(header(identification, manufacturer, medium, version=version) + records)
    decoded = decode(built)
    assert decoded.identification == identification
    assert decoded.manufacturer == manufacturer
    assert decoded.medium == medium
    assert decoded.version == version
    (record,) = decoded.records
    assert record.quantity is Quantity.ENERGY
    assert record.current
    assert record.value == pytest.approx(energy * 10.0 ** (n - 3), rel=1e-12)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=99_999_999))
def test_a_bcd_volume_in_litres_decodes_to_cubic_metres(litres: int) -> None:
    decoded = telegram(b"\x0c\x13" + bcd(litres, 4))
    (record,) = decoded.records
    assert record.value == pytest.approx(litres / 1000, rel=1e-12, abs=1e-12)
    assert obis_values(decoded) == pytest.approx(
        {"0800010000FF": litres / 1000}, rel=1e-12, abs=1e-9
    )


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=9_999_999))
def test_a_negative_bcd_value_decodes_to_its_negative(number: int) -> None:
    # The top nibble F makes it negative; seven digits are left for the number.
    raw = bytearray(bcd(number, 4))
    raw[-1] |= 0xF0
    assert only_value(b"\x0c\x16" + bytes(raw)) == -number
