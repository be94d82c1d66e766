"""CKW OpenEnergy face: the Keycloak realm ``CKW``, core data and 15-minute meter data for
apps (the user's JWT) and backends (app credentials), with simulated smart meters."""

from homecloud.apis.ckw.settings import CkwSettings
from homecloud.faces import DemoAccess, basic, curl_form, face_from_manifest, token_then_get


def _backend_token_then_get(demo: DemoAccess, api_url: str) -> str:
    # A backend's app credentials: the demo client's client-credentials grant.
    token_url = demo.base_url + FACE.try_it.token
    credentials = basic(demo.client_id, demo.client_secret)
    token_request = curl_form(token_url, {"grant_type": "client_credentials"}, credentials)
    return token_then_get(token_request, api_url)


FACE = face_from_manifest(__name__, settings=CkwSettings, try_it_command=_backend_token_then_get)
# How its token service issues tokens (the manifest's ``[issuer]`` table).
ISSUER = FACE.issuer
