"""Connection tokens: what ``negotiate`` hands out and the WebSocket connect presents as ``id``.

A token is checkable by any process without shared state, so that negotiate and connect may
land on different workers or nodes: it carries its issue time and a digest binding it to the
user who negotiated it. The digest is no secret, and need not be: the WebSocket connect
authenticates on its own and an id grants nothing, so the binding only lets a made-up id,
another user's, a stale one (older than ``ttl`` seconds) or a finished one be answered with
404, and a second socket for an id in use with 409, as ASP.NET does. It binds to the user,
not to the access token, because the official client asks its ``accessTokenFactory`` again
for the WebSocket and may get a fresh token. A process can only know the sockets it serves
itself, so 409 and "finished" are per process.
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


def _digest(owner_id: int, body: bytes) -> bytes:
    return hashlib.sha256(b"%d:" % owner_id + body).digest()[:16]


def connection_id_of(token: str) -> str:
    """The public connection id that goes with a token (negotiate version 1 tells both)."""
    return _b64(hashlib.sha256(b"connection-id:" + token.encode()).digest()[:16])


class ConnectionTokens:
    def __init__(self, ttl: float = 120.0) -> None:
        self.ttl = ttl
        self._active: set[str] = set()
        # Finished ids, kept until they would be stale anyway: id -> wall-clock expiry.
        self._finished: dict[str, float] = {}

    def issue(self, owner_id: int) -> str:
        body = struct.pack(">I", int(time.time())) + secrets.token_bytes(12)
        return f"{_b64(body)}.{_b64(_digest(owner_id, body))}"

    def claim(self, token: str, owner_id: int) -> None:
        """Marks ``token`` in use by a socket, or raises :class:`ConnectionRefused`."""
        now = time.time()
        issued = self._issued_at(token, owner_id)
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

    def _issued_at(self, token: str, owner_id: int) -> int | None:
        encoded_body, _, encoded_digest = token.partition(".")
        try:
            body, digest = _unb64(encoded_body), _unb64(encoded_digest)
        except ValueError:
            return None
        if len(body) != 16 or not hmac.compare_digest(digest, _digest(owner_id, body)):
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
