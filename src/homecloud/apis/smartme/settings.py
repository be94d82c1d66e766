"""The smart-me face's settings (``HOMECLOUD_SMARTME__*``)."""

from __future__ import annotations

from pydantic import Field, SecretStr

from homecloud.core.ratelimit import RateLimitSpec
from homecloud.sim.settings import SimulationSettings


class SmartMeSettings(SimulationSettings):
    """The meters' simulation, and the realtime webhooks' delivery (``webhook_*``)."""

    report_interval: float = Field(
        default=5.0,
        ge=1.0,
        le=3600,
        description="Seconds between two readings of a simulated meter (at most one a second, "
        "as a real smart-me meter).",
    )
    readings_keep_days: int | None = Field(
        default=None,
        ge=1,
        le=36_500,
        description="Days of readings kept per meter; older ones are deleted every hour. "
        "Unset keeps them all, as smart-me does.",
    )
    failed_logins: RateLimitSpec = Field(
        default="10/1m, 100/1h",
        description="Failed Basic sign-ins allowed per login before 429, e.g. '10/1m, 100/1h'.",
    )

    # Realtime webhooks (apis/smartme/webhooks; docs/smartme.md, "Realtime webhooks").
    webhook_delivery: bool = Field(
        default=True, description="Run a webhook delivery worker in this process."
    )
    webhook_allow_private: bool = Field(
        default=False,
        description="Allow receivers on loopback, private and link-local addresses.",
    )
    webhook_secret_key: SecretStr | None = Field(
        default=None,
        description="32 bytes, base64: the AES-GCM key sealing receivers' Basic passwords "
        "(default: a key file made in the data directory; nodes sharing PostgreSQL must share "
        "this key).",
    )
    webhook_timeout: float = Field(
        default=10.0, gt=0, le=120, description="Seconds one POST may take."
    )
    webhook_retry_base: float = Field(
        default=1.0, gt=0, le=3600, description="First retry delay in seconds (then doubled)."
    )
    webhook_retry_max: float = Field(
        default=600.0, gt=0, le=86400, description="Longest delay between two retries."
    )
    webhook_retry_after_max: float = Field(
        default=3600.0, ge=0, le=86400, description="Longest Retry-After that is honoured."
    )
    webhook_give_up_after: float = Field(
        default=86400.0,
        gt=0,
        le=30 * 86400,
        description="Seconds after which an undelivered reading is given up.",
    )
    webhook_batch_size: int = Field(
        default=100, ge=1, le=1000, description="Most readings in one POST."
    )
    webhook_concurrency: int = Field(
        default=16, ge=1, le=256, description="Receivers one process delivers to at once."
    )
    webhook_poll_interval: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="Seconds between two looks at the outbox when no new reading wakes it.",
    )
    webhook_keep_finished: float = Field(
        default=7 * 86400.0,
        ge=60,
        description="Seconds finished deliveries stay visible before they are deleted.",
    )
    webhook_max_registrations: int = Field(
        default=25, ge=1, le=1000, description="Most realtime registrations per user."
    )
    webhook_energy_scale: float = Field(
        default=1000.0,
        gt=0,
        description="Factor from homecloud's Wh to the webhook's energy unit (mWh, as the "
        "smart-me wiki reads its sample).",
    )
    webhook_power_scale: float = Field(
        default=1.0, gt=0, description="Factor from homecloud's W to the webhook's power unit."
    )
