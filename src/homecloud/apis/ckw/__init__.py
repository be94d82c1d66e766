"""CKW OpenEnergy face: the Keycloak realm ``CKW``, core data and 15-minute meter data for
apps (the user's JWT) and backends (app credentials), with simulated smart meters."""

from homecloud.apis.ckw.settings import CkwSettings
from homecloud.faces import Face, Link, Ref, TryIt, basic, curl_form, token_then_get

FACE = Face(
    name="ckw",
    title="CKW OpenEnergy",
    build=Ref("homecloud.apis.ckw.app:build"),
    sign_in="/ckw/auth/realms/CKW/.well-known/openid-configuration",
    links=(Link("API", "/ckw/api/v1/core-data"),),
    settings=CkwSettings,
    models="homecloud.apis.ckw.models",
    cli=Ref("homecloud.apis.ckw.cli:app"),
    demo=Ref("homecloud.apis.ckw.demo:seed_ckw"),
    # The demo client is also a backend's app credentials: client credentials bound to the
    # demo user.
    demo_grants=("authorization_code", "refresh_token", "client_credentials"),
    try_it=TryIt(
        api="/ckw/api/v1/core-data",
        token="/ckw/auth/realms/CKW/protocol/openid-connect/token",
        authorize="/ckw/auth/realms/CKW/protocol/openid-connect/auth",
        scope="openid profile email",
        redirect_paths=("/ckw/swagger/oauth2-redirect",),
        command=lambda demo: token_then_get(
            curl_form(
                demo.base_url + "/ckw/auth/realms/CKW/protocol/openid-connect/token",
                {"grant_type": "client_credentials"},
                user=basic(demo.client_id, demo.client_secret),
            ),
            demo.base_url + "/ckw/api/v1/core-data",
        ),
    ),
)
