"""The face's fixtures (``face``, ``make_user``, ``token_for``, ...) with receivers on this
machine allowed (the tests' receivers run on loopback) and delivery left to the tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from homecloud.apis.smartme.settings import SmartMeSettings
from homecloud.settings import Settings

from .helpers import KEY


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=None,
        port=8080,
        smartme=SmartMeSettings(
            simulation=False,
            webhook_delivery=False,
            webhook_allow_private=True,
            webhook_secret_key=KEY,
            webhook_max_registrations=5,
        ),
    )
