"""smart-me face: meters and their OBIS-coded values, actions (switching), custom devices and
folders, behind Basic, card-token, API-key and OAuth2 authentication; simulated meters."""

from homecloud.apis.smartme.settings import SmartMeSettings
from homecloud.faces import Face, Link, Ref, TryIt, basic

FACE = Face(
    name="smartme",
    title="smart-me",
    build=Ref("homecloud.apis.smartme.app:build"),
    sign_in="/smartme/.well-known/openid-configuration",
    links=(Link("API", "/smartme/api/Devices"), Link("Swagger UI", "/smartme/swagger")),
    settings=SmartMeSettings,
    models="homecloud.apis.smartme.models",
    cli=Ref("homecloud.apis.smartme.cli:app"),
    demo=Ref("homecloud.apis.smartme.demo:seed_demo"),
    demo_grants=("authorization_code", "refresh_token", "client_credentials"),
    try_it=TryIt(
        api="/smartme/api/Devices",
        token="/smartme/api/oauth/token",
        authorize="/smartme/api/oauth/authorize",
        command=lambda demo: (
            f"curl -sS -u {basic(demo.email, demo.password)} {demo.base_url}/smartme/api/Devices"
        ),
        redirect_paths=("/smartme/swagger/oauth2-redirect",),
    ),
)
