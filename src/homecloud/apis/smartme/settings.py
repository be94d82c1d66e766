"""The smart-me face's settings (``HOMECLOUD_SMARTME__*``)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SmartMeSettings(BaseModel):
    """The meters' simulation. (The realtime webhooks add their own settings here.)"""

    simulation: bool = Field(default=True, description="Run the meters' simulation.")
    report_interval: float = Field(
        default=5.0,
        ge=1.0,
        le=3600,
        description="Seconds between two readings of a simulated meter (at most one a second, "
        "as a real smart-me meter).",
    )
