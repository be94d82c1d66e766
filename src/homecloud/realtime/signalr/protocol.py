"""The SignalR JSON hub protocol: records, the handshake and the message types.

Every message is a JSON object followed by the record separator ``0x1E``; one WebSocket frame
may carry several records and a record may span frames, so :class:`RecordReader` buffers text
until a separator arrives. Message shapes follow ``HubProtocol.md`` of dotnet/aspnetcore.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import orjson

RECORD_SEPARATOR = "\x1e"
PROTOCOL_NAME = "json"
# Version 1 is the JSON protocol; version 2 adds the stateful-reconnect messages (Ack, Sequence),
# which are only used when negotiated. A client asking for 2 still speaks 1 unless it was.
# ASP.NET Core's JsonHubProtocol.IsVersionSupported is ``version <= Version``: every older
# version (0 included) is served with the same messages.
MAX_VERSION = 2


class MessageType(IntEnum):
    INVOCATION = 1
    STREAM_ITEM = 2
    COMPLETION = 3
    STREAM_INVOCATION = 4
    CANCEL_INVOCATION = 5
    PING = 6
    CLOSE = 7
    ACK = 8
    SEQUENCE = 9


class ProtocolError(Exception):
    """The peer broke the protocol; the connection is closed with this message as its error."""


@dataclass(frozen=True, slots=True)
class Invocation:
    """A call of a hub method. Without ``invocation_id`` it is fire-and-forget: no completion."""

    invocation_id: str | None
    target: str
    arguments: list[Any]
    stream_ids: list[str]
    streaming: bool  # a StreamInvocation (type 4) rather than an Invocation (type 1)


@dataclass(frozen=True, slots=True)
class Close:
    error: str | None


@dataclass(frozen=True, slots=True)
class Ignored:
    """A message this server has no use for: pings, cancellations, completions of client
    results, stream items, stateful-reconnect messages and types from future versions (which
    ASP.NET ignores too, so that old peers survive protocol additions)."""

    type: int


HubMessage = Invocation | Close | Ignored


class RecordReader:
    """Splits incoming text into records, refusing to buffer more than ``max_record`` chars."""

    def __init__(self, max_record: int) -> None:
        self.max_record = max_record
        self._buffer = ""

    def feed(self, text: str) -> list[str]:
        self._buffer += text
        *records, self._buffer = self._buffer.split(RECORD_SEPARATOR)
        if len(self._buffer) > self.max_record or any(len(r) > self.max_record for r in records):
            raise ProtocolError(
                f"The maximum message size of {self.max_record} characters was exceeded."
            )
        return records


def encode(message: dict[str, Any]) -> str:
    return orjson.dumps(message).decode() + RECORD_SEPARATOR


def _object(record: str) -> dict[str, Any]:
    try:
        value = orjson.loads(record)
    except orjson.JSONDecodeError as exc:
        raise ProtocolError(f"The message is not valid JSON: {exc}.") from exc
    if not isinstance(value, dict):
        raise ProtocolError("The message is not a JSON object.")
    return value


def parse_handshake(record: str) -> int:
    """The version a handshake request asks for; :class:`ProtocolError` with the error the
    handshake response carries when the server cannot speak what the client wants."""
    request = _object(record)
    protocol = request.get("protocol")
    version = request.get("version")
    if not isinstance(protocol, str):
        raise ProtocolError("Missing required property 'protocol'. Message content: " + record)
    if not isinstance(version, int) or isinstance(version, bool):
        raise ProtocolError("Missing required property 'version'. Message content: " + record)
    if protocol != PROTOCOL_NAME:
        raise ProtocolError(f"Requested protocol '{protocol}' is not available.")
    if version > MAX_VERSION:
        raise ProtocolError(
            f"The server does not support version {version} of the 'json' protocol."
        )
    return version


def parse_message(record: str) -> HubMessage:
    message = _object(record)
    kind = message.get("type")
    if not isinstance(kind, int) or isinstance(kind, bool):
        raise ProtocolError("Missing required property 'type'.")
    if kind in (MessageType.INVOCATION, MessageType.STREAM_INVOCATION):
        return _invocation(message, streaming=kind == MessageType.STREAM_INVOCATION)
    if kind == MessageType.CLOSE:
        error = message.get("error")
        if error is not None and not isinstance(error, str):
            raise ProtocolError("Expected 'error' to be of type String.")
        return Close(error)
    return Ignored(kind)


def _invocation(message: dict[str, Any], *, streaming: bool) -> Invocation:
    invocation_id = message.get("invocationId")
    target = message.get("target")
    arguments = message.get("arguments")
    stream_ids = message.get("streamIds", [])
    if invocation_id is not None and not isinstance(invocation_id, str):
        raise ProtocolError("Expected 'invocationId' to be of type String.")
    if streaming and invocation_id is None:
        raise ProtocolError("Missing required property 'invocationId'.")
    if not isinstance(target, str):
        raise ProtocolError("Missing required property 'target'.")
    if not isinstance(arguments, list):
        raise ProtocolError("Missing required property 'arguments'.")
    if not isinstance(stream_ids, list) or not all(isinstance(s, str) for s in stream_ids):
        raise ProtocolError("Expected 'streamIds' to be an array of strings.")
    return Invocation(invocation_id, target, arguments, stream_ids, streaming)


def handshake_response(error: str | None = None) -> str:
    return encode({} if error is None else {"error": error})


def invocation(target: str, arguments: list[Any]) -> str:
    """A server-to-client invocation; the server never waits for a client result."""
    return encode({"type": MessageType.INVOCATION, "target": target, "arguments": arguments})


def completion(invocation_id: str, *, result: Any = None, error: str | None = None) -> str:
    if error is not None:
        return encode(
            {"type": MessageType.COMPLETION, "invocationId": invocation_id, "error": error}
        )
    # ASP.NET sends "result": null for a void method, and clients expect the key.
    return encode({"type": MessageType.COMPLETION, "invocationId": invocation_id, "result": result})


PING = encode({"type": MessageType.PING})


def close(error: str | None = None, *, allow_reconnect: bool = False) -> str:
    message: dict[str, Any] = {"type": MessageType.CLOSE}
    if error is not None:
        message["error"] = error
    if allow_reconnect:
        message["allowReconnect"] = True
    return encode(message)
