"""The Nuheat face's settings (``HOMECLOUD_NUHEAT__*``)."""

from __future__ import annotations

from pydantic import Field

from homecloud.core.ratelimit import RateLimitSpec
from homecloud.sim.settings import SteppedSimulationSettings

NUHEAT_SEED_RATE_LIMIT = "50/1s, 750/30m, 20000/12h, 250000/7d"


class NuheatSettings(SteppedSimulationSettings):
    """The Nuheat face: its rate limits, its v1 Schedule endpoints and its simulation."""

    rate_limit: RateLimitSpec = Field(
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
    cors_origins: str = Field(
        default="",
        description="Web origins (https://app.example) allowed to call the API and the hub from "
        "a browser besides those of registered Nuheat clients' redirect URIs, comma-separated.",
    )

    @property
    def extra_cors_origins(self) -> list[str]:
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]
