"""Accounts: one per person, shared by every face (single sign-on)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from homecloud.core.models import User, now_ms
from homecloud.core.passwords import (
    hash_md5_of_password,
    hash_password,
    needs_rehash,
    verify_password,
)
from homecloud.core.statements import inserted

MIN_PASSWORD_LENGTH = 8
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_USERNAME = re.compile(r"^[A-Za-z0-9._-]{2,150}$")
# Verified against when the login names nobody, so that an unknown account costs as much time
# as a wrong password and cannot be told apart by timing.
DUMMY_HASH = hash_password("homecloud-timing-equaliser")


class UserError(ValueError):
    """A request about accounts that cannot be carried out; the message says why."""


def email_key(email: str) -> str:
    return email.strip().lower()


def _validate(email: str, password: str | None, username: str | None, timezone: str) -> None:
    if not _EMAIL.match(email.strip()):
        raise UserError(f"{email!r} is not an e-mail address")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if username is not None and not _USERNAME.match(username):
        raise UserError("a user name has 2 to 150 letters, digits, dots, dashes or underscores")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(f"{timezone!r} is not an IANA time zone") from None


async def create_user(
    session: AsyncSession,
    email: str,
    password: str,
    *,
    username: str | None = None,
    first_name: str = "",
    last_name: str = "",
    timezone: str = "UTC",
) -> User:
    _validate(email, password, username, timezone)
    key = email_key(email)
    # A login names an account by e-mail or user name, so no login may name two accounts.
    logins = {key, username} if username else {key}
    clash = await session.scalar(
        select(User.id).where(
            or_(User.email_key.in_({login.lower() for login in logins}), User.username.in_(logins))
        )
    )
    if clash is not None:
        raise UserError(f"an account for {email.strip()} or that user name exists already")
    return await inserted(
        session,
        User(
            email=email.strip(),
            email_key=key,
            username=username,
            password_hash=hash_password(password),
            password_md5_hash=hash_md5_of_password(password),
            first_name=first_name,
            last_name=last_name,
            timezone=timezone,
            preferences={},
        ),
    )


async def find_by_login(session: AsyncSession, login: str) -> User | None:
    """The account whose e-mail (any case) or user name is ``login``."""
    login = login.strip()
    return await session.scalar(
        select(User).where(or_(User.email_key == email_key(login), User.username == login))
    )


async def get_user(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def authenticate(session: AsyncSession, login: str, password: str) -> User | None:
    """The active account ``login`` names if ``password`` is its password, else None.

    An Argon2 check takes about 0.15 s of CPU; it runs in a worker thread (argon2-cffi
    releases the GIL) so that the event loop keeps serving other requests meanwhile.
    """
    user = await find_by_login(session, login)
    if user is None:
        await asyncio.to_thread(verify_password, DUMMY_HASH, password)
        return None
    if not user.is_active or not await asyncio.to_thread(
        verify_password, user.password_hash, password
    ):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if user.password_md5_hash is None:
        user.password_md5_hash = hash_md5_of_password(password)
    return user


async def set_password(session: AsyncSession, user: User, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    user.password_hash = hash_password(password)
    user.password_md5_hash = hash_md5_of_password(password)
    user.password_changed_at = now_ms()
    await session.flush()


async def remove_user(session: AsyncSession, user: User) -> None:
    """Deletes the account and, through the foreign keys, its devices and their series."""
    await session.delete(user)
    await session.flush()


async def list_users(session: AsyncSession) -> Sequence[User]:
    return (await session.scalars(select(User).order_by(User.id))).all()
