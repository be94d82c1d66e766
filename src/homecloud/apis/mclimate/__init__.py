"""MClimate / Melissa developer API face: its OAuth2 sign-in; controllers arrive with their
issue."""

from homecloud.faces import Face, Ref, TryIt, curl_form, token_then_get

FACE = Face(
    name="mclimate",
    title="MClimate API",
    build=Ref("homecloud.apis.mclimate.app:build"),
    sign_in="/mclimate/v1/auth/login",
    demo_grants=("password", "authorization_code", "refresh_token"),
    try_it=TryIt(
        api="/mclimate/v1/users/me",
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
            demo.base_url + "/mclimate/v1/users/me",
            token_path='["auth"]["access_token"]',
        ),
    ),
)
