"""Signing keys: created, rotated and published from the database, used from memory.

The database is the source of truth so that every node signs and verifies with the same keys;
each process keeps them in memory (signing happens on hot paths) and reloads them now and then
to pick up a rotation made elsewhere. A rotation adds a new key that signs from then on; the
old key keeps verifying, and stays in the JWKS, until every token it signed has expired.
"""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass
from typing import Any

import orjson
from cachetools import LRUCache
from joserfc import jwt
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwk import OctKey, RSAKey
from sqlalchemy import delete, select

from homecloud.core.database import Database
from homecloud.core.models import now_ms
from homecloud.identity.models import SigningKey

SHARED = "shared"
# How many verified tokens a process remembers (a few hundred bytes each).
VERIFIED_TOKENS_KEPT = 10_000
Key = RSAKey | OctKey


@dataclass(frozen=True)
class LoadedKey:
    kid: str
    purpose: str
    alg: str
    key: Key
    created_at: int
    retired_at: int | None


class InvalidToken(Exception):
    """A token that does not verify: bad signature, unknown key, wrong algorithm, malformed.

    ``reason`` says which, for faces whose vendors word each case differently (Thing+ answers
    with jsonwebtoken's messages): ``malformed``, ``unsigned`` (``alg: none``), ``algorithm``,
    ``key`` (no key of that ``kid``), ``signature`` or ``invalid`` (anything else).
    """

    def __init__(self, message: str, reason: str = "invalid") -> None:
        super().__init__(message)
        self.reason = reason


def _generate(purpose: str, alg: str) -> tuple[str, Key]:
    kid = uuid.uuid4().hex
    parameters: Any = {"kid": kid, "alg": alg, "use": "sig"}
    if alg.startswith("HS"):
        return kid, OctKey.generate_key(256, parameters=parameters)
    return kid, RSAKey.generate_key(2048, parameters=parameters, private=True)


class KeyStore:
    def __init__(self, database: Database, *, reload_after_seconds: float = 60.0) -> None:
        self.database = database
        self.reload_after_seconds = reload_after_seconds
        self._keys: dict[str, LoadedKey] = {}
        self._loaded_at = 0.0
        # Tokens whose signature verified, by the token text: a resource client sends the same
        # token on every call until it expires, and an RSA check costs more than the rest of a
        # read. Only the signature is remembered; expiry, revocation and the account are
        # checked on every call, and a hit counts only while its key is still published.
        self._verified: LRUCache[tuple[str, str, tuple[str, ...]], tuple[str, jwt.Token]] = (
            LRUCache(maxsize=VERIFIED_TOKENS_KEPT)
        )

    async def load(self, *, ensure: tuple[tuple[str, str], ...] = ((SHARED, "RS256"),)) -> None:
        """Read every published key; create an active key for each (purpose, alg) lacking one."""
        async with self.database.session(write=True) as session:
            now = now_ms()
            await session.execute(
                delete(SigningKey).where(
                    SigningKey.publish_until.is_not(None), SigningKey.publish_until < now
                )
            )
            rows = list((await session.scalars(select(SigningKey))).all())
            for purpose, alg in ensure:
                if not any(
                    r.purpose == purpose and r.alg == alg and r.retired_at is None for r in rows
                ):
                    kid, key = _generate(purpose, alg)
                    row = SigningKey(
                        kid=kid,
                        purpose=purpose,
                        alg=alg,
                        private_jwk=orjson.dumps(key.as_dict(private=True)).decode(),
                    )
                    session.add(row)
                    await session.flush()
                    rows.append(row)
        self._keys = {row.kid: self._loaded(row) for row in rows}
        self._loaded_at = time.monotonic()

    @staticmethod
    def _loaded(row: SigningKey) -> LoadedKey:
        data: dict[str, Any] = orjson.loads(row.private_jwk)
        key: Key = OctKey.import_key(data) if row.alg.startswith("HS") else RSAKey.import_key(data)
        return LoadedKey(row.kid, row.purpose, row.alg, key, row.created_at, row.retired_at)

    async def refresh_if_stale(self) -> None:
        if time.monotonic() - self._loaded_at > self.reload_after_seconds:
            await self.load()

    async def rotate(self, purpose: str, alg: str, *, keep_published_seconds: int) -> str:
        """Start signing with a new key; the current one verifies for ``keep_published_seconds``."""
        kid, key = _generate(purpose, alg)
        async with self.database.session(write=True) as session:
            now = now_ms()
            current = await session.scalars(
                select(SigningKey).where(
                    SigningKey.purpose == purpose,
                    SigningKey.alg == alg,
                    SigningKey.retired_at.is_(None),
                )
            )
            for row in current:
                row.retired_at = now
                row.publish_until = now + keep_published_seconds * 1000
            session.add(
                SigningKey(
                    kid=kid,
                    purpose=purpose,
                    alg=alg,
                    private_jwk=orjson.dumps(key.as_dict(private=True)).decode(),
                )
            )
        await self.load(ensure=())
        return kid

    def active(self, purpose: str = SHARED, alg: str = "RS256") -> LoadedKey:
        candidates = [
            k
            for k in self._keys.values()
            if k.purpose == purpose and k.alg == alg and k.retired_at is None
        ]
        if not candidates:
            raise LookupError(f"no active {alg} key for {purpose}; KeyStore.load() was not run")
        return max(candidates, key=lambda k: k.created_at)

    def all_keys(self) -> list[LoadedKey]:
        return sorted(self._keys.values(), key=lambda k: k.created_at)

    def public_jwks(self, purpose: str = SHARED) -> dict[str, Any]:
        """The JWKS of asymmetric keys: active and retired-but-still-published."""
        return {
            "keys": [
                k.key.as_dict(private=False)
                for k in self.all_keys()
                if k.purpose == purpose and not k.alg.startswith("HS")
            ]
        }

    def sign(
        self,
        claims: dict[str, Any],
        *,
        purpose: str = SHARED,
        alg: str = "RS256",
        typ: str | None = "JWT",
        include_kid: bool = True,
    ) -> str:
        key = self.active(purpose, alg)
        header: dict[str, Any] = {"alg": alg}
        if typ:
            header["typ"] = typ
        if include_kid:
            header["kid"] = key.kid
        return jwt.encode(header, claims, key.key, algorithms=[alg])

    def verify(
        self, token: str, *, purpose: str = SHARED, algorithms: tuple[str, ...] = ("RS256",)
    ) -> jwt.Token:
        """The decoded token if its signature verifies with one of ``purpose``'s keys.

        ``alg: none`` and any algorithm outside ``algorithms`` are refused before a key is
        tried; a token naming an unknown ``kid`` is refused rather than tried against every key.
        """
        remembered = self._verified.get((token, purpose, algorithms))
        if remembered is not None and remembered[0] in self._keys:
            return remembered[1]
        decoded, kid = self._verify_signature(token, purpose, algorithms)
        self._verified[(token, purpose, algorithms)] = (kid, decoded)
        return decoded

    def _verify_signature(
        self, token: str, purpose: str, algorithms: tuple[str, ...]
    ) -> tuple[jwt.Token, str]:
        header = unverified_header(token)
        if header.get("alg") not in algorithms:
            raise InvalidToken(
                f"algorithm {header.get('alg')!r} is not accepted",
                "unsigned" if header.get("alg") == "none" else "algorithm",
            )
        candidates = [
            k for k in self._keys.values() if k.purpose == purpose and k.alg == header["alg"]
        ]
        if "kid" in header:
            candidates = [k for k in candidates if k.kid == header["kid"]]
        if not candidates:
            raise InvalidToken("the token is not signed by a known key", "key")
        failure: Exception | None = None
        for candidate in sorted(candidates, key=lambda k: -k.created_at):
            try:
                return jwt.decode(token, candidate.key, algorithms=[candidate.alg]), candidate.kid
            except (JoseError, ValueError, TypeError) as exc:
                failure = exc
        raise InvalidToken(
            str(failure) or "invalid signature",
            "signature" if isinstance(failure, BadSignatureError) else "invalid",
        )


def unverified_header(token: str) -> dict[str, Any]:
    """The JOSE header of a compact JWS, without any verification; refuses anything else."""
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidToken("jwt malformed", "malformed")
    try:
        padded = parts[0] + "=" * (-len(parts[0]) % 4)
        header = orjson.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, orjson.JSONDecodeError) as exc:
        raise InvalidToken("jwt malformed", "malformed") from exc
    if not isinstance(header, dict):
        raise InvalidToken("jwt malformed", "malformed")
    return header
