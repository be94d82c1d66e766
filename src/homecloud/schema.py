"""Every table of homecloud in one metadata, for Alembic and for tests.

Models are declared next to the code that owns them (core, identity, each face); importing
their modules here registers their tables on the shared declarative base.
"""

import importlib

from homecloud.apis import FACES
from homecloud.core import leases
from homecloud.core.models import Base
from homecloud.identity import credentials, models

face_models = [importlib.import_module(face.models) for face in FACES if face.models]

metadata = Base.metadata

__all__ = ["credentials", "face_models", "leases", "metadata", "models"]
