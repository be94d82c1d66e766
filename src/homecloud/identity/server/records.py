"""Records and prebuilt statements the token endpoint reads and writes: plain rows, no ORM
instances on the hot path."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import bindparam, insert, select, update

from homecloud.core.models import User
from homecloud.identity.models import AuthorizationCode, Grant, OAuthClient


@dataclass(frozen=True)
class ClientRecord:
    """A registered client as the token endpoint reads it (see :data:`CLIENT_BY_ID`)."""

    client_id: str
    face: str
    name: str
    secret_hash: str | None
    redirect_uris: list[str]
    grant_types: list[str]
    response_types: list[str]
    scope: str
    owner_id: int | None
    allow_plain_pkce: bool
    require_consent: bool
    pkce_optional: bool

    @classmethod
    def from_plain_row(cls, row: Sequence[Any]) -> ClientRecord:
        """From a row of :data:`CLIENT_BY_ID_SQL`, which arrives without SQLAlchemy's type
        processing: lists as JSON text, booleans as integers on SQLite."""
        values = dict(zip(cls.__dataclass_fields__, row, strict=True))
        for name in ("redirect_uris", "grant_types", "response_types"):
            if isinstance(values[name], str | bytes):
                values[name] = orjson.loads(values[name])
        for name in ("allow_plain_pkce", "require_consent", "pkce_optional"):
            values[name] = bool(values[name])
        return cls(**values)


@dataclass(frozen=True)
class GrantRecord:
    """One row of ``oauth_grants`` (:class:`Grant`), read or just written."""

    id: int
    face: str
    client_id: str
    user_id: int | None
    access_key: str
    refresh_hash: str | None
    family: str
    code_hash: str | None
    scope: str
    session_id: str | None
    issued_at: int
    access_expires_at: int
    refresh_expires_at: int | None
    rotated_at: int | None = None
    revoked_at: int | None = None


@dataclass(frozen=True)
class UserRecord:
    """The account fields tokens and claims are made of (see :data:`USER_BY_ID`)."""

    id: int
    email: str
    username: str | None
    first_name: str
    last_name: str
    timezone: str
    locale: str
    is_active: bool


# Whom a token is for: an account read for the token endpoint, or one the caller had loaded.
Person = User | UserRecord


@dataclass(frozen=True)
class Prechecked:
    """What a token endpoint checked before the exchange, away from Authlib's synchronous
    code: the client (read with one plain statement), the secret it presented when its stored
    form takes an Argon2 check (``(presented, right)``), and the resource owner of a password
    grant (``(login, password, the user if right)``). Authlib's hooks use these answers when
    asked about the very same values, and check anything else as usual."""

    client: ClientRecord | None = None
    client_secret: tuple[str, bool] | None = None
    person: tuple[str, str, User | None] | None = None


_users = User.__table__.c
_clients = OAuthClient.__table__.c
_grants = Grant.__table__.c
_codes = AuthorizationCode.__table__.c
_CLIENT_COLUMNS = [getattr(_clients, name) for name in ClientRecord.__dataclass_fields__]
_GRANT_COLUMNS = [getattr(_grants, name) for name in GrantRecord.__dataclass_fields__]

USER_BY_ID = select(*[getattr(_users, name) for name in UserRecord.__dataclass_fields__]).where(
    _users.id == bindparam("user_id")
)
CLIENT_BY_ID = select(*_CLIENT_COLUMNS).where(
    _clients.client_id == bindparam("client_id"), _clients.face == bindparam("face")
)
# The same read as plain SQL, for Database.fetch (no statement compilation, no session).
CLIENT_BY_ID_SQL = (
    f"SELECT {', '.join(ClientRecord.__dataclass_fields__)} FROM {OAuthClient.__tablename__}"
    " WHERE client_id = ? AND face = ?"
)
GRANT_BY_ACCESS_KEY = select(*_GRANT_COLUMNS).where(
    _grants.access_key == bindparam("key"), _grants.face == bindparam("face")
)
GRANT_BY_REFRESH_HASH = select(*_GRANT_COLUMNS).where(
    _grants.refresh_hash == bindparam("key"), _grants.face == bindparam("face")
)
# The refresh grant locks the row it spends (PostgreSQL: a concurrent refresh with the same
# token waits, then sees it rotated) and reads the sign-in time of the code it descends from.
REFRESHABLE_GRANT = (
    select(*_GRANT_COLUMNS, _codes.auth_time)
    .outerjoin(AuthorizationCode, _codes.code_hash == _grants.code_hash)
    .where(_grants.refresh_hash == bindparam("key"), _grants.face == bindparam("face"))
    .with_for_update(of=Grant.__table__)
)
INSERT_GRANT = insert(Grant)
MARK_ROTATED = (
    update(Grant).where(_grants.id == bindparam("grant_id")).values(rotated_at=bindparam("at"))
)
MARK_REVOKED = (
    update(Grant).where(_grants.id == bindparam("grant_id")).values(revoked_at=bindparam("at"))
)
REVOKE_FAMILY = (
    update(Grant)
    .where(_grants.family == bindparam("spent_family"), _grants.revoked_at.is_(None))
    .values(revoked_at=bindparam("at"))
)
