"""The device authorization grant (RFC 8628), for faces whose vendor offers it
(:class:`~homecloud.identity.profiles.DeviceFlow`).

A device without a browser (a wall display, a script) asks the device authorization endpoint
for a device code and a user code; the person opens the verification page on a phone, signs
in, types the user code and allows or denies the device (:mod:`homecloud.identity.device`);
meanwhile the device polls the token endpoint with its device code and gets
``authorization_pending``, ``slow_down`` (it polled sooner than its interval, which grows by
five seconds each time), ``access_denied``, ``expired_token``, or its tokens once.

The device code is stored as a hash; the user code is eight letters of RFC 8628's
vowel-free alphabet (20 to the 8th power of codes, and the page limits guesses). The first poll after
approval claims the authorization with one conditional update, so two polls at once cannot
both get tokens; every later poll with that code is ``invalid_grant``.
"""

from __future__ import annotations

from typing import Any, Final

from authlib.oauth2.rfc6749.errors import InvalidGrantError, UnauthorizedClientError
from authlib.oauth2.rfc8628 import (
    DEVICE_CODE_GRANT_TYPE,
    DeviceAuthorizationEndpoint,
    DeviceCodeGrant,
    DeviceCredentialMixin,
)
from sqlalchemy import select, update

from homecloud.core.models import now_ms
from homecloud.identity.models import DeviceAuthorization
from homecloud.identity.profiles import DeviceFlow
from homecloud.identity.secrets import digest
from homecloud.identity.server.grants import CLIENT_AUTH_METHODS, server_of, with_id_token
from homecloud.identity.server.records import UserRecord

DEVICE_CODE: Final = DEVICE_CODE_GRANT_TYPE
PENDING, APPROVED, DENIED, USED = "pending", "approved", "denied", "used"
# RFC 8628 §6.1: no vowels (no words), no digits (no 0/O, 1/I).
USER_CODE_LETTERS: Final = frozenset("BCDFGHJKLMNPQRSTVWXZ")
SLOW_DOWN_SECONDS: Final = 5


def user_code_key(typed: str) -> str | None:
    """The stored form (``WDJB-MJHT``) of a user code as a person types it: any case, with
    or without the dash or spaces; None for text that cannot be one."""
    letters = "".join(character for character in typed.upper() if character not in " -")
    if len(letters) != 8 or not set(letters) <= USER_CODE_LETTERS:
        return None
    return f"{letters[:4]}-{letters[4:]}"


def flow_of(endpoint_or_grant: Any) -> DeviceFlow:
    # Registered only for profiles with a device flow.
    return server_of(endpoint_or_grant).profile.device


class DeviceCredential(DeviceCredentialMixin):
    """A stored device authorization, as Authlib's grant reads it."""

    def __init__(self, row: DeviceAuthorization) -> None:
        self.row = row

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_scope(self) -> str:
        return self.row.scope

    def get_user_code(self) -> str:
        return self.row.user_code

    def is_expired(self) -> bool:
        return self.row.expires_at <= now_ms()


class DeviceEndpoint(DeviceAuthorizationEndpoint):
    """``POST {device_flow.authorization}``: a device code, a user code and where to type it."""

    CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def create_endpoint_response(self, request: Any) -> tuple[int, dict[str, Any], list[Any]]:
        client = self.authenticate_client(request)
        if not client.check_grant_type(DEVICE_CODE):
            raise UnauthorizedClientError(
                description="The client is not registered for the device code grant."
            )
        server = server_of(self)
        server.validate_requested_scope(request.payload.scope)
        flow = flow_of(self)
        device_code, user_code = self.generate_device_code(), self.free_user_code()
        verification_uri = self.get_verification_uri()
        server.session.add(
            DeviceAuthorization(
                device_code_hash=digest(device_code),
                user_code=user_code,
                face=server.profile.face,
                client_id=client.get_client_id(),
                scope=client.get_allowed_scope(request.payload.scope),
                status=PENDING,
                interval=flow.interval,
                expires_at=now_ms() + flow.lifetime * 1000,
            )
        )
        body = {
            "device_code": device_code,
            "user_code": user_code,
            "verification_uri": verification_uri,
            "verification_uri_complete": f"{verification_uri}?user_code={user_code}",
            "expires_in": flow.lifetime,
            "interval": flow.interval,
        }
        # The route sends it with no-store, as every token management answer.
        return 200, body, []

    def free_user_code(self) -> str:
        """A new user code no stored authorization has (codes are unique, and a clash among
        20⁸ codes, kept ten minutes, is rare but not impossible)."""
        session = server_of(self).session
        while True:
            code: str = self.generate_user_code()
            taken = session.scalar(
                select(DeviceAuthorization.id).where(DeviceAuthorization.user_code == code)
            )
            if taken is None:
                return code

    def get_verification_uri(self) -> str:
        return server_of(self).issuer + flow_of(self).verification


class DeviceGrant(DeviceCodeGrant):
    """``grant_type=urn:ietf:params:oauth:grant-type:device_code`` at the token endpoint."""

    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def query_device_credential(self, device_code: str) -> DeviceCredential:
        server = server_of(self)
        row = server.session.scalar(
            select(DeviceAuthorization).where(
                DeviceAuthorization.device_code_hash == digest(device_code),
                DeviceAuthorization.face == server.profile.face,
            )
        )
        if row is None:
            raise InvalidGrantError(description="The device code is not known.")
        if row.status == USED:
            raise InvalidGrantError(description="The device code was used already.")
        return DeviceCredential(row)

    def query_user_grant(self, user_code: str) -> tuple[UserRecord | None, bool] | None:
        row: DeviceAuthorization = self.request.credential.row
        if row.status == PENDING:
            return None
        # A person who was disabled since allowing the device no longer can.
        server = server_of(self)
        user = server.user(row.user_id) if row.status == APPROVED else None
        server.context.auth_time = row.auth_time or server.context.auth_time
        return user, user is not None

    def validate_device_credential(self, credential: DeviceCredential) -> UserRecord:
        # Authlib sets it only after this returns; query_user_grant reads it before.
        self.request.credential = credential
        user: UserRecord = super().validate_device_credential(credential)
        return user

    def should_slow_down(self, credential: DeviceCredential) -> bool:
        """Polled sooner than its interval: ``slow_down``, and five seconds more from now on
        (RFC 8628 §3.5). Every poll is remembered, the slow ones too."""
        row, now = credential.row, now_ms()
        too_soon = row.last_polled_at is not None and now - row.last_polled_at < row.interval * 1000
        if too_soon:
            row.interval += SLOW_DOWN_SECONDS
        row.last_polled_at = now
        return too_soon

    def create_token_response(self) -> tuple[int, dict[str, Any], list[Any]]:
        row: DeviceAuthorization = self.request.credential.row
        claimed: Any = server_of(self).session.execute(
            update(DeviceAuthorization)
            .where(DeviceAuthorization.id == row.id, DeviceAuthorization.status == APPROVED)
            .values(status=USED)
        )
        if claimed.rowcount != 1:
            raise InvalidGrantError(description="The device code was used already.")
        status, token, headers = super().create_token_response()
        # With openid, the person who allowed the device is named in an id_token too, as
        # IdentityServer answers a device flow.
        with_id_token(self, token)
        return status, token, headers
