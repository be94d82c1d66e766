"""How a face describes itself to the rest of homecloud.

Each ``apis/<face>/__init__.py`` exports one :class:`Face`; ``homecloud.apis.FACES`` lists
them, and that list is the only place a face is named. The app, the CLI, the demo, the schema,
the settings and the banner iterate it.

A description is cheap to import: it names its parts by reference (``"module:attribute"``)
and they are imported when used, so reading the settings does not import a face's routes and
``homecloud user list`` does not import the Thing+ simulator's HTTP client.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel

if TYPE_CHECKING:
    import typer

    from homecloud.core.database import Database
    from homecloud.core.models import User
    from homecloud.services import FaceApp, Services
    from homecloud.settings import Settings

T = TypeVar("T")


@dataclass(frozen=True)
class Ref(Generic[T]):
    """A module attribute named as ``"package.module:attribute"``, imported on first use."""

    target: str
    # Set by :meth:`to`: a value given directly (a test's probe face), imported from nowhere.
    given: T | None = None

    @classmethod
    def to(cls, value: T) -> Ref[T]:
        return cls(f"{getattr(value, '__module__', '?')}:{getattr(value, '__name__', '?')}", value)

    def load(self) -> T:
        if self.given is not None:
            return self.given
        module_name, _, attribute = self.target.partition(":")
        value: T = getattr(importlib.import_module(module_name), attribute)
        return value

    @property
    def module(self) -> str:
        return self.target.partition(":")[0]


FaceFactory = Callable[["Services"], "FaceApp"]
# Seeds the face's demo devices for the demo account; called on every ``serve --demo``, so it
# must be idempotent.
DemoSeeder = Callable[["Database", "Settings", "User"], Awaitable[None]]


@dataclass(frozen=True)
class Link:
    """A URL path the start-up banner prints, under a label."""

    label: str
    path: str


@dataclass(frozen=True)
class Face:
    """One vendor API, mounted at ``/{name}``.

    - ``build`` makes the face's application from the core services.
    - ``sign_in`` is where a person starts signing in (a page, or the login endpoint of an
      API without pages); ``links`` are the other URLs the banner prints.
    - ``settings`` is the model of the face's own settings (``HOMECLOUD_<NAME>__*``).
    - ``models`` names the module declaring the face's tables, for the schema.
    - ``cli`` is the face's ``homecloud <name> ...`` command group, ``simulate`` its
      ``homecloud simulate <name>`` command.
    - ``demo`` seeds its demo devices; ``demo_grants`` are the grants of its demo client.
    """

    name: str
    title: str
    build: Ref[FaceFactory]
    sign_in: str
    links: tuple[Link, ...] = ()
    settings: type[BaseModel] | None = None
    models: str | None = None
    cli: Ref[typer.Typer] | None = None
    simulate: Ref[Callable[..., Any]] | None = None
    demo: Ref[DemoSeeder] | None = None
    demo_grants: tuple[str, ...] = ("authorization_code", "refresh_token")
    # The face's own module names, for the layout check (every face has the same ones).
    package: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "package", f"homecloud.apis.{self.name}")
