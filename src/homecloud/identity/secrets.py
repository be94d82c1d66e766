"""High-entropy secrets and their stored form.

Codes, tokens and generated client secrets carry at least 128 bits of randomness, so a single
SHA-256 is a safe one-way form to store: unlike passwords they cannot be guessed from a
dictionary. A secret a person chose (Thing+ lets users pick their client's secret) is no
better than a password and is stored as one, with Argon2id; :func:`matches` reads both forms.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from homecloud.core.passwords import hash_password, verify_password


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def new_hex(nchars: int = 40) -> str:
    """A lowercase hex string of ``nchars`` characters (MClimate's opaque token shape)."""
    return secrets.token_hex((nchars + 1) // 2)[:nchars]


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def is_person_chosen(stored: str | None) -> bool:
    """Whether ``stored`` is the Argon2 form, which takes tens of milliseconds to check."""
    return stored is not None and stored.startswith("$argon2")


def matches(value: str, stored: str | None) -> bool:
    if stored is None:
        return False
    if is_person_chosen(stored):
        return verify_password(stored, value)
    return hmac.compare_digest(digest(value), stored)


def stored_form(secret: str, *, chosen_by_person: bool) -> str:
    return hash_password(secret) if chosen_by_person else digest(secret)
