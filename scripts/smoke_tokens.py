"""Gets one token from each face's token endpoint with the demo credentials that
`homecloud serve --demo` printed, as a newcomer would. Used by scripts/smoke-install.

    python scripts/smoke_tokens.py BASE_URL BANNER_FILE PASSWORD

Runs in the throwaway venv of a plain `pip install .`: httpx is a runtime dependency. Nuheat
and CKW demo clients use the authorization-code grant, so for them this script plays the
person at the sign-in and consent pages. Exits 1 naming the first face that failed.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import sys
from html import unescape
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx

DEMO_USER = "demo@homecloud.local"
REDIRECT_URI = "http://127.0.0.1:8765/callback"
# face -> (authorize path, token path, scope) for the faces whose demo client signs in a person.
CODE_FLOW = {
    "nuheat": (
        "/nuheat/identity/connect/authorize",
        "/nuheat/identity/connect/token",
        "openid openapi",
    ),
    "ckw": (
        "/ckw/auth/realms/CKW/protocol/openid-connect/auth",
        "/ckw/auth/realms/CKW/protocol/openid-connect/token",
        "openid",
    ),
}


class SmokeFailure(Exception):
    pass


def field(html: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*value="([^"]*)"', html)
    return unescape(match.group(1)) if match else None


def form_action(html: str, page_url: str) -> str:
    match = re.search(r'<form[^>]*action="([^"]*)"', html)
    return urljoin(page_url, unescape(match.group(1))) if match else page_url


def demo_secrets(banner: str) -> dict[str, str]:
    """face -> client secret, from the banner's `demo-<face> / <secret>` entries."""
    return dict(re.findall(r"demo-([a-z]+)\s*/\s*([A-Za-z0-9_\-]+)", banner))


def code_flow(http: httpx.Client, face: str, secret: str, password: str) -> str:
    authorize, token_path, scope = CODE_FLOW[face]
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    state = secrets.token_urlsafe(8)
    url = str(
        http.build_request(
            "GET",
            authorize,
            params={
                "response_type": "code",
                "client_id": f"demo-{face}",
                "redirect_uri": REDIRECT_URI,
                "scope": scope,
                "state": state,
                "nonce": secrets.token_urlsafe(8),
                "code_challenge": challenge.rstrip(b"=").decode(),
                "code_challenge_method": "S256",
            },
        ).url
    )
    response = http.get(url)
    for _ in range(10):  # authorize -> sign-in -> authorize -> consent -> client
        if response.is_redirect:
            url = urljoin(url, response.headers["location"])
            if url.startswith(REDIRECT_URI):
                query = parse_qs(urlsplit(url).query)
                if query.get("state") != [state] or "code" not in query:
                    raise SmokeFailure(f"{face}: redirected back without a code: {url}")
                answer = http.post(
                    token_path,
                    data={
                        "grant_type": "authorization_code",
                        "code": query["code"][0],
                        "redirect_uri": REDIRECT_URI,
                        "code_verifier": verifier,
                    },
                    auth=(f"demo-{face}", secret),
                )
                return access_token(face, answer)
            response = http.get(url)
            continue
        page = response.text
        csrf = field(page, "__RequestVerificationToken")
        if response.status_code != 200 or csrf is None:
            raise SmokeFailure(f"{face}: unexpected page {response.status_code} at {url}")
        data = {"ReturnUrl": field(page, "ReturnUrl") or "", "__RequestVerificationToken": csrf}
        if 'name="Password"' in page:
            data |= {"Username": DEMO_USER, "Password": password, "button": "login"}
        else:  # the consent page
            data |= {"button": "yes"}
        response = http.post(form_action(page, url), data=data)
    raise SmokeFailure(f"{face}: the code flow did not come back to the client")


def access_token(face: str, response: httpx.Response) -> str:
    if response.status_code != 200:
        raise SmokeFailure(f"{face}: token endpoint said {response.status_code} {response.text}")
    body = response.json()
    token = body.get("access_token") or body.get("auth", {}).get("access_token")
    if not isinstance(token, str) or not token:
        raise SmokeFailure(f"{face}: no access token in {body}")
    return token


def smartme(http: httpx.Client, secret: str, password: str) -> str:
    answer = http.post(
        "/smartme/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=("demo-smartme", secret),
    )
    if answer.status_code == 200:
        return access_token("smartme", answer)
    # Not a "Device" app: the account's own Basic credentials are smart-me's other way in.
    user = http.get("/smartme/api/User", auth=(DEMO_USER, password))
    if user.status_code != 200:
        raise SmokeFailure(f"smartme: {answer.status_code} {answer.text}; Basic {user.text}")
    return "basic"


def main(base_url: str, banner: str, password: str) -> None:
    found = demo_secrets(banner)
    missing = {"nuheat", "mclimate", "thingplus", "ckw", "smartme"} - found.keys()
    if missing:
        raise SmokeFailure(f"no demo client printed for {', '.join(sorted(missing))}")
    with httpx.Client(base_url=base_url, timeout=30) as http:
        tokens = {face: code_flow(http, face, found[face], password) for face in CODE_FLOW}
        tokens["thingplus"] = access_token(
            "thingplus",
            http.post(
                "/thingplus/v2/oauth2/token",
                json={
                    "grant_type": "password",
                    "client_id": "demo-thingplus",
                    "client_secret": found["thingplus"],
                    "username": DEMO_USER,
                    "password": hashlib.md5(password.encode()).hexdigest(),
                },
            ),
        )
        tokens["mclimate"] = access_token(
            "mclimate",
            http.post(
                "/mclimate/v1/auth/login",
                json={
                    "client_id": "demo-mclimate",
                    "client_secret": found["mclimate"],
                    "username": DEMO_USER,
                    "password": password,
                },
            ),
        )
        tokens["smartme"] = smartme(http, found["smartme"], password)
    for face in sorted(tokens):
        print(f"smoke: {face}: token ok")


if __name__ == "__main__":
    try:
        main(sys.argv[1], open(sys.argv[2]).read(), sys.argv[3])  # noqa: SIM115
    except (SmokeFailure, httpx.HTTPError) as exc:
        sys.exit(f"smoke: {exc}")
