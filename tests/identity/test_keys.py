"""Signing keys live in the database, rotate, and stay published until their tokens expire."""

from __future__ import annotations

import base64
import json
import time

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey
from sqlalchemy import update

from homecloud.core.database import Database
from homecloud.core.models import now_ms
from homecloud.identity.keys import SHARED, InvalidToken, KeyStore
from homecloud.identity.models import SigningKey
from homecloud.identity.provider import REQUIRED_KEYS


def unsigned(claims: dict[str, object]) -> str:
    """A JWT with ``alg: none`` and no signature, built by hand as an attacker would."""

    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


async def loaded(database: Database) -> KeyStore:
    store = KeyStore(database)
    await store.load(ensure=REQUIRED_KEYS)
    return store


async def test_a_fresh_store_creates_one_active_key_per_purpose(database: Database) -> None:
    store = await loaded(database)
    assert {(k.purpose, k.alg) for k in store.all_keys()} == {
        (SHARED, "RS256"),
        ("thingplus", "HS256"),
    }
    again = await loaded(database)  # a second process reads the same keys
    assert {k.kid for k in again.all_keys()} == {k.kid for k in store.all_keys()}


async def test_jwks_publishes_public_rsa_keys_with_kid_and_never_secrets(
    database: Database,
) -> None:
    store = await loaded(database)
    (key,) = store.public_jwks()["keys"]
    assert key["kty"] == "RSA"
    assert key["kid"] == store.active().kid
    assert key["use"] == "sig"
    assert "d" not in key
    assert "p" not in key
    assert all(k["kty"] != "oct" for k in store.public_jwks()["keys"])


async def test_rotation_signs_with_the_new_key_and_still_verifies_the_old(
    database: Database,
) -> None:
    store = await loaded(database)
    old_token = store.sign({"sub": "1", "exp": int(time.time()) + 60})
    old_kid = store.active().kid
    new_kid = await store.rotate(SHARED, "RS256", keep_published_seconds=3600)
    assert store.active().kid == new_kid != old_kid
    assert store.verify(old_token).claims["sub"] == "1"
    assert {k["kid"] for k in store.public_jwks()["keys"]} == {old_kid, new_kid}
    new_token = store.sign({"sub": "2"})
    assert (
        jwt.decode(new_token, KeySet.import_key_set(store.public_jwks())).header["kid"] == new_kid
    )


async def test_a_retired_key_is_dropped_once_its_tokens_have_expired(database: Database) -> None:
    store = await loaded(database)
    old_token = store.sign({"sub": "1"})
    old_kid = store.active().kid
    assert store.verify(old_token).claims["sub"] == "1"  # remembered as verified from here on
    await store.rotate(SHARED, "RS256", keep_published_seconds=3600)
    async with database.session(write=True) as session:
        await session.execute(
            update(SigningKey).where(SigningKey.kid == old_kid).values(publish_until=now_ms() - 1)
        )
    await store.load(ensure=REQUIRED_KEYS)
    assert old_kid not in {k.kid for k in store.all_keys()}
    with pytest.raises(InvalidToken):
        store.verify(old_token)


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda s: s.rsplit(".", 1)[0] + ".AAAA", id="bad-signature"),
        pytest.param(lambda s: "not.a.jwt.at.all", id="malformed"),
        pytest.param(lambda s: unsigned({"sub": "1"}), id="alg-none"),
        pytest.param(
            lambda s: jwt.encode(
                {"alg": "HS256"}, {"sub": "1"}, OctKey.generate_key(256), algorithms=["HS256"]
            ),
            id="hs256-instead-of-rs256",
        ),
    ],
)
async def test_forged_tokens_are_refused(database: Database, forge: object) -> None:
    store = await loaded(database)
    genuine = store.sign({"sub": "1"})
    with pytest.raises(InvalidToken):
        store.verify(forge(genuine))  # type: ignore[operator]


async def test_thingplus_tokens_use_their_own_symmetric_key(database: Database) -> None:
    store = await loaded(database)
    token = store.sign({"userId": "1"}, purpose="thingplus", alg="HS256", include_kid=False)
    assert store.verify(token, purpose="thingplus", algorithms=("HS256",)).claims == {"userId": "1"}
    with pytest.raises(InvalidToken):
        store.verify(token)  # not an RS256 token of the shared keys


async def test_a_remembered_verification_counts_only_for_the_same_purpose_and_algorithms(
    database: Database,
) -> None:
    store = await loaded(database)
    token = store.sign({"sub": "1"})
    assert store.verify(token).claims["sub"] == "1"
    assert store.verify(token).claims["sub"] == "1"
    with pytest.raises(InvalidToken):
        store.verify(token, purpose="thingplus", algorithms=("HS256",))
    with pytest.raises(InvalidToken):
        store.verify(token, algorithms=("ES256",))
