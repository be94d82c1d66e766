"""The body of a realtime webhook: a ``DeviceDataArray`` (proto2, ``proto/RealtimeApi.proto``)
encoded by the official protobuf runtime with the modules generated from the published
``.proto`` files, ``bcl.Guid`` and ``bcl.DateTime`` filled in as protobuf-net writes them.

protobuf-net's rules (its ``BclHelpers``), which smart-me's own payloads follow:

- ``Guid``: ``lo`` and ``hi`` are the two halves of .NET's ``Guid.ToByteArray()`` (Python's
  ``UUID.bytes_le``) read as little-endian integers; both are written unless the GUID is
  all zeros, then neither.
- ``DateTime``: the offset from 1970-01-01 in the coarsest exact unit (days, hours, minutes,
  seconds, milliseconds, else ticks of 100 ns); ``value`` is left out when it is 0, ``scale``
  when it is days, and ``kind`` always (smart-me's sample carries none, though it is UTC).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from homecloud.apis.smartme.webhooks.vendor import bcl_pb2
from homecloud.apis.smartme.webhooks.vendor.RealtimeApi_pb2 import DeviceData, DeviceDataArray

CONTENT_TYPE = "application/octet-stream"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TICKS_PER_MICROSECOND = 10
# (ticks per unit, bcl scale), coarsest first: protobuf-net's choice of scale.
Scale = bcl_pb2.DateTime.TimeSpanScale
SCALES: tuple[tuple[int, Scale], ...] = (
    (864_000_000_000, bcl_pb2.DateTime.DAYS),
    (36_000_000_000, bcl_pb2.DateTime.HOURS),
    (600_000_000, bcl_pb2.DateTime.MINUTES),
    (10_000_000, bcl_pb2.DateTime.SECONDS),
    (10_000, bcl_pb2.DateTime.MILLISECONDS),
)
TICKS_PER = {scale: ticks for ticks, scale in SCALES} | {bcl_pb2.DateTime.TICKS: 1}


@dataclass(frozen=True, slots=True)
class DeviceReading:
    """What one ``DeviceData`` item says: a meter, a moment (in .NET ticks of 100 ns since
    the epoch: smart-me's times are that fine) and its values (OBIS hex code -> number,
    already in the webhook's units)."""

    device_id: uuid.UUID
    ticks: int
    values: Mapping[str, float]

    @classmethod
    def at_micros(
        cls, device_id: uuid.UUID, micros: int, values: Mapping[str, float]
    ) -> DeviceReading:
        return cls(device_id, micros * TICKS_PER_MICROSECOND, values)


def set_guid(message: bcl_pb2.Guid, value: uuid.UUID) -> None:
    raw = value.bytes_le
    if raw != bytes(16):
        message.lo = int.from_bytes(raw[:8], "little")
        message.hi = int.from_bytes(raw[8:], "little")


def guid_of(message: bcl_pb2.Guid) -> uuid.UUID:
    return uuid.UUID(bytes_le=message.lo.to_bytes(8, "little") + message.hi.to_bytes(8, "little"))


def set_datetime(message: bcl_pb2.DateTime, ticks: int) -> None:
    """``message`` set to the moment ``ticks`` (100 ns) after the epoch."""
    value, scale = ticks, bcl_pb2.DateTime.TICKS
    for per_unit, candidate in SCALES:
        if ticks % per_unit == 0:
            value, scale = ticks // per_unit, candidate
            break
    if value != 0:
        message.value = value
    if scale != bcl_pb2.DateTime.DAYS:
        message.scale = scale


def ticks_of(message: bcl_pb2.DateTime) -> int:
    """The moment a ``bcl.DateTime`` names, in ticks since the epoch."""
    if message.scale == bcl_pb2.DateTime.MINMAX:
        raise ValueError("bcl.DateTime MINMAX names DateTime.MinValue/MaxValue, no moment")
    return message.value * TICKS_PER[message.scale]


def datetime_of(ticks: int) -> datetime:
    """``ticks`` since the epoch as an aware UTC datetime (finer than a µs is cut off)."""
    return EPOCH + timedelta(microseconds=ticks // TICKS_PER_MICROSECOND)


def device_data(reading: DeviceReading) -> DeviceData:
    item = DeviceData()
    set_guid(item.DeviceId, reading.device_id)
    # A message field is present once touched: an all-zero GUID is written as an empty one.
    item.DeviceId.SetInParent()
    set_datetime(item.DateTime, reading.ticks)
    item.DateTime.SetInParent()
    for code, value in reading.values.items():
        item.DeviceValues.add(Obis=bytes.fromhex(code), Value=value)
    return item


def encode(readings: Iterable[DeviceReading]) -> bytes:
    """The serialised ``DeviceDataArray`` of ``readings``, in the order given."""
    array = DeviceDataArray()
    array.DeviceDataItems.extend(device_data(reading) for reading in readings)
    return array.SerializeToString()


def decode(body: bytes) -> list[DeviceReading]:
    """The readings of a serialised ``DeviceDataArray`` (values as sent)."""
    array = DeviceDataArray.FromString(body)
    return [
        DeviceReading(
            device_id=guid_of(item.DeviceId),
            ticks=ticks_of(item.DateTime),
            values={value.Obis.hex().upper(): value.Value for value in item.DeviceValues},
        )
        for item in array.DeviceDataItems
    ]
