"""Schemathesis against the face's own OpenAPI documents (see tests/fuzzing.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from homecloud.apis.nuheat.settings import NuheatSettings
from tests.apis.nuheat.homecloud_server import running_homecloud
from tests.fuzzing import assert_clean, run_schemathesis

CONFIG = Path(__file__).with_name("schemathesis.toml")


@pytest.mark.parametrize("version", ["v1", "v2"])
async def test_every_check_passes_against_the_documents(tmp_path: Path, version: str) -> None:
    # The seed's rate limit would answer most generated calls with 429, untested.
    unlimited = NuheatSettings(simulation=False, rate_limit="100000/1s")
    async with running_homecloud(tmp_path / "data", unlimited) as homecloud:
        _, token = await homecloud.user_token("sam@example.com", ("1000001", "1000002"))
        code, report = await run_schemathesis(
            f"{homecloud.url}/nuheat/swagger/{version}/swagger.json",
            headers=[f"Authorization: Bearer {token}"],
            config=CONFIG,
            cwd=tmp_path,
        )
    assert_clean(code, report)
