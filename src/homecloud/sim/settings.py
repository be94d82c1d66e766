"""Settings every face with simulated devices shares; a face's settings model inherits them."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SimulationSettings(BaseModel):
    """Whether this process runs the face's device simulation while serving."""

    simulation: bool = Field(default=True, description="Simulate the face's devices while serving.")


class SteppedSimulationSettings(SimulationSettings):
    """A simulation that advances every device at a fixed pace (``sim.stepping``)."""

    simulation_interval: float = Field(
        default=30.0, gt=0, le=3600, description="Seconds between two simulation steps."
    )
