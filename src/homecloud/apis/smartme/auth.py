"""Who calls a smart-me resource route.

smart-me accepts four kinds of credentials on every route, told apart by the scheme and the
user name of the ``Authorization`` header:

- ``Authorization: Bearer <token>``: an OAuth access token of the smart-me profile, with the
  scopes it was granted. A client-credentials token ("Device" app) acts for the account that
  owns the app.
- ``Authorization: ApiKey <key>``: a key the user made, with the scopes given to it.
- ``Authorization: Basic`` with ``cardaccesstoken_<CardId>`` and a card access token: reads and
  switches the account's devices and reads its profile (:data:`CARD_SCOPES`), nothing more.
- ``Authorization: Basic`` with the account's user name or e-mail and password: every scope.
  Failed attempts are counted per login name and refused for a while once too many have
  failed (:data:`FAILED_LOGINS`); passwords are never logged nor kept in clear.

Every route then sees a :class:`~homecloud.identity.provider.Principal` whose ``user_id`` is
the account (never None) and whose ``claims["auth"]`` names the scheme.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
import re
import secrets
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Annotated

from cachetools import TTLCache
from limits.aio.storage import Storage
from starlette.requests import Request

from homecloud.apis.smartme import ISSUER
from homecloud.core.database import Database
from homecloud.core.errors import ApiError
from homecloud.core.models import User
from homecloud.core.ratelimit import RateLimiter, RateLimitPolicy
from homecloud.core.users import authenticate, find_by_login
from homecloud.identity.clients import client_with_owner
from homecloud.identity.credentials import INT64_MAX, api_key_holder, card_token_holder
from homecloud.identity.guard import Guard
from homecloud.identity.passwords import throttle_subject
from homecloud.identity.provider import IdentityProvider, Principal, token_lacks_scope

FACE = ISSUER.face
ALL_SCOPES = frozenset(ISSUER.scopes_supported)
# A card (an NFC tag at a charging station, a badge) identifies its holder and lets them read
# and switch the account's devices; it cannot change devices or make further credentials.
CARD_SCOPES = frozenset({"user.read", "device.read", "device.readswitch"})
CARD_LOGIN = re.compile(r"^cardaccesstoken_([0-9]{1,19})$", re.IGNORECASE)
CARD_LOGIN_PREFIX = "cardaccesstoken_"
CHALLENGE = {"WWW-Authenticate": 'Basic realm="smart-me"'}

# Failed password logins per login name. Only failures count, so an integration that polls
# with the right password every second is never slowed down.
FAILED_LOGINS = RateLimitPolicy.parse("smartme-basic-failures", "10/1m, 100/1h")
# How long a checked password is remembered (as an HMAC under a key of this process) so that
# polling with Basic costs a database read instead of an Argon2 check on every call.
VERIFIED_SECONDS = 300
VERIFIED_MAX_ENTRIES = 10_000


def denied() -> ApiError:
    return ApiError(status=401, messages=["Invalid credentials."], headers=CHALLENGE)


class FailedLogins:
    """Counts failed password logins per login name in the rate limiter's storage (memory or
    Redis), in fixed windows; a login is refused while any window is full."""

    def __init__(self, rate_limiter: RateLimiter, policy: RateLimitPolicy = FAILED_LOGINS) -> None:
        self.storage: Storage = rate_limiter.storage
        self.policy = policy

    def counter(self, subject: str, seconds: int) -> str:
        return f"{self.policy.name}/{subject}/{seconds}"

    async def retry_after(self, subject: str) -> int:
        """Seconds until ``subject`` (see :func:`throttle_subject`) may be tried again; 0 when
        it may be tried now."""
        wait = 0.0
        for window in self.policy.windows:
            counter = self.counter(subject, window.seconds)
            if await self.storage.get(counter) >= window.amount:
                wait = max(wait, await self.storage.get_expiry(counter) - time.time(), 1)
        return math.ceil(wait)

    async def record(self, subject: str) -> None:
        for window in self.policy.windows:
            await self.storage.incr(self.counter(subject, window.seconds), window.seconds)


class VerifiedPasswords:
    """Passwords checked recently, remembered only as HMACs under a key that never leaves this
    process. The account's password hash is part of the message, so a password change or
    reset forgets the old entries at once."""

    def __init__(self) -> None:
        self.key = secrets.token_bytes(32)
        self.entries: TTLCache[bytes, bool] = TTLCache(
            maxsize=VERIFIED_MAX_ENTRIES, ttl=VERIFIED_SECONDS, timer=time.monotonic
        )

    def mac(self, user: User, password: str) -> bytes:
        message = f"{user.id}\x00{user.password_hash}\x00{password}".encode()
        return hmac.new(self.key, message, hashlib.sha256).digest()

    def known(self, user: User, password: str) -> bool:
        return self.mac(user, password) in self.entries

    def remember(self, user: User, password: str) -> None:
        self.entries[self.mac(user, password)] = True


class SmartMeAuth:
    def __init__(
        self,
        identity: IdentityProvider,
        database: Database,
        rate_limiter: RateLimiter,
        failed_logins: RateLimitPolicy = FAILED_LOGINS,
    ) -> None:
        self.identity = identity
        self.database = database
        self.failed_logins = FailedLogins(rate_limiter, failed_logins)
        self.verified = VerifiedPasswords()

    async def principal(self, request: Request) -> Principal:
        """The caller, if its credentials are valid (the guard checks their scopes).

        Raises :class:`ApiError` 401 (with a ``WWW-Authenticate`` challenge) for missing or
        wrong credentials and 429 for a login with too many recent failures.
        """
        scheme, _, credentials = request.headers.get("authorization", "").strip().partition(" ")
        scheme, credentials = scheme.lower(), credentials.strip()
        if scheme == "bearer":
            return await self.bearer(request, ())
        if scheme == "apikey" and credentials:
            return await self.api_key(credentials)
        if scheme == "basic" and credentials:
            login, password = basic_credentials(credentials)
            card = CARD_LOGIN.match(login)
            if card:
                return await self.card(int(card[1]), password)
            if login.lower().startswith(CARD_LOGIN_PREFIX):
                raise denied()
            return await self.password(login, password)
        raise denied()

    async def bearer(self, request: Request, scopes: tuple[str, ...]) -> Principal:
        principal = await self.identity.authenticate(ISSUER, request, scopes)
        user_id = principal.user_id
        if user_id is None:
            user_id = await self.app_owner(principal.client_id)
        return replace(principal, user_id=user_id, claims={**principal.claims, "auth": "bearer"})

    async def app_owner(self, client_id: str) -> int:
        """The account a client-credentials ("Device") app acts for: the one that owns it."""
        async with self.database.session() as session:
            _, owner = await client_with_owner(session, client_id, FACE)
        if owner is None:
            raise ApiError.of(
                403, "This application belongs to no account, so it can reach no data."
            )
        if not owner.is_active:
            raise denied()
        return owner.id

    async def api_key(self, key: str) -> Principal:
        async with self.database.session() as session:
            holder = await api_key_holder(session, FACE, key)
        if holder is None:
            raise denied()
        api_key, user = holder
        return Principal(
            FACE,
            user.id,
            f"apikey:{api_key.id}",
            frozenset(api_key.scope.split()),
            {"auth": "apikey", "api_key": api_key.name},
        )

    async def card(self, card_id: int, token: str) -> Principal:
        if card_id > INT64_MAX:
            raise denied()
        async with self.database.session() as session:
            holder = await card_token_holder(session, FACE, card_id, token)
        if holder is None:
            raise denied()
        return Principal(
            FACE, holder[1].id, f"card:{card_id}", CARD_SCOPES, {"auth": "card", "card_id": card_id}
        )

    async def password(self, login: str, password: str) -> Principal:
        # Counted per account, so padding or the user-name alias is no fresh counter.
        subject = await throttle_subject(self.database, login)
        wait = await self.failed_logins.retry_after(subject)
        if wait:
            raise ApiError(
                status=429,
                messages=[f"Too many failed sign-ins for this user. Try again in {wait} seconds."],
                headers={"Retry-After": str(wait)},
            )
        async with self.database.session() as session:
            user = await find_by_login(session, login)
            if user is None or not user.is_active or not self.verified.known(user, password):
                user = await authenticate(session, login, password)
        if user is None:
            await self.failed_logins.record(subject)
            raise denied()
        self.verified.remember(user, password)
        return Principal(FACE, user.id, "basic", ALL_SCOPES, {"auth": "basic"})


def basic_credentials(encoded: str) -> tuple[str, str]:
    """User name and password of a Basic header (RFC 7617: UTF-8, else ISO-8859-1)."""
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise denied() from None
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    login, colon, password = text.partition(":")
    if not colon or not login:
        raise denied()
    return login, password


async def caller_of(request: Request) -> Principal:
    """The caller of a smart-me route, whichever of the schemes above it uses."""
    auth: SmartMeAuth = request.app.state.smartme_auth
    return await auth.principal(request)


def scope_refusal(caller: Principal, wanted: Sequence[str], any_of: bool) -> ApiError:
    """smart-me's wording of the guard's 403; an OAuth access token gets RFC 6750's."""
    if caller.claims.get("auth") == "bearer" and not any_of:
        return token_lacks_scope(wanted)
    names = " ".join(wanted)
    text = (
        f"These credentials grant none of the permissions {names}."
        if any_of
        else f"These credentials do not grant the permission {names}."
    )
    return ApiError.of(403, text, code="insufficient_scope")


guard = Guard(caller_of, refuse_scope=scope_refusal)

# What each resource route asks of its caller. Reading a meter takes any device scope
# (readwrite and readswitch both include reading); switching takes readswitch or readwrite;
# making or changing a meter takes readwrite. A card token has read and readswitch.
DEVICE_READ = ("device.read", "device.readwrite", "device.readswitch")
DEVICE_SWITCH = ("device.readswitch", "device.readwrite")
DeviceReader = Annotated[Principal, guard.requires(*DEVICE_READ, any_of=True)]
DeviceSwitcher = Annotated[Principal, guard.requires(*DEVICE_SWITCH, any_of=True)]
DeviceWriter = Annotated[Principal, guard.requires("device.readwrite")]
UserReader = Annotated[Principal, guard.requires("user.read")]
# A card token can do what CARD_SCOPES allow, so making one needs them all.
CardMaker = Annotated[Principal, guard.requires(*sorted(CARD_SCOPES))]
