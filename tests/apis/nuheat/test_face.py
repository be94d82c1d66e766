"""How the face is put together from settings: its rate limit, its simulation, host routing."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from homecloud.apis.nuheat import build
from homecloud.app import create_app
from homecloud.services import Services
from homecloud.settings import ConfigurationError, Settings, load_settings
from tests.apis.nuheat.conftest import MakeAccount


def test_a_malformed_rate_limit_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOMECLOUD_NUHEAT__RATE_LIMIT", "lots")
    with pytest.raises(ConfigurationError, match="HOMECLOUD_NUHEAT__RATE_LIMIT"):
        load_settings(data_dir=tmp_path)


def test_the_seeds_limits_are_the_default(tmp_path: Path) -> None:
    assert Settings(data_dir=tmp_path).nuheat.rate_limit == "50/1s, 750/30m, 20000/12h, 250000/7d"


@pytest.mark.parametrize(("simulation", "tasks"), [(True, 1), (False, 0)])
def test_the_simulation_runs_in_the_background_unless_switched_off(
    tmp_path: Path, simulation: bool, tasks: int
) -> None:
    settings = Settings(data_dir=tmp_path, nuheat={"simulation": simulation})
    face = build(Services.from_settings(settings))
    assert len(face.background) == tasks
    assert face.links["swagger"] == "/nuheat/swagger"


async def test_a_client_with_the_vendors_host_name_reaches_the_api_at_the_root(
    settings: Settings, services: Services, make_account: MakeAccount
) -> None:
    account = await make_account()
    mapped = settings.model_copy(update={"host_map": {"api.mynuheat.com": "nuheat"}})
    app = create_app(mapped, services)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://api.mynuheat.com"
    ) as vendor_client:
        response = await vendor_client.get("/api/v1/Thermostat", headers=account.auth)
    assert response.status_code == 200
    assert [t["serialNumber"] for t in response.json()] == account.serials
