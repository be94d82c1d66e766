"""MClimate / Melissa developer API face: its OAuth2 sign-in; controllers arrive with their
issue."""

from homecloud.faces import Face, Ref

FACE = Face(
    name="mclimate",
    title="MClimate API",
    build=Ref("homecloud.apis.mclimate.app:build"),
    sign_in="/mclimate/v1/auth/login",
    demo_grants=("password", "authorization_code", "refresh_token"),
)
