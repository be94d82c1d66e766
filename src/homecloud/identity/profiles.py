"""Issuer profiles: what differs between the faces' token services.

Everything vendor-specific about issuing tokens is data: each face's ``manifest.toml`` holds
its profile in an ``[issuer]`` table (paths, lifetimes, token format, scopes, which grants
exist), read into an :class:`IssuerProfile` as the face's ``issuer``; the grant logic in
:mod:`homecloud.identity.server` is shared.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar, Literal

from pydantic import ConfigDict, TypeAdapter

TokenFormat = Literal["jwt", "opaque"]


@dataclass(frozen=True)
class OidcLayout:
    """Where an OpenID Connect provider serves its endpoints, as paths below its issuer: the
    vendor's own layout (IdentityServer's ``/connect/token``, Keycloak's
    ``/protocol/openid-connect/token``), so its clients find them where they look."""

    __pydantic_config__: ClassVar[ConfigDict] = ConfigDict(extra="forbid")

    authorize: str
    token: str
    userinfo: str
    jwks: str
    revocation: str
    introspection: str
    end_session: str
    login: str
    consent: str
    logout: str


@dataclass(frozen=True)
class DeviceFlow:
    """The device authorization grant (RFC 8628), where the vendor offers it: the endpoint a
    device asks at and the page where the person types the code it shows, as paths below
    the issuer (IdentityServer's ``/connect/deviceauthorization`` and ``/device``)."""

    __pydantic_config__: ClassVar[ConfigDict] = ConfigDict(extra="forbid")

    authorization: str
    verification: str
    # Seconds a device code and its user code stay valid, and between two polls.
    lifetime: int = 600
    interval: int = 5


@dataclass(frozen=True)
class IssuerProfile:
    # An ``[issuer]`` table naming a key this class does not know is a mistake, not a note.
    __pydantic_config__: ClassVar[ConfigDict] = ConfigDict(extra="forbid")

    face: str
    title: str
    # Path of the issuer below the server root; discovery and JWKS hang off it.
    issuer_path: str
    token_format: TokenFormat
    access_token_lifetime: int
    # The scopes the issuer knows, in the order discovery lists them, each with what it lets
    # an application do, in words for the consent page.
    scopes: dict[str, str]
    # Scopes a client gets when it registers without naming any.
    default_client_scope: str
    # RS256 (shared, published keys) or HS256 (the face's own secret); none for opaque tokens.
    signing_alg: str = ""
    # None: the issuer gives no refresh tokens.
    refresh_token_lifetime: int | None = None
    # A refresh token is only issued when the granted scope holds this (IdentityServer's
    # offline_access); None means whenever the client may use the refresh_token grant.
    refresh_requires_scope: str | None = None
    # Lifetime of an access token by grant type, where a vendor differs by grant (Thing+).
    lifetime_by_grant: dict[str, int] = field(default_factory=dict)
    openid: bool = False
    # Audience of access tokens (IdentityServer puts the API resource name there).
    audience: tuple[str, ...] = ()
    code_lifetime: int = 600
    # Whether the token endpoint honours grant_type=password (only where the vendor documents it).
    password_grant: bool = False
    implicit_and_hybrid: bool = False
    # Access-token claim naming the user, and whether ids go out as strings.
    subject_claim: str = "sub"
    # A request that names no scope gets every scope the client is registered for (RFC 6749
    # §3.3's "pre-defined default"); otherwise it gets none. Thing+ clients never send a scope:
    # an authClient's scopes are chosen when it is registered.
    scope_defaults_to_client: bool = False
    # Scopes every token carries when its client is registered for them, asked for or not:
    # Keycloak's "default client scopes" (a request for ``openid`` alone gets profile and
    # email claims too, and the token's scope says so).
    default_scopes: tuple[str, ...] = ()
    # What a client sends as the password: the password itself, or its hex MD5 (Thing+),
    # checked against the Argon2id hash of that MD5, never anything weaker.
    password_sent_as: Literal["password", "md5"] = "password"
    # IdentityServer's ``profile`` identity resource carries the e-mail claims too (Nuheat).
    email_with_profile: bool = False
    # Refresh tokens as 40 hex digits, as the vendor's clients store them (MClimate), or
    # homecloud's URL-safe secrets.
    refresh_token_style: Literal["secret", "hex40"] = "secret"
    # Keycloak's shape: access-token claims (typ, azp, session_state, sid, the user's names)
    # and the older introspection name in discovery (CKW).
    keycloak: bool = False
    # The OpenID Connect provider's endpoints, where the face serves a whole provider (Nuheat's
    # IdentityServer, CKW's Keycloak realm) rather than a token endpoint of its own.
    endpoints: OidcLayout | None = None
    # The device authorization grant, where the vendor documents it (Nuheat, smart-me).
    device_flow: DeviceFlow | None = None

    @cached_property
    def scopes_supported(self) -> tuple[str, ...]:
        return tuple(self.scopes)

    @property
    def provider(self) -> OidcLayout:
        """Its OpenID Connect provider's endpoints; a profile without them serves none."""
        if self.endpoints is None:
            raise ValueError(f"the {self.face} issuer has no [issuer.endpoints] table")
        return self.endpoints

    @property
    def device(self) -> DeviceFlow:
        """Its device flow; a profile without one offers no device code grant."""
        if self.device_flow is None:
            raise ValueError(f"the {self.face} issuer has no [issuer.device_flow] table")
        return self.device_flow

    def describe(self, scope: str) -> str:
        """The scope in words; a scope the profile does not know is shown as it is."""
        return self.scopes.get(scope, scope)

    @classmethod
    def read(cls, face: str, table: dict[str, Any]) -> IssuerProfile:
        """The profile of ``face`` from its manifest's ``[issuer]`` table, checked (a wrong
        type or an unknown key fails at start-up, naming the key)."""
        return _PROFILE.validate_python({**table, "face": face})


_PROFILE = TypeAdapter(IssuerProfile)
