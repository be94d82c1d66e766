"""Keycloak's per-client "PKCE optional": a public client registered with it may exchange a
code without a verifier; every other public client still must use PKCE (RFC 9700), and a code
issued with a challenge still needs its verifier. On both databases (the flag is a column)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from typer.testing import CliRunner

from homecloud.cli.main import app as cli_app
from homecloud.core.users import create_user
from homecloud.identity.clients import ClientError, register_client
from homecloud.services import Services
from tests.identity import test_both_databases
from tests.identity.person import pkce_pair, sign_in

# The app on both databases, as the token service's own both-database tests have it.
http_on = test_both_databases.http_on

REDIRECT = "https://app.example/cb"
REALM = "/ckw/auth/realms/CKW/protocol/openid-connect"


@pytest.fixture
async def ann(http_on: tuple[httpx.AsyncClient, Services]) -> None:
    async with http_on[1].database.session(write=True) as session:
        await create_user(session, "ann@example.com", "password-1", username="ann")


async def public_client(services: Services, *, pkce_optional: bool) -> str:
    async with services.database.session(write=True) as session:
        issued = await register_client(
            session,
            face="ckw",
            name="Phone app",
            redirect_uris=[REDIRECT],
            scope="openid profile email offline_access",
            public=True,
            pkce_optional=pkce_optional,
            require_consent=False,
        )
    return issued.client.client_id


async def authorize(http: httpx.AsyncClient, client_id: str, **extra: str) -> dict[str, str]:
    """Signs ann in; the parameters the server sends back to the client."""
    query = {
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "openid",
        "state": "st",
        **extra,
    }
    http.cookies.clear()
    signed_in = await sign_in(http, f"{REALM}/auth?{urlencode(query)}", "ann", "password-1")
    assert signed_in.status_code == 302, signed_in.text
    answer = await http.get(signed_in.headers["location"])
    assert answer.status_code == 302, answer.text
    return {
        key: values[0]
        for key, values in parse_qs(urlsplit(answer.headers["location"]).query).items()
    }


async def exchange(
    http: httpx.AsyncClient, client_id: str, code: str, **extra: str
) -> httpx.Response:
    # The seed's request: code, grant_type, `client` (not client_id), redirect_uri.
    data = {
        "code": code,
        "grant_type": "authorization_code",
        "client": client_id,
        "redirect_uri": REDIRECT,
        **extra,
    }
    return await http.post(f"{REALM}/token", data=data)


async def test_a_pkce_optional_client_exchanges_a_code_without_a_verifier(
    http_on: tuple[httpx.AsyncClient, Services], ann: None
) -> None:
    http, services = http_on
    client_id = await public_client(services, pkce_optional=True)
    params = await authorize(http, client_id)
    assert "code" in params, params
    response = await exchange(http, client_id, params["code"])
    assert response.status_code == 200, response.text
    assert response.json()["access_token"]
    # PKCE still works for it, and a code issued with a challenge still needs its verifier.
    verifier, challenge = pkce_pair()
    with_pkce = await authorize(
        http, client_id, code_challenge=challenge, code_challenge_method="S256"
    )
    missing = await exchange(http, client_id, with_pkce["code"])
    assert missing.status_code == 400
    assert missing.json()["error"] == "invalid_request"
    with_pkce = await authorize(
        http, client_id, code_challenge=challenge, code_challenge_method="S256"
    )
    assert (
        await exchange(http, client_id, with_pkce["code"], code_verifier=verifier)
    ).status_code == 200
    # A verifier for a code issued without a challenge is refused (RFC 9700 §4.8.2).
    plain = await authorize(http, client_id)
    stray = await exchange(http, client_id, plain["code"], code_verifier=verifier)
    assert stray.status_code == 400


async def test_other_public_clients_still_must_use_pkce(
    http_on: tuple[httpx.AsyncClient, Services], ann: None
) -> None:
    http, services = http_on
    client_id = await public_client(services, pkce_optional=False)
    query = {
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "openid",
        "state": "st",
    }
    # Refused before anyone signs in: the error goes straight back to the client.
    answer = await http.get(f"{REALM}/auth?{urlencode(query)}")
    assert answer.status_code == 302
    params = parse_qs(urlsplit(answer.headers["location"]).query)
    assert params["error"] == ["invalid_request"]
    assert "code" not in params


async def confidential_with_the_setting() -> None:
    await register_client(
        None,  # type: ignore[arg-type]  # refused before the session is used
        face="ckw",
        name="Backend",
        redirect_uris=[REDIRECT],
        pkce_optional=True,
    )


def test_only_public_clients_take_the_setting() -> None:
    with pytest.raises(ClientError, match="public"):
        asyncio.run(confidential_with_the_setting())


def test_the_cli_registers_a_pkce_optional_public_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("HOMECLOUD_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOMECLOUD_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    result = runner.invoke(
        cli_app,
        [
            "client",
            "add",
            "--face",
            "ckw",
            "--name",
            "Legacy app",
            "--public",
            "--pkce-optional",
            "--redirect-uri",
            REDIRECT,
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output + result.stderr
    assert '"pkce_optional": true' in result.stdout
    refused = runner.invoke(
        cli_app,
        [
            "client",
            "add",
            "--face",
            "ckw",
            "--name",
            "Backend",
            "--pkce-optional",
            "--redirect-uri",
            REDIRECT,
        ],
    )
    assert refused.exit_code == 2
    assert "public" in refused.stderr
