"""Thing+ v2 face: its OAuth2 service, sites, the gateway-model catalogue, gateways with their
devices and sensors, status, and time-series ingestion and queries."""

from homecloud.apis.thingplus.settings import ThingplusSettings
from homecloud.faces import Face, Link, Ref

FACE = Face(
    name="thingplus",
    title="Thing+",
    build=Ref("homecloud.apis.thingplus.app:build"),
    sign_in="/thingplus/v2/oauth2/token",
    links=(Link("API", "/thingplus/v2/gateways"),),
    settings=ThingplusSettings,
    models="homecloud.apis.thingplus.models",
    simulate=Ref("homecloud.apis.thingplus.cli:simulate_thingplus"),
    demo=Ref("homecloud.apis.thingplus.demo:seed_thingplus"),
    demo_grants=("password", "authorization_code"),
)
