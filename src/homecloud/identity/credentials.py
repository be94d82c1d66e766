"""Long-lived credentials a user makes for scripts and devices, beside OAuth: API keys and card
access tokens (smart-me's ``Authorization: ApiKey <key>`` and ``cardaccesstoken_<CardId>``).

Both are high-entropy random strings, shown once and stored only as SHA-256 digests, like the
OAuth secrets (see :mod:`homecloud.identity.secrets`). Each belongs to one face and one user and
carries the scopes of that face's profile it may use.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, Mapped, mapped_column

from homecloud.core.models import Base, Id, NowOnInsert, User, now_ms
from homecloud.core.statements import inserted, where_given
from homecloud.identity.profiles import IssuerProfile
from homecloud.identity.secrets import digest, new_hex

# smart-me's keys look like "MTRH5eUjFXV8U4i1viZF2jHNoUNsnDTx": 32 letters and digits (190 bits).
API_KEY_ALPHABET = string.ascii_letters + string.digits
API_KEY_LENGTH = 32
# smart-me's card token example "155ece3459ad09d5f98aad04fcfc28ac": 32 hex digits (128 bits).
CARD_TOKEN_LENGTH = 32
INT64_MAX = 2**63 - 1


class CredentialError(ValueError):
    """A credential that cannot be made as asked; the message says why."""


class ApiKey(Base):
    __tablename__ = "api_keys"
    __table_args__ = (Index("ix_api_keys_user_face", "user_id", "face"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    face: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[NowOnInsert]

    @classmethod
    def listing_order(cls) -> tuple[InstrumentedAttribute[Any], ...]:
        return (cls.id,)  # as they were made


class CardAccessToken(Base):
    """A token written on a card (NFC). One per user and card: making a new one replaces it.

    Two accounts may hold tokens for the same card id; a presented token is looked up by its
    digest and must belong to the card it is presented with.
    """

    __tablename__ = "card_access_tokens"
    __table_args__ = (
        UniqueConstraint("face", "user_id", "card_id", name="uq_card_access_tokens_user_card"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    face: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    card_id: Mapped[int] = mapped_column(BigInteger)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[NowOnInsert]

    @classmethod
    def listing_order(cls) -> tuple[InstrumentedAttribute[Any], ...]:
        return (cls.card_id, cls.user_id)  # a card's tokens together


# Either kind: what listing, finding and removing a credential do is the same for both.
Credential = TypeVar("Credential", ApiKey, CardAccessToken)


async def list_credentials(
    session: AsyncSession, kind: type[Credential], *, face: str, user_id: int | None
) -> Sequence[Credential]:
    """The face's credentials of ``kind`` of one user, or of every user when ``user_id`` is
    None."""
    query = where_given(select(kind).where(kind.face == face), (kind.user_id, user_id))
    return (await session.scalars(query.order_by(*kind.listing_order()))).all()


async def get_credential(
    session: AsyncSession, kind: type[Credential], *, face: str, credential_id: int
) -> Credential | None:
    row = await session.get(kind, credential_id)
    return row if row is not None and row.face == face else None


async def remove_credential(session: AsyncSession, credential: ApiKey | CardAccessToken) -> None:
    await session.delete(credential)
    await session.flush()


async def _holder(
    session: AsyncSession, kind: type[Credential], face: str, *matches: ColumnElement[bool]
) -> tuple[Credential, User] | None:
    """The face's credential of ``kind`` that ``matches``, and its owner if active."""
    row = (
        await session.execute(
            select(kind, User)
            .join(User, User.id == kind.user_id)
            .where(kind.face == face, *matches)
        )
    ).first()
    if row is None or not row[1].is_active:
        return None
    return row[0], row[1]


@dataclass(frozen=True)
class IssuedApiKey:
    api_key: ApiKey
    key: str  # in clear, this once


def _checked_scope(profile: IssuerProfile, scopes: Iterable[str]) -> str:
    wanted = list(dict.fromkeys(scope for scope in scopes if scope))
    unknown = [scope for scope in wanted if scope not in profile.scopes_supported]
    if unknown:
        raise CredentialError(
            f"unknown scope(s) {' '.join(unknown)}; {profile.title} knows"
            f" {' '.join(profile.scopes_supported)}"
        )
    if not wanted:
        raise CredentialError("a credential needs at least one scope")
    return " ".join(wanted)


# ---------------------------------------------------------------------------------- API keys


async def create_api_key(
    session: AsyncSession,
    *,
    issuer: IssuerProfile,
    user_id: int,
    name: str,
    scopes: Iterable[str],
) -> IssuedApiKey:
    """A new key of ``issuer``'s face, for some of the scopes that face knows."""
    if not name.strip():
        raise CredentialError("an API key needs a name")
    scope = _checked_scope(issuer, scopes)
    key = "".join(secrets.choice(API_KEY_ALPHABET) for _ in range(API_KEY_LENGTH))
    row = ApiKey(
        face=issuer.face, user_id=user_id, name=name.strip(), key_hash=digest(key), scope=scope
    )
    return IssuedApiKey(await inserted(session, row), key)


async def api_key_holder(session: AsyncSession, face: str, key: str) -> tuple[ApiKey, User] | None:
    """The key ``key`` is, and its active owner; None for an unknown key or disabled owner."""
    return await _holder(session, ApiKey, face, ApiKey.key_hash == digest(key))


# ------------------------------------------------------------------------- card access tokens


def _checked_card_id(card_id: int) -> int:
    if isinstance(card_id, bool) or not 0 <= card_id <= INT64_MAX:
        raise CredentialError("a card id is a whole number from 0 to 2^63-1")
    return card_id


async def issue_card_token(session: AsyncSession, *, face: str, user_id: int, card_id: int) -> str:
    """A new token for the card, replacing the one the user had for it."""
    card_id = _checked_card_id(card_id)
    token = new_hex(CARD_TOKEN_LENGTH)
    row = await session.scalar(
        select(CardAccessToken).where(
            CardAccessToken.face == face,
            CardAccessToken.user_id == user_id,
            CardAccessToken.card_id == card_id,
        )
    )
    if row is None:
        session.add(
            CardAccessToken(face=face, user_id=user_id, card_id=card_id, token_hash=digest(token))
        )
    else:
        row.token_hash = digest(token)
        row.created_at = now_ms()
    await session.flush()
    return token


async def card_token_holder(
    session: AsyncSession, face: str, card_id: int, token: str
) -> tuple[CardAccessToken, User] | None:
    """The card token ``token`` is, if it was made for ``card_id``, and its active owner."""
    return await _holder(
        session,
        CardAccessToken,
        face,
        CardAccessToken.token_hash == digest(token),
        CardAccessToken.card_id == card_id,
    )
