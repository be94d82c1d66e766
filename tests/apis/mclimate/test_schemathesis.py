"""Schemathesis against the face's OpenAPI document, every check on: whatever a
schema-driven client sends gets no 5xx, and every answer conforms to the document. Served
on a real socket, with a user owning one controller of each type."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import httpx

from homecloud.apis.mclimate.provision import add_controller
from homecloud.apis.mclimate.settings import MClimateSettings
from tests.apis.mclimate.conftest import PASSWORD, PUBLIC_PAIR
from tests.serving import running_homecloud

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
# Enough to reach every operation's corners with a fixed seed, few enough for two cores.
MAX_EXAMPLES = 25
CONFIG = Path(__file__).with_name("schemathesis.toml")
UNLIMITED = "1000000/1m"


async def test_every_check_passes_against_the_document(tmp_path: Path) -> None:
    # The default per-token limit would answer most generated calls with 429, untested.
    mclimate = MClimateSettings(
        simulation=False, client_rate_limit=UNLIMITED, token_rate_limit=UNLIMITED
    )
    async with running_homecloud(tmp_path / "data", mclimate=mclimate) as homecloud:
        user_id = await homecloud.add_user("sam@example.com")
        async with homecloud.services.database.session(write=True) as session:
            for kind in ("melissa", "bobbie", "smart_plug", "vicki"):
                await add_controller(session, user_id, kind, f"{kind.upper()}1")
        async with httpx.AsyncClient(base_url=homecloud.url) as http:
            login = await http.post(
                "/mclimate/v1/auth/login",
                data={**PUBLIC_PAIR, "username": "sam@example.com", "password": PASSWORD},
            )
            swagger = await http.get("/mclimate/swagger")
        assert swagger.status_code == 200
        assert "swagger-ui-bundle.js" in swagger.text
        token = login.json()["auth"]["access_token"]
        run = await asyncio.create_subprocess_exec(
            *(str(SCHEMATHESIS), "--config-file", str(CONFIG)),
            *("run", f"{homecloud.url}/mclimate/swagger/v1/swagger.json"),
            *("--checks", "all", "--max-examples", str(MAX_EXAMPLES), "--seed", "12"),
            *("--header", f"Authorization: Bearer {token}", "--no-color"),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            cwd=tmp_path,
        )
        output, _ = await run.communicate()
    report = output.decode()
    assert run.returncode == 0, report
    summary = report.rsplit("Test cases:", 1)[-1]
    assert " generated, " in summary, report
    assert "failure" not in summary, report
    assert "Rate limited" not in report, report
