"""MClimate / Melissa developer API face: OAuth2 sign-in, HAL controllers with live data,
commands that move simulated devices (Melissa AC, Bobbie, smart plug, Vicki), schedules,
thermostat modes, heating profiles and geofences."""

from homecloud.apis.mclimate.settings import MClimateSettings
from homecloud.faces import DemoAccess, curl_form, face_from_manifest, token_then_get


def _login_then_get(demo: DemoAccess, api_url: str) -> str:
    # The vendor's login takes the client's credentials in the form and answers in an
    # ``auth`` envelope.
    fields = {
        "username": demo.email,
        "password": demo.password,
        "client_id": demo.client_id,
        "client_secret": demo.client_secret,
    }
    login = curl_form(demo.base_url + "/mclimate/v1/auth/login", fields)
    return token_then_get(login, api_url, token_path='["auth"]["access_token"]')


FACE = face_from_manifest(__name__, settings=MClimateSettings, try_it_command=_login_then_get)
# How its token service issues tokens (the manifest's ``[issuer]`` table).
ISSUER = FACE.issuer
