from __future__ import annotations

from pathlib import Path

import pytest

from homecloud.settings import ConfigurationError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "HOMECLOUD_CONFIG",
        "HOMECLOUD_DATABASE_URL",
        "HOMECLOUD_LOG_LEVEL",
        "HOMECLOUD_PORT",
    ):
        monkeypatch.delenv(name, raising=False)


def test_defaults_are_sqlite_in_the_data_directory(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    assert settings.effective_database_url == f"sqlite+aiosqlite:///{tmp_path / 'homecloud.db'}"
    assert settings.is_sqlite
    assert settings.faces.enabled() == ["nuheat", "mclimate", "thingplus", "ckw", "smartme"]
    assert settings.base_url == "http://127.0.0.1:8080"
    assert load_settings(host="0.0.0.0").base_url == "http://localhost:8080"


def test_environment_variables_and_nested_face_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOMECLOUD_DATABASE_URL", "postgresql://u:secret@db:5432/homecloud")
    monkeypatch.setenv("HOMECLOUD_FACES__CKW", "false")
    monkeypatch.setenv("HOMECLOUD_HOST_MAP", '{"API.MyNuheat.com": "nuheat"}')
    monkeypatch.setenv("HOMECLOUD_LOG_LEVEL", "DEBUG")
    settings = load_settings()
    assert settings.effective_database_url == "postgresql+asyncpg://u:secret@db:5432/homecloud"
    assert "ckw" not in settings.faces.enabled()
    assert settings.host_map == {"api.mynuheat.com": "nuheat"}
    assert settings.log_level == "debug"


def test_toml_file_is_read_and_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "homecloud.toml"
    config.write_text('port = 9000\nlog_format = "json"\n[faces]\nsmartme = false\n')
    monkeypatch.setenv("HOMECLOUD_PORT", "9100")
    settings = load_settings(config)
    assert settings.port == 9100
    assert settings.log_format == "json"
    assert settings.faces.smartme is False


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("HOMECLOUD_LOG_LEVEL", "loud", "HOMECLOUD_LOG_LEVEL"),
        ("HOMECLOUD_PORT", "eighty", "HOMECLOUD_PORT"),
        ("HOMECLOUD_DATABASE_URL", "mysql://x/y", "HOMECLOUD_DATABASE_URL"),
        ("HOMECLOUD_HOST_MAP", '{"a.example": "nofaces"}', "HOMECLOUD_HOST_MAP"),
        ("HOMECLOUD_FACES__NUHEAT", "perhaps", "HOMECLOUD_FACES__NUHEAT"),
    ],
)
def test_a_malformed_value_is_one_line_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError) as failure:
        load_settings()
    message = str(failure.value)
    assert message.startswith(f"invalid setting {named}:")
    assert "\n" not in message


def test_missing_or_broken_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        load_settings(tmp_path / "absent.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("port = = 1\n")
    with pytest.raises(ConfigurationError, match="cannot read configuration"):
        load_settings(broken)


def _rate_limit_settings() -> list[str]:
    """Every face setting that holds a rate-limit policy, as its environment variable."""
    from homecloud.apis import FACES
    from homecloud.core.ratelimit import RateLimitSpec

    names = []
    for face in FACES:
        if face.settings is None:
            continue
        for field, info in face.settings.model_fields.items():
            if RateLimitSpec.__metadata__[0] in info.metadata:
                names.append(f"HOMECLOUD_{face.name.upper()}__{field.upper()}")
    return names


def test_every_face_names_its_rate_limit_settings() -> None:
    # CKW's went unchecked until the first request once; every face's now goes through
    # core.ratelimit.RateLimitSpec.
    assert {
        "HOMECLOUD_NUHEAT__RATE_LIMIT",
        "HOMECLOUD_MCLIMATE__CLIENT_RATE_LIMIT",
        "HOMECLOUD_MCLIMATE__TOKEN_RATE_LIMIT",
        "HOMECLOUD_CKW__RATE_LIMIT",
        "HOMECLOUD_SMARTME__FAILED_LOGINS",
    } <= set(_rate_limit_settings())


@pytest.mark.parametrize("variable", _rate_limit_settings())
@pytest.mark.parametrize("value", ["lots", "10/0m", "0/1s", "5/1m, 6/1m", ""])
def test_a_malformed_rate_limit_stops_the_load_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError, match=variable):
        load_settings(data_dir=tmp_path)
