"""Connection tokens: what ``negotiate`` hands out and the WebSocket connect presents as ``id``.

A token is checkable by any process without shared state, so that negotiate and connect may
land on different workers or nodes: it carries its issue time and a MAC keyed by the access
token that negotiated it, and the connect presents that same access token (the official
client reuses it). A forged, stale (older than ``ttl`` seconds) or finished id is answered with
404, a second socket for an id in use with 409, as ASP.NET does; a process can only know the
sockets it serves itself, so those two answers are per process.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time

NOT_FOUND = "No Connection with that ID"
IN_USE = "Connection ID already in use"


class ConnectionRefused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(access_token: str, body: bytes) -> bytes:
    key = hashlib.sha256(access_token.encode()).digest()
    return hmac.new(key, body, hashlib.sha256).digest()[:16]


def connection_id_of(token: str) -> str:
    """The public connection id that goes with a token (negotiate version 1 tells both)."""
    return _b64(hashlib.sha256(b"connection-id:" + token.encode()).digest()[:16])


class ConnectionTokens:
    def __init__(self, ttl: float = 120.0) -> None:
        self.ttl = ttl
        self._active: set[str] = set()
        # Finished ids, kept until they would be stale anyway: id -> wall-clock expiry.
        self._finished: dict[str, float] = {}

    def issue(self, access_token: str) -> str:
        body = struct.pack(">I", int(time.time())) + secrets.token_bytes(12)
        return f"{_b64(body)}.{_b64(_mac(access_token, body))}"

    def claim(self, token: str, access_token: str) -> None:
        """Marks ``token`` in use by a socket, or raises :class:`ConnectionRefused`."""
        now = time.time()
        issued = self._issued_at(token, access_token)
        if issued is None or not (issued - 5 <= now < issued + self.ttl) or token in self._finished:
            raise ConnectionRefused(404, NOT_FOUND)
        if token in self._active:
            raise ConnectionRefused(409, IN_USE)
        self._active.add(token)
        self._forget_stale(now)

    def release(self, token: str) -> None:
        if token in self._active:
            self._active.discard(token)
            self._finished[token] = time.time() + self.ttl

    def _issued_at(self, token: str, access_token: str) -> int | None:
        encoded_body, _, encoded_mac = token.partition(".")
        try:
            body, mac = _unb64(encoded_body), _unb64(encoded_mac)
        except ValueError:
            return None
        if len(body) != 16 or not hmac.compare_digest(mac, _mac(access_token, body)):
            return None
        issued: int = struct.unpack(">I", body[:4])[0]
        return issued

    def _forget_stale(self, now: float) -> None:
        # Entries are added in release order, so the stale ones are at the front.
        while self._finished:
            token, expiry = next(iter(self._finished.items()))
            if expiry > now:
                return
            del self._finished[token]
