"""How a face describes itself to the rest of homecloud.

Each ``apis/<face>/__init__.py`` exports one :class:`Face`, read from the face's
``manifest.toml`` (its title, URLs and demo grants: data, as Home Assistant's integration
manifests are) and given what only code can say (its settings model, its "try it" command);
``homecloud.apis.FACES`` lists them, and that list is the only place a face is named. The app,
the CLI, the demo, the schema, the settings and the banner iterate it.

A description is cheap to import: it names its parts by reference (``"module:attribute"``)
and they are imported when used, so reading the settings does not import a face's routes and
``homecloud user list`` does not import the Thing+ simulator's HTTP client.
"""

from __future__ import annotations

import importlib
import importlib.resources
import shlex
import tomllib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict

from homecloud.identity.profiles import IssuerProfile

if TYPE_CHECKING:
    import typer

    from homecloud.core.database import Database
    from homecloud.core.models import User
    from homecloud.core.swagger import SwaggerSecurity
    from homecloud.services import FaceApp, Services
    from homecloud.settings import Settings

T = TypeVar("T")


def demo_client_id(face: str) -> str:
    """The client ``homecloud serve --demo`` registers for ``face`` (its Swagger UI uses it)."""
    return f"demo-{face}"


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
class DemoAccess:
    """The demo credentials that ``serve --demo`` prints, for a face's "try it" command."""

    base_url: str
    email: str
    username: str
    password: str
    client_id: str
    client_secret: str
    # Where the demo clients' codes land: homecloud's own page showing the code exchange.
    redirect_uri: str


# Reads the access token out of a JSON token answer; python3 is there wherever homecloud is.
_READ_TOKEN = "python3 -c 'import json,sys; print(json.load(sys.stdin){path})'"


def token_then_get(token_request: str, api_url: str, token_path: str = '["access_token"]') -> str:
    """One shell line: ``token_request`` (a curl printing a JSON token answer), then a GET of
    ``api_url`` with the access token from the answer at ``token_path``."""
    read = _READ_TOKEN.format(path=token_path)
    return f'curl -sS -H "Authorization: Bearer $({token_request} | {read})" {shlex.quote(api_url)}'


def curl_form(url: str, fields: dict[str, str], user: str | None = None) -> str:
    """A silent form POST, each value shell-quoted and URL-encoded by curl; ``user`` is the
    Basic ``id:secret`` as a shell word (see :func:`basic`)."""
    parts = ["curl -sS"]
    if user is not None:
        parts.append(f"-u {user}")
    parts += [
        f"--data-urlencode {shlex.quote(f'{name}={value}')}" for name, value in fields.items()
    ]
    parts.append(shlex.quote(url))
    return " ".join(parts)


def basic(client_id: str, secret: str) -> str:
    return shlex.quote(f"{client_id}:{secret}")


@dataclass(frozen=True)
class TryIt:
    """How a newcomer gets real data out of the face with the demo credentials.

    - ``api`` is the resource the newcomer reads (the banner's "API" link too).
    - ``command`` is a copy-paste shell line for the banner, given the demo access and the
      ``api`` URL; without one, the banner gives the authorize page with the demo client's
      parameters, to open in a browser.
    - ``authorize``/``token``/``scope`` are the face's code flow: the demo callback page shows
      the code exchange at ``token`` and then a GET of ``api`` with the token.
    """

    api: str
    token: str
    authorize: str
    scope: str = ""
    command: Callable[[DemoAccess, str], str] | None = None

    def authorize_url(self, base_url: str, client_id: str, redirect_uri: str) -> str:
        """The face's authorize page asking for a code for the client: a page to open."""
        query = {"client_id": client_id, "response_type": "code", "redirect_uri": redirect_uri}
        if self.scope:
            query["scope"] = self.scope
        return base_url + self.authorize + "?" + urlencode(query)

    def banner_line(self, access: DemoAccess) -> str:
        if self.command is not None:
            return self.command(access, access.base_url + self.api)
        return self.authorize_url(access.base_url, access.client_id, access.redirect_uri)

    def code_exchange(self, base_url: str, client_id: str, code: str, redirect_uri: str) -> str:
        """The token request of the callback page, with the client secret left to the reader
        (it is stored hashed; the banner printed it)."""
        request = curl_form(
            base_url + self.token,
            {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
            # A shell variable the reader sets: double quotes let the shell expand it.
            user=f'"{client_id}:$CLIENT_SECRET"',
        )
        return token_then_get(request, base_url + self.api)


@dataclass(frozen=True)
class Face:
    """One vendor API, mounted at ``/{name}``.

    The template (docs/architecture.md) puts a face's parts in the same places in every face,
    so the description names only what differs; the rest follows from the package:

    - ``build`` is ``app.py:build``, which makes the face's application from the core services
      (a test may swap in its own ``builder``);
    - ``models`` is ``models.py``, the face's tables for the schema;
    - ``demo`` is ``demo.py:seed_demo``, which seeds the demo user's devices;
    - ``cli`` is ``cli.py:app``, the face's ``homecloud <name> ...`` command group, unless
      ``command_group`` is off; ``simulate`` is its ``homecloud simulate <name>`` command;
    - every face serves its OpenAPI documents and Swagger UI at ``/{name}/swagger``.

    What the description gives:

    - ``sign_in`` is where a person starts signing in (a page, or the login endpoint of an
      API without pages); ``try_it`` is how the banner and the demo callback page show a
      newcomer real data, and its ``api`` is the banner's "API" link; ``more_links`` are
      further URLs the banner prints.
    - ``issuer`` is how its token service issues tokens (the manifest's ``[issuer]`` table).
    - ``settings`` is the model of the face's own settings (``HOMECLOUD_<NAME>__*``).
    - ``demo_grants`` and ``demo_scope`` are the grants and scopes of its demo client (the
      issuer's default client scope unless the manifest says otherwise).
    """

    name: str
    title: str
    sign_in: str
    try_it: TryIt
    issuer: IssuerProfile
    settings: type[BaseModel] | None = None
    more_links: tuple[Link, ...] = ()
    demo_grants: tuple[str, ...] = ("authorization_code", "refresh_token")
    demo_scope: str | None = None
    command_group: bool = True
    simulate: Ref[Callable[..., Any]] | None = None
    builder: Ref[FaceFactory] | None = None

    @property
    def package(self) -> str:
        """The face's package, where every part it names by reference lives."""
        return f"homecloud.apis.{self.name}"

    @property
    def build(self) -> Ref[FaceFactory]:
        return self.builder or Ref(f"{self.package}.app:build")

    @property
    def models(self) -> str:
        return f"{self.package}.models"

    @property
    def demo(self) -> Ref[DemoSeeder]:
        return Ref(f"{self.package}.demo:seed_demo")

    @property
    def cli(self) -> Ref[typer.Typer] | None:
        return Ref(f"{self.package}.cli:app") if self.command_group else None

    @property
    def demo_client_scope(self) -> str:
        return self.demo_scope or self.issuer.default_client_scope

    @property
    def swagger(self) -> str:
        return f"/{self.name}/swagger"

    @property
    def swagger_redirect(self) -> str:
        """Swagger UI's OAuth2 redirect page: a redirect URI of the face's demo client."""
        return f"{self.swagger}/oauth2-redirect"

    @property
    def links(self) -> tuple[Link, ...]:
        """What the banner prints below the sign-in URL."""
        return (Link("API", self.try_it.api), Link("Swagger UI", self.swagger), *self.more_links)

    def swagger_security(self, scopes: Mapping[str, str], **options: Any) -> SwaggerSecurity:
        """The security of the face's OpenAPI documents: Swagger UI's Authorize button on the
        face's code flow (its ``try_it`` endpoints) with the demo client, and bearer tokens;
        ``options`` as :func:`~homecloud.core.swagger.oauth_security` takes them."""
        from homecloud.core.swagger import oauth_security

        mount = len(f"/{self.name}")
        return oauth_security(
            authorize=self.try_it.authorize[mount:],
            token=self.try_it.token[mount:],
            scopes=scopes,
            client_id=demo_client_id(self.name),
            app_name=f"{self.issuer.title} Swagger UI",
            **options,
        )

    def index_links(self, base_url: str) -> dict[str, str]:
        """The face's URLs as the root index lists them: sign-in, the code flow's endpoints
        and the banner's links, keyed by label in snake case."""
        links = (
            Link("sign in", self.sign_in),
            Link("token", self.try_it.token),
            Link("authorize", self.try_it.authorize),
            *self.links,
        )
        return {link.label.lower().replace(" ", "_"): base_url + link.path for link in links}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TryItManifest(_Strict):
    api: str
    token: str
    authorize: str
    scope: str = ""


class LinkManifest(_Strict):
    label: str
    path: str


class Manifest(_Strict):
    """``apis/<face>/manifest.toml``: the face's description as data (see :class:`Face`)."""

    title: str
    sign_in: str
    try_it: TryItManifest
    # Checked as an IssuerProfile (which knows the face's name) when the face is made.
    issuer: dict[str, Any]
    links: tuple[LinkManifest, ...] = ()
    demo_grants: tuple[str, ...] = ("authorization_code", "refresh_token")
    demo_scope: str | None = None
    command_group: bool = True
    # The ``cli.py`` function that is the face's ``homecloud simulate <face>`` command.
    simulate: str | None = None


def read_manifest(package: str) -> Manifest:
    text = importlib.resources.files(package).joinpath("manifest.toml").read_text("utf-8")
    return Manifest.model_validate(tomllib.loads(text))


def face_from_manifest(
    package: str,
    *,
    settings: type[BaseModel] | None = None,
    try_it_command: Callable[[DemoAccess, str], str] | None = None,
) -> Face:
    """The face of ``package`` (``homecloud.apis.<name>``): its manifest, its settings model
    and the shell line of its "try it" (without one, the banner gives the authorize page)."""
    manifest = read_manifest(package)
    name = package.rpartition(".")[2]
    return Face(
        name=name,
        title=manifest.title,
        sign_in=manifest.sign_in,
        try_it=TryIt(**manifest.try_it.model_dump(), command=try_it_command),
        issuer=IssuerProfile.read(name, manifest.issuer),
        settings=settings,
        more_links=tuple(Link(link.label, link.path) for link in manifest.links),
        demo_grants=manifest.demo_grants,
        demo_scope=manifest.demo_scope,
        command_group=manifest.command_group,
        simulate=Ref(f"{package}.cli:{manifest.simulate}") if manifest.simulate else None,
    )
