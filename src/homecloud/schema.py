"""Every table of homecloud in one metadata, for Alembic and for tests.

Models are declared next to the code that owns them (core, identity, ...); importing their
modules here registers their tables on the shared declarative base.
"""

from homecloud.apis.nuheat import models as nuheat_models
from homecloud.core import leases
from homecloud.core.models import Base
from homecloud.identity import credentials, models

metadata = Base.metadata

__all__ = ["credentials", "leases", "metadata", "models", "nuheat_models"]
