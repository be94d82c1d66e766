"""Thing+ v2 face: its OAuth2 service, sites, the gateway-model catalogue, gateways with their
devices and sensors, status, and time-series ingestion and queries."""

import hashlib

from homecloud.apis.thingplus.settings import ThingplusSettings
from homecloud.faces import DemoAccess, basic, curl_form, face_from_manifest, token_then_get


def _password_grant_then_get(demo: DemoAccess, api_url: str) -> str:
    # Thing+'s password grant takes the hex MD5 of the password.
    fields = {
        "grant_type": "password",
        "username": demo.username,
        "password": hashlib.md5(demo.password.encode()).hexdigest(),
    }
    client = basic(demo.client_id, demo.client_secret)
    token_request = curl_form(demo.base_url + "/thingplus/v2/oauth2/token", fields, client)
    return token_then_get(token_request, api_url)


FACE = face_from_manifest(
    __name__, settings=ThingplusSettings, try_it_command=_password_grant_then_get
)
# How its token service issues tokens (the manifest's ``[issuer]`` table).
ISSUER = FACE.issuer
