"""How the face is put together from settings: its rate limit, its simulation, host routing."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from homecloud.apis.nuheat.app import build
from homecloud.app import create_app
from homecloud.core.models import User, now_ms
from homecloud.identity.models import Grant
from homecloud.services import Services
from homecloud.settings import ConfigurationError, Settings, load_settings
from tests.apis.nuheat.conftest import UserMaker


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


async def test_a_client_with_the_vendors_host_name_reaches_the_api_at_the_root(
    settings: Settings, services: Services, make_user: UserMaker
) -> None:
    account = await make_user()
    mapped = settings.model_copy(update={"host_map": {"api.mynuheat.com": "nuheat"}})
    app = create_app(mapped, services)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://api.mynuheat.com"
    ) as vendor_client:
        response = await vendor_client.get("/api/v1/Thermostat", headers=account.auth)
    assert response.status_code == 200
    assert [t["serialNumber"] for t in response.json()] == account.serials


@pytest.mark.parametrize("how", ["token revoked", "account disabled"])
async def test_a_revoked_token_or_disabled_account_is_refused_on_the_next_call(
    face: httpx.AsyncClient, services: Services, make_user: UserMaker, how: str
) -> None:
    """By default every call checks its token anew (token_cache_seconds is 0)."""
    account = await make_user(thermostats=1)
    assert (await face.get("/nuheat/api/v1/Thermostat", headers=account.auth)).status_code == 200
    async with services.database.session(write=True) as session:
        if how == "token revoked":
            await session.execute(
                update(Grant).where(Grant.user_id == account.user_id).values(revoked_at=now_ms())
            )
        else:
            await session.execute(
                update(User).where(User.id == account.user_id).values(is_active=False)
            )
    refused = await face.get("/nuheat/api/v1/Thermostat", headers=account.auth)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith("Bearer")
