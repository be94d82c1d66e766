"""MClimate / Melissa developer API face: OAuth2 sign-in, HAL controllers with live data,
commands that move simulated devices (Melissa AC, Bobbie, smart plug, Vicki), schedules,
thermostat modes, heating profiles and geofences."""

from homecloud.apis.mclimate.settings import MClimateSettings
from homecloud.faces import Face, Link, Ref, TryIt, curl_form, token_then_get

FACE = Face(
    name="mclimate",
    title="MClimate API",
    build=Ref("homecloud.apis.mclimate.app:build"),
    sign_in="/mclimate/v1/auth/login",
    links=(
        Link("API", "/mclimate/v1/controllers"),
        Link("Swagger UI", "/mclimate/swagger"),
    ),
    settings=MClimateSettings,
    models="homecloud.apis.mclimate.models",
    cli=Ref("homecloud.apis.mclimate.cli:app"),
    demo=Ref("homecloud.apis.mclimate.demo:seed_demo"),
    demo_grants=("password", "authorization_code", "refresh_token"),
    try_it=TryIt(
        api="/mclimate/v1/controllers",
        token="/mclimate/v1/token",
        authorize="/mclimate/auth/",
        command=lambda demo: token_then_get(
            curl_form(
                demo.base_url + "/mclimate/v1/auth/login",
                {
                    "username": demo.email,
                    "password": demo.password,
                    "client_id": demo.client_id,
                    "client_secret": demo.client_secret,
                },
            ),
            demo.base_url + "/mclimate/v1/controllers",
            token_path='["auth"]["access_token"]',
        ),
    ),
)
