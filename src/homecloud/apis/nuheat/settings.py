"""The Nuheat face's settings (``HOMECLOUD_NUHEAT__*``)."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from homecloud.core.ratelimit import RateLimitPolicy

NUHEAT_SEED_RATE_LIMIT = "50/1s, 750/30m, 20000/12h, 250000/7d"


class NuheatSettings(BaseModel):
    """The Nuheat face: its rate limits, its v1 Schedule endpoints and its simulation."""

    rate_limit: str = Field(
        default=NUHEAT_SEED_RATE_LIMIT,
        description="Windows per user and client, e.g. '50/1s, 750/30m' (the seed's by default).",
    )
    v1_schedule_blocked: bool = Field(
        default=False,
        description="Answer the v1 Schedule endpoints with 405, as the vendor's service does today.",
    )
    token_cache_seconds: float = Field(
        default=0.0,
        ge=0,
        le=300,
        description="How long a checked access token is trusted without checking it again "
        "(0, the default: every call, so revocation takes effect at once).",
    )
    simulation: bool = Field(default=True, description="Run the thermostat simulation.")
    simulation_interval: float = Field(
        default=30.0, gt=0, le=3600, description="Seconds between two simulation steps."
    )
    cors_origins: str = Field(
        default="",
        description="Web origins (https://app.example) allowed to call the API and the hub from "
        "a browser besides those of registered Nuheat clients' redirect URIs, comma-separated.",
    )

    @property
    def extra_cors_origins(self) -> list[str]:
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]

    @field_validator("rate_limit")
    @classmethod
    def _parsable(cls, value: str) -> str:
        RateLimitPolicy.parse("nuheat", value)
        return value
