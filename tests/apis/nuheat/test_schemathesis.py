"""Schemathesis against the face's own OpenAPI documents, every check on: whatever a
schema-driven client sends gets no 5xx, and every answer conforms to the documents."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from homecloud.apis.nuheat.settings import NuheatSettings
from tests.apis.nuheat.homecloud_server import running_homecloud

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
# Enough to reach every operation's corners with a fixed seed, few enough for two cores.
MAX_EXAMPLES = 25
CONFIG = Path(__file__).with_name("schemathesis.toml")


@pytest.mark.parametrize("version", ["v1", "v2"])
async def test_every_check_passes_against_the_documents(tmp_path: Path, version: str) -> None:
    # The seed's rate limit would answer most generated calls with 429, untested.
    unlimited = NuheatSettings(simulation=False, rate_limit="100000/1s")
    async with running_homecloud(tmp_path / "data", unlimited) as homecloud:
        _, token = await homecloud.user_token("sam@example.com", ("1000001", "1000002"))
        run = await asyncio.create_subprocess_exec(
            *(str(SCHEMATHESIS), "--config-file", str(CONFIG)),
            *("run", f"{homecloud.url}/nuheat/swagger/{version}/swagger.json"),
            *("--checks", "all", "--max-examples", str(MAX_EXAMPLES), "--seed", "10"),
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
