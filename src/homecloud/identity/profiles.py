"""Issuer profiles: what differs between the faces' token services.

Everything vendor-specific about issuing tokens is data here (paths, lifetimes, token format,
scopes, which grants exist); the grant logic in :mod:`homecloud.identity.server` is shared.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

TokenFormat = Literal["jwt", "opaque"]

DAY = 86400


@dataclass(frozen=True)
class IssuerProfile:
    face: str
    title: str
    # Path of the issuer below the server root; discovery and JWKS hang off it.
    issuer_path: str
    token_format: TokenFormat
    signing_alg: str  # RS256 (shared, published keys) or HS256 (the face's own secret)
    access_token_lifetime: int
    refresh_token_lifetime: int | None
    scopes_supported: tuple[str, ...]
    # What each scope lets an application do, in words for the consent page (every scope of
    # scopes_supported has one).
    scope_descriptions: dict[str, str]
    # Scopes a client gets when it registers without naming any.
    default_client_scope: str
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

    def describe(self, scope: str) -> str:
        """The scope in words; a scope the profile does not know is shown as it is."""
        return self.scope_descriptions.get(scope, scope)


_OPENID_SCOPES = {
    "openid": "Know who you are (your account's identifier)",
    "profile": "See your name and user name",
    "email": "See your e-mail address",
    "offline_access": "Keep access while you are not signed in",
}


NUHEAT = IssuerProfile(
    face="nuheat",
    title="Nuheat",
    issuer_path="/nuheat/identity",
    token_format="jwt",
    signing_alg="RS256",
    access_token_lifetime=3600,
    refresh_token_lifetime=15 * DAY,
    scopes_supported=("openid", "profile", "openapi", "offline_access"),
    scope_descriptions={
        **{scope: text for scope, text in _OPENID_SCOPES.items() if scope != "email"},
        "openapi": "See and control your thermostats, groups, schedules and energy log",
    },
    default_client_scope="openid profile openapi offline_access",
    refresh_requires_scope="offline_access",
    openid=True,
    audience=("openapi",),
    implicit_and_hybrid=True,
    email_with_profile=True,
)

CKW = IssuerProfile(
    face="ckw",
    title="CKW",
    issuer_path="/ckw/auth/realms/CKW",
    token_format="jwt",
    signing_alg="RS256",
    access_token_lifetime=300,
    refresh_token_lifetime=1800,
    scopes_supported=("openid", "profile", "email", "offline_access"),
    scope_descriptions=_OPENID_SCOPES,
    default_client_scope="openid profile email offline_access",
    openid=True,
    audience=("account",),
    default_scopes=("profile", "email"),
    keycloak=True,
)

MCLIMATE = IssuerProfile(
    face="mclimate",
    title="MClimate",
    issuer_path="/mclimate",
    token_format="opaque",
    signing_alg="",
    access_token_lifetime=DAY,
    # The vendor is silent; 14 days is the default of bshaffer's oauth2-server-php, the stack
    # its responses point to. /v1/auth/renew does not rotate (the vendor documents that the
    # old refresh token stays valid), so the lifetime bounds a leaked one.
    refresh_token_lifetime=14 * DAY,
    scopes_supported=("basic", "trusted"),
    scope_descriptions={
        "basic": "See and control your air conditioners and other devices",
        "trusted": "Act on your account as a trusted application",
    },
    default_client_scope="",
    password_grant=True,
    refresh_token_style="hex40",
)

THINGPLUS = IssuerProfile(
    face="thingplus",
    title="Thing+",
    issuer_path="/thingplus",
    token_format="jwt",
    signing_alg="HS256",
    access_token_lifetime=90 * DAY,
    refresh_token_lifetime=None,
    scopes_supported=(
        "user-profile",
        "user-profile-read",
        "gateway",
        "gateway-read",
        "gateway-update",
        "gateway-management",
        "actuator-command",
        "timeline-read",
        "tag",
        "tag-read",
        "rule",
        "rule-read",
        "service-read",
        "site-read",
        "billing-read",
    ),
    scope_descriptions={
        "user-profile": "See and change your profile",
        "user-profile-read": "See your profile",
        "gateway": "See, add, change and remove your gateways, devices and sensors",
        "gateway-read": "See your gateways, devices and sensors",
        "gateway-update": "Change your gateways and send their sensor data",
        "gateway-management": "Register, move and remove gateways",
        "actuator-command": "Send commands to your actuators",
        "timeline-read": "See your timeline",
        "tag": "See and change your tags",
        "tag-read": "See your tags",
        "rule": "See and change your rules",
        "rule-read": "See your rules",
        "service-read": "See your services",
        "site-read": "See your sites",
        "billing-read": "See your plan and billing",
    },
    default_client_scope="user-profile-read gateway-update timeline-read tag rule-read service-read",
    lifetime_by_grant={"password": 90 * DAY, "authorization_code": 15 * DAY},
    password_grant=True,
    subject_claim="userId",
    scope_defaults_to_client=True,
    password_sent_as="md5",
)

SMARTME = IssuerProfile(
    face="smartme",
    title="smart-me",
    issuer_path="/smartme",
    token_format="opaque",
    signing_alg="",
    access_token_lifetime=3600,
    refresh_token_lifetime=30 * DAY,
    scopes_supported=("user.read", "device.read", "device.readwrite", "device.readswitch"),
    scope_descriptions={
        "user.read": "See your account details",
        "device.read": "See your meters and their values",
        "device.readwrite": "See and change your meters and send them actions",
        "device.readswitch": "See your meters and switch them on and off",
    },
    default_client_scope="user.read device.read",
    # smart-me asks for an app's permissions when it is created in the portal.
    scope_defaults_to_client=True,
)

PROFILES: dict[str, IssuerProfile] = {
    profile.face: profile for profile in (NUHEAT, CKW, MCLIMATE, THINGPLUS, SMARTME)
}
