"""smart-me face: meters and their OBIS-coded values, actions (switching), custom devices and
folders, behind Basic, card-token, API-key and OAuth2 authentication; simulated meters."""

from homecloud.apis.smartme.settings import SmartMeSettings
from homecloud.faces import DemoAccess, basic, face_from_manifest


def _basic_get(demo: DemoAccess, api_url: str) -> str:
    # smart-me takes the account's own e-mail and password as Basic credentials.
    return f"curl -sS -u {basic(demo.email, demo.password)} {api_url}"


FACE = face_from_manifest(__name__, settings=SmartMeSettings, try_it_command=_basic_get)
# How its token service issues tokens (the manifest's ``[issuer]`` table).
ISSUER = FACE.issuer
