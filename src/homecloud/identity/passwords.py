"""Resource-owner password checks for the faces whose vendors document a password grant.

:func:`verify_login` is for the event loop (the slow hash on a thread); :func:`check_login`
runs inside Authlib's synchronous grant code, on the session that code was given.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from homecloud.core.database import Database
from homecloud.core.models import User
from homecloud.core.passwords import verify_password
from homecloud.core.users import DUMMY_HASH, email_key
from homecloud.identity.profiles import IssuerProfile
from homecloud.identity.secrets import digest


def _login_statement(login: str) -> Select[Any]:
    return select(User).where(
        or_(User.email_key == email_key(login), User.username == login.strip())
    )


async def throttle_subject(database: Database, login: str) -> str:
    """What sign-in throttles count a try of ``login`` against: the account it resolves to
    (so padding, case and the user-name alias all share that account's one counter), or for
    a login that names no account, the login as the lookup normalises it. Digested either
    way: counters must not spell out e-mail addresses."""
    async with database.session() as session:
        user_id = await session.scalar(_login_statement(login).with_only_columns(User.id))
    return digest(f"user:{user_id}" if user_id is not None else f"login:{email_key(login)}")


def _hash_to_check(user: User | None, profile: IssuerProfile) -> str | None:
    """The stored hash ``profile``'s password is checked against, or None for no account.

    Thing+ clients send the hex MD5 of the password; it is checked against the Argon2id hash
    of that MD5, never against anything weaker.
    """
    if user is None or not user.is_active:
        return None
    return user.password_md5_hash if profile.password_sent_as == "md5" else user.password_hash


def check_login(session: Session, profile: IssuerProfile, login: str, password: str) -> User | None:
    """The active user ``login`` names if ``password`` is right for ``profile``."""
    user: User | None = session.scalar(_login_statement(login))
    stored = _hash_to_check(user, profile)
    # Without an account, spend the time of a wrong password: no telling which logins exist.
    right = verify_password(stored or DUMMY_HASH, password)
    return user if right and stored else None


async def verify_login(
    database: Database, profile: IssuerProfile, login: str, password: str
) -> User | None:
    """:func:`check_login` for the event loop: the account is read in a session of its own and
    the Argon2 hash (a tenth of a second of CPU) is checked on a thread."""
    async with database.session() as session:
        user: User | None = await session.scalar(_login_statement(login))
    stored = _hash_to_check(user, profile)
    right = await asyncio.to_thread(verify_password, stored or DUMMY_HASH, password)
    return user if right and stored else None
