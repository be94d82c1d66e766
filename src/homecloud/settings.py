"""All of homecloud's configuration, in one place.

Values come, highest priority first, from keyword arguments, ``HOMECLOUD_*`` environment
variables (nested ones with ``__``, e.g. ``HOMECLOUD_FACES__NUHEAT=false``), an optional TOML
file (``--config`` or ``HOMECLOUD_CONFIG``), and the defaults below.
"""

from __future__ import annotations

import os
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel, Field, ValidationError, create_model, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from homecloud.apis import FACES
from homecloud.core.database import missing_sqlite_directory

# The TOML file being read, if any: set by load_settings around one Settings() call, so that
# the environment of the process is left alone. Without it, HOMECLOUD_CONFIG names the file.
_config_file: ContextVar[Path | None] = ContextVar("homecloud_config_file", default=None)

FACE_NAMES: tuple[str, ...] = tuple(face.name for face in FACES)
FaceSettingsT = TypeVar("FaceSettingsT", bound=BaseModel)


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "homecloud"


class FaceTogglesBase(BaseModel):
    """Which vendor faces are mounted (a flag per registered face). All are on unless switched
    off."""

    def enabled(self) -> list[str]:
        return [name for name in FACE_NAMES if getattr(self, name)]


FaceToggles = create_model(
    "FaceToggles",
    __base__=FaceTogglesBase,
    __module__=__name__,
    **{name: (bool, True) for name in FACE_NAMES},  # type: ignore[call-overload]
)


class CoreSettings(BaseSettings):
    """The settings of the core; :data:`Settings` adds a table per face (``nuheat``,
    ``thingplus``, ...) holding that face's own settings model."""

    model_config = SettingsConfigDict(
        env_prefix="HOMECLOUD_",
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default is SQLite in the data directory. "
        "postgresql://... is served through asyncpg.",
    )
    database_pool_size: int = Field(default=10, ge=1, le=1000)
    redis_url: str | None = Field(
        default=None, description="redis://host:port/db for shared rate limits and events."
    )
    public_base_url: str | None = Field(
        default=None, description="The URL clients reach homecloud at; default http://host:port."
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["text", "json"] = "text"
    max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    if TYPE_CHECKING:
        # Declared with the registered faces' flags in Settings below.
        faces: FaceTogglesBase
    host_map: dict[str, str] = Field(
        default_factory=dict,
        description="Host name -> face, to serve a face at the root of its own host.",
    )
    demo_password: str | None = Field(default=None, min_length=8)
    identity_sweep_interval: float = Field(
        default=3600.0,
        gt=0,
        le=86400,
        description="Seconds between two sweeps of expired tokens, codes and browser sessions.",
    )

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is None:
            return None
        scheme = value.split("://", 1)[0].split("+", 1)[0]
        if scheme not in ("sqlite", "postgresql", "postgres"):
            raise ValueError("must be a sqlite:// or postgresql:// URL")
        missing = missing_sqlite_directory(value)
        if missing is not None:
            raise ValueError(f"the directory {missing} does not exist (create it first)")
        return value

    @field_validator("host_map")
    @classmethod
    def _known_faces(cls, value: dict[str, str]) -> dict[str, str]:
        for host, face in value.items():
            if face not in FACE_NAMES:
                raise ValueError(f"host {host!r} maps to unknown face {face!r}")
        return {host.lower(): face for host, face in value.items()}

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = _config_file.get() or os.environ.get("HOMECLOUD_CONFIG")
        if config_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(config_file)))
        return tuple(sources)

    def face_settings(self, model: type[FaceSettingsT]) -> FaceSettingsT:
        """The settings of the face whose settings model is ``model``."""
        for face in FACES:
            if face.settings is model:
                value = getattr(self, face.name)
                assert isinstance(value, model)
                return value
        raise LookupError(f"no face has the settings model {model.__name__}")

    @property
    def effective_database_url(self) -> str:
        """The async SQLAlchemy URL actually used."""
        if self.database_url is None:
            return f"sqlite+aiosqlite:///{self.data_dir / 'homecloud.db'}"
        scheme, rest = self.database_url.split("://", 1)
        driver = scheme.split("+", 1)[0]
        if driver == "sqlite":
            return f"sqlite+aiosqlite://{rest}"
        return f"postgresql+asyncpg://{rest}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def base_url(self) -> str:
        if self.public_base_url:
            return self.public_base_url.rstrip("/")
        host = "localhost" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port}"


if TYPE_CHECKING:
    Settings = CoreSettings
else:
    # The faces' flags (HOMECLOUD_FACES__NUHEAT=false), and a table per face with settings,
    # named after the face (HOMECLOUD_NUHEAT__RATE_LIMIT).
    Settings = create_model(
        "Settings",
        __base__=CoreSettings,
        __module__=__name__,
        faces=(FaceToggles, Field(default_factory=FaceToggles)),
        **{
            face.name: (face.settings, Field(default_factory=face.settings))
            for face in FACES
            if face.settings is not None
        },
    )


class ConfigurationError(Exception):
    """A setting is malformed; the message names it in one line."""


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Read the settings, turning a validation failure into a one-line error naming the setting."""
    if config_file is None and os.environ.get("HOMECLOUD_CONFIG"):
        config_file = Path(os.environ["HOMECLOUD_CONFIG"])
    if config_file is not None and not config_file.is_file():
        raise ConfigurationError(f"configuration file {config_file} does not exist")
    token = _config_file.set(config_file)
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        location = "__".join(str(part) for part in first["loc"]) or "?"
        name = f"HOMECLOUD_{location.upper()}"
        raise ConfigurationError(f"invalid setting {name}: {first['msg']}") from None
    except (OSError, ValueError) as exc:  # unreadable or malformed TOML
        raise ConfigurationError(f"cannot read configuration: {exc}") from None
    finally:
        _config_file.reset(token)
