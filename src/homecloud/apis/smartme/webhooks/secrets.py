"""The receivers' Basic passwords, sealed with AES-256-GCM.

The delivery needs the password itself (it sends it in an ``Authorization`` header), so it
cannot be hashed; it is encrypted under a key that is not in the database: the setting
``HOMECLOUD_SMARTME__WEBHOOK_SECRET_KEY`` (32 bytes, base64), else a key file made on first
use in the data directory (readable by its owner only). Several nodes sharing one
PostgreSQL database must share the key through the setting.

A sealed value is ``v1.`` + URL-safe base64 of nonce (12 bytes) + ciphertext and tag; the
registration's GUID is its associated data, so a sealed password copied to another
registration row does not open.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_FILE = "smartme-webhook.key"
VERSION = "v1."
NONCE_BYTES = 12


class SecretError(Exception):
    """A key or a sealed value that cannot be used; the message never holds the secret."""


def parse_key(text: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise SecretError("the webhook secret key is not base64") from None
    if len(key) != 32:
        raise SecretError(f"the webhook secret key must be 32 bytes, not {len(key)}")
    return key


def key_from_file(data_dir: Path) -> bytes:
    """The key in ``data_dir``'s key file, made (atomically, mode 0600) when there is none."""
    path = data_dir / KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fresh = base64.b64encode(secrets.token_bytes(32)) + b"\n"
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first: use theirs
        else:
            with os.fdopen(descriptor, "wb") as file:
                file.write(fresh)
                file.flush()
                os.fsync(file.fileno())
    return parse_key(path.read_text())


class SecretBox:
    """Seals and opens short secrets under one AES-256-GCM key."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def __repr__(self) -> str:
        return "SecretBox(<key hidden>)"

    def seal(self, secret: str, context: str) -> str:
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, secret.encode(), context.encode())
        return VERSION + base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, sealed: str, context: str) -> str:
        if not sealed.startswith(VERSION):
            raise SecretError("unknown sealed-secret format")
        try:
            raw = base64.urlsafe_b64decode(sealed[len(VERSION) :])
            return self._aead.decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()
            ).decode()
        except (binascii.Error, ValueError, InvalidTag):
            raise SecretError(
                "a receiver password does not open with this key (was the key changed?)"
            ) from None
