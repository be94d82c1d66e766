"""The webhook body: decoded with modules generated afresh from the published .proto files
by the official compiler, field by field, and smart-me's own worked sample byte for byte."""

from __future__ import annotations

import importlib
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest

from homecloud.apis.smartme.webhooks import payload
from homecloud.apis.smartme.webhooks.payload import DeviceReading

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT / "proto"))
from generate import PACKAGE, generate  # noqa: E402

# The smart-me wiki's sample payload (spec §6), as one hex string.
SAMPLE = bytes.fromhex(
    "0A5A"
    "0A12" "09E9FCD03B8E9F8341" "11B3D10C1622A22CA1"
    "120B" "08C0C9EAD3A98FE937" "1005"
    "1A11" "0A060100010800FF" "11333333331FAE3C41"
    "1A11" "0A060100020800FF" "110000000000000000"
    "1A11" "0A060100010700FF" "11713D0AD7A3303840"
)  # fmt: skip
SAMPLE_GUID = uuid.UUID("3bd0fce9-9f8e-4183-b3d1-0c1622a22ca1")
SAMPLE_TICKS = 15712284449788512


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """``RealtimeApi_pb2`` made now by protoc from proto/*.proto, imported from a temporary
    directory (not the committed module)."""
    target = tmp_path_factory.mktemp("generated")
    generate(target, package=None)
    sys.path.insert(0, str(target))
    try:
        yield importlib.import_module("RealtimeApi_pb2")
    finally:
        sys.path.remove(str(target))


def test_the_committed_modules_are_what_protoc_makes_of_the_proto_files(tmp_path: Path) -> None:
    written = generate(tmp_path, package=PACKAGE)
    committed = ROOT / "src" / Path(*PACKAGE.split("."))
    for path in written:
        assert path.read_text() == (committed / path.name).read_text(), path.name


def test_the_wiki_sample_decodes_field_by_field(generated: ModuleType) -> None:
    array = generated.DeviceDataArray.FromString(SAMPLE)
    (item,) = array.DeviceDataItems
    assert item.DeviceId.lo == 0x41839F8E3BD0FCE9
    assert item.DeviceId.hi == 0xA12CA222160CD1B3
    assert item.DateTime.value == SAMPLE_TICKS
    assert item.DateTime.scale == 5  # TICKS
    assert not item.DateTime.HasField("kind")
    assert [(v.Obis.hex().upper(), v.Value) for v in item.DeviceValues] == [
        ("0100010800FF", 1879583.2),
        ("0100020800FF", 0.0),
        ("0100010700FF", 24.19),
    ]


def test_homecloud_encodes_the_wiki_sample_byte_for_byte() -> None:
    reading = DeviceReading(
        SAMPLE_GUID,
        SAMPLE_TICKS,
        {"0100010800FF": 1879583.2, "0100020800FF": 0.0, "0100010700FF": 24.19},
    )
    assert payload.encode([reading]) == SAMPLE
    assert payload.decode(SAMPLE) == [reading]
    assert payload.datetime_of(SAMPLE_TICKS) == datetime(
        2019, 10, 16, 12, 20, 44, 978851, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("moment", "value", "scale"),
    [
        (datetime(1970, 1, 1, tzinfo=UTC), None, None),  # 0 and DAYS: both left out
        (datetime(2026, 12, 4, tzinfo=UTC), 20_791, None),  # whole days: DAYS, not written
        (datetime(2026, 12, 4, 21, tzinfo=UTC), 20_791 * 24 + 21, 1),
        (datetime(2026, 12, 4, 21, 5, tzinfo=UTC), (20_791 * 24 + 21) * 60 + 5, 2),
        (datetime(2026, 12, 4, 21, 5, 7, tzinfo=UTC), ((20_791 * 24 + 21) * 60 + 5) * 60 + 7, 3),
        (
            datetime(2026, 12, 4, 21, 5, 7, 250_000, tzinfo=UTC),
            (((20_791 * 24 + 21) * 60 + 5) * 60 + 7) * 1000 + 250,
            4,
        ),
        (
            datetime(2026, 12, 4, 21, 5, 7, 250_001, tzinfo=UTC),
            ((((20_791 * 24 + 21) * 60 + 5) * 60 + 7) * 1_000_000 + 250_001) * 10,
            5,
        ),
        (datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC), -1, 3),  # sint64: before the epoch
    ],
)
def test_datetimes_take_the_coarsest_exact_scale_as_protobuf_net_writes_them(
    generated: ModuleType, moment: datetime, value: int | None, scale: int | None
) -> None:
    micros = round((moment - payload.EPOCH).total_seconds() * 1_000_000)
    body = payload.encode([DeviceReading.at_micros(SAMPLE_GUID, micros, {})])
    item = generated.DeviceDataArray.FromString(body).DeviceDataItems[0]
    assert item.DateTime.HasField("value") is (value is not None)
    assert item.DateTime.HasField("scale") is (scale is not None)
    assert not item.DateTime.HasField("kind")
    if value is not None:
        assert item.DateTime.value == value
    if scale is not None:
        assert item.DateTime.scale == scale
    assert payload.datetime_of(payload.ticks_of(item.DateTime)) == moment


def test_a_batch_carries_every_reading_in_order_with_guid_time_and_values(
    generated: ModuleType,
) -> None:
    readings = [
        DeviceReading.at_micros(uuid.uuid4(), 1_780_000_000_000_000 + i * 1_000_123, {
            "0100010800FF": 1000.5 + i,
            "63000C0000FF": float(i % 2),
        })
        for i in range(5)
    ]  # fmt: skip
    array = generated.DeviceDataArray.FromString(payload.encode(readings))
    assert len(array.DeviceDataItems) == 5
    for reading, item in zip(readings, array.DeviceDataItems, strict=True):
        raw = item.DeviceId.lo.to_bytes(8, "little") + item.DeviceId.hi.to_bytes(8, "little")
        assert uuid.UUID(bytes_le=raw) == reading.device_id
        assert (
            item.DateTime.value * {3: 10**7, 4: 10**4, 5: 1}[item.DateTime.scale] == reading.ticks
        )
        assert {v.Obis: v.Value for v in item.DeviceValues} == {
            bytes.fromhex(code): value for code, value in reading.values.items()
        }


def test_the_all_zero_guid_is_written_empty_as_protobuf_net_does(generated: ModuleType) -> None:
    body = payload.encode([DeviceReading(uuid.UUID(int=0), 0, {})])
    assert body == bytes.fromhex("0A04" "0A00" "1200")  # fmt: skip
    item = generated.DeviceDataArray.FromString(body).DeviceDataItems[0]
    assert not item.DeviceId.HasField("lo")
    assert payload.guid_of(item.DeviceId) == uuid.UUID(int=0)
