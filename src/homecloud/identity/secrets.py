"""High-entropy secrets and their stored form.

Codes, tokens and client secrets carry at least 128 bits of randomness, so a single SHA-256 is
a safe one-way form to store: unlike passwords they cannot be guessed from a dictionary.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def new_hex(nchars: int = 40) -> str:
    """A lowercase hex string of ``nchars`` characters (MClimate's opaque token shape)."""
    return secrets.token_hex((nchars + 1) // 2)[:nchars]


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def matches(value: str, stored_digest: str | None) -> bool:
    if stored_digest is None:
        return False
    return hmac.compare_digest(digest(value), stored_digest)
