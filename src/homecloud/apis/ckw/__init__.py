"""CKW OpenEnergy face: the Keycloak realm ``CKW``; meter data arrives with its issue."""

from homecloud.faces import Face, Ref, TryIt

FACE = Face(
    name="ckw",
    title="CKW OpenEnergy",
    build=Ref("homecloud.apis.ckw.app:build"),
    sign_in="/ckw/auth/realms/CKW/.well-known/openid-configuration",
    demo_grants=("authorization_code", "refresh_token"),
    try_it=TryIt(
        api="/ckw/auth/realms/CKW/protocol/openid-connect/userinfo",
        token="/ckw/auth/realms/CKW/protocol/openid-connect/token",
        authorize="/ckw/auth/realms/CKW/protocol/openid-connect/auth",
        scope="openid profile email",
    ),
)
