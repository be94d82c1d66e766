"""Nuheat OpenAPI face: IdentityServer sign-in, thermostats, groups, schedules, energy log,
SignalR change notifications and the thermostats' simulation."""

from homecloud.apis.nuheat.settings import NuheatSettings
from homecloud.faces import Face, Link, Ref, TryIt

FACE = Face(
    name="nuheat",
    title="Nuheat OpenAPI",
    build=Ref("homecloud.apis.nuheat.app:build"),
    sign_in="/nuheat/identity/.well-known/openid-configuration",
    links=(
        Link("API", "/nuheat/api/v1/Thermostat"),
        Link("Swagger UI", "/nuheat/swagger"),
        Link("SignalR hub", "/nuheat/notificationsHost"),
        Link("settings page", "/nuheat/console/settings"),
    ),
    settings=NuheatSettings,
    models="homecloud.apis.nuheat.models",
    cli=Ref("homecloud.apis.nuheat.cli:app"),
    demo=Ref("homecloud.apis.nuheat.demo:seed_demo"),
    demo_grants=("authorization_code", "refresh_token"),
    try_it=TryIt(
        api="/nuheat/api/v1/Thermostat",
        token="/nuheat/identity/connect/token",
        authorize="/nuheat/identity/connect/authorize",
        scope="openid profile openapi offline_access",
        redirect_paths=("/nuheat/swagger/oauth2-redirect",),
    ),
)
