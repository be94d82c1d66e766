"""smart-me face: Basic, API-key, card-token and OAuth2 authentication; meters arrive with
their issue."""

from homecloud.faces import Face, Ref, TryIt, basic

FACE = Face(
    name="smartme",
    title="smart-me",
    build=Ref("homecloud.apis.smartme.app:build"),
    sign_in="/smartme/.well-known/openid-configuration",
    demo_grants=("authorization_code", "refresh_token", "client_credentials"),
    try_it=TryIt(
        api="/smartme/api/User",
        token="/smartme/api/oauth/token",
        authorize="/smartme/api/oauth/authorize",
        command=lambda demo: (
            f"curl -sS -u {basic(demo.email, demo.password)} {demo.base_url}/smartme/api/User"
        ),
    ),
)
