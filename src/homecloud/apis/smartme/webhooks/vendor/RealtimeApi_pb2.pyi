from homecloud.apis.smartme.webhooks.vendor import bcl_pb2 as _bcl_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DeviceData(_message.Message):
    __slots__ = ("DeviceId", "DateTime", "DeviceValues")
    DEVICEID_FIELD_NUMBER: _ClassVar[int]
    DATETIME_FIELD_NUMBER: _ClassVar[int]
    DEVICEVALUES_FIELD_NUMBER: _ClassVar[int]
    DeviceId: _bcl_pb2.Guid
    DateTime: _bcl_pb2.DateTime
    DeviceValues: _containers.RepeatedCompositeFieldContainer[DeviceValue]
    def __init__(self, DeviceId: _Optional[_Union[_bcl_pb2.Guid, _Mapping]] = ..., DateTime: _Optional[_Union[_bcl_pb2.DateTime, _Mapping]] = ..., DeviceValues: _Optional[_Iterable[_Union[DeviceValue, _Mapping]]] = ...) -> None: ...

class DeviceDataArray(_message.Message):
    __slots__ = ("DeviceDataItems",)
    DEVICEDATAITEMS_FIELD_NUMBER: _ClassVar[int]
    DeviceDataItems: _containers.RepeatedCompositeFieldContainer[DeviceData]
    def __init__(self, DeviceDataItems: _Optional[_Iterable[_Union[DeviceData, _Mapping]]] = ...) -> None: ...

class DeviceValue(_message.Message):
    __slots__ = ("Obis", "Value")
    OBIS_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    Obis: bytes
    Value: float
    def __init__(self, Obis: _Optional[bytes] = ..., Value: _Optional[float] = ...) -> None: ...
