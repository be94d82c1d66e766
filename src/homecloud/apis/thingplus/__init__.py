"""Thing+ v2 face: its OAuth2 service, sites, the gateway-model catalogue, gateways with their
devices and sensors, status, and time-series ingestion and queries."""

import hashlib

from homecloud.apis.thingplus.settings import ThingplusSettings
from homecloud.faces import Face, Link, Ref, TryIt, basic, curl_form, token_then_get

FACE = Face(
    name="thingplus",
    title="Thing+",
    build=Ref("homecloud.apis.thingplus.app:build"),
    sign_in="/thingplus/v2/oauth2/token",
    links=(
        Link("API", "/thingplus/v2/gateways"),
        Link("Swagger UI", "/thingplus/swagger"),
    ),
    settings=ThingplusSettings,
    models="homecloud.apis.thingplus.models",
    simulate=Ref("homecloud.apis.thingplus.cli:simulate_thingplus"),
    demo=Ref("homecloud.apis.thingplus.demo:seed_thingplus"),
    demo_grants=("password", "authorization_code"),
    try_it=TryIt(
        api="/thingplus/v2/gateways",
        token="/thingplus/v2/oauth2/token",
        authorize="/thingplus/v2/oauth2/authorize",
        redirect_paths=("/thingplus/swagger/oauth2-redirect",),
        # Thing+'s password grant takes the hex MD5 of the password.
        command=lambda demo: token_then_get(
            curl_form(
                demo.base_url + "/thingplus/v2/oauth2/token",
                {
                    "grant_type": "password",
                    "username": demo.username,
                    "password": hashlib.md5(demo.password.encode()).hexdigest(),
                },
                user=basic(demo.client_id, demo.client_secret),
            ),
            demo.base_url + "/thingplus/v2/gateways",
        ),
    ),
)
