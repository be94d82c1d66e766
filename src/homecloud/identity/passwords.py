"""Resource-owner password checks for the faces whose vendors document a password grant.

These run inside Authlib's synchronous grant code, on the request's greenlet-backed session.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from homecloud.core.models import User
from homecloud.core.passwords import verify_password
from homecloud.core.users import DUMMY_HASH, email_key
from homecloud.identity.profiles import IssuerProfile


def check_login(session: Session, profile: IssuerProfile, login: str, password: str) -> User | None:
    """The active user ``login`` names if ``password`` is right for ``profile``.

    Thing+ clients send the hex MD5 of the password; it is checked against the Argon2id hash
    of that MD5, never against anything weaker.
    """
    user = session.scalar(
        select(User).where(or_(User.email_key == email_key(login), User.username == login.strip()))
    )
    if user is None or not user.is_active:
        # Spend the same time as a wrong password, so responses do not tell which logins exist.
        verify_password(DUMMY_HASH, password)
        return None
    if profile.face == "thingplus":
        return (
            user
            if user.password_md5_hash and verify_password(user.password_md5_hash, password)
            else None
        )
    return user if verify_password(user.password_hash, password) else None
