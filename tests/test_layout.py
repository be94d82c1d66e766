"""The layout check (like Home Assistant's hassfest): every registered face has the template's
modules, its description's references resolve, imports point down only, and ``src/`` has no
import cycle. docs/architecture.md describes what is checked here."""

from __future__ import annotations

import ast
import importlib
import inspect
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from pydantic import BaseModel

from homecloud.apis import FACES
from homecloud.faces import Face, Ref

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "homecloud"

# Modules every face has (docs/architecture.md, "The face template").
TEMPLATE_MODULES = (
    "__init__.py",
    "manifest.toml",
    "settings.py",
    "app.py",
    "auth.py",
    "routes/__init__.py",
    "service.py",
    "repository.py",
    "schemas.py",
    "errors.py",
    "identity.py",
    "simulation.py",
    "cli.py",
    "demo.py",
    "models.py",
)
# Faces whose resource APIs have not landed yet lack some modules; each entry names the issue
# that brings them. The check is strict: a module that appears must be taken off this list.
ARRIVING: dict[tuple[str, str], str] = {}


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_modules() -> dict[str, Path]:
    return {module_name(path): path for path in PACKAGE.rglob("*.py")}


MODULES = source_modules()


def imports_of(module: str) -> Iterator[str]:
    """Every homecloud module ``module`` imports, at the top or inside a function (an import
    inside a function still ties the two modules together)."""
    path = MODULES[module]
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                prefix = ".".join([*base, node.module] if node.module else base)
            else:
                prefix = node.module or ""
            names = [f"{prefix}.{alias.name}" for alias in node.names]
            # `from package import name`: the package itself, unless every name is a
            # submodule (Python runs the package's __init__ first either way, which is no
            # edge of this module's making).
            if not all(name in MODULES for name in names):
                names.append(prefix)
        else:
            continue
        for name in names:
            # The longest prefix that is a module of ours: `from a.b import c` names a.b.c
            # when c is a module, a.b otherwise.
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name.startswith("homecloud") and name != module:
                yield name


def in_type_checking_only(module: str) -> set[str]:
    """Modules imported only under ``if TYPE_CHECKING:`` (no run-time edge)."""
    tree = ast.parse(MODULES[module].read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.If)
            and isinstance(node.test, ast.Name)
            and node.test.id == "TYPE_CHECKING"
        ):
            for child in ast.walk(node):
                if isinstance(child, ast.ImportFrom) and child.module:
                    found.add(child.module)
    return found


GRAPH = {module: set(imports_of(module)) - in_type_checking_only(module) for module in MODULES}


def face_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[1] == "apis" else None


@pytest.mark.parametrize(
    ("face", "module"),
    [
        pytest.param(
            face.name,
            module,
            marks=pytest.mark.xfail(
                reason=f"arrives with issue {ARRIVING[face.name, module]}", strict=True
            )
            if (face.name, module) in ARRIVING
            else (),
        )
        for face in FACES
        for module in TEMPLATE_MODULES
    ],
)
def test_every_face_has_the_template_modules(face: str, module: str) -> None:
    assert (PACKAGE / "apis" / face / module).is_file(), f"apis/{face}/{module} is missing"


@pytest.mark.parametrize("face", FACES, ids=lambda face: face.name)
def test_a_face_description_resolves(face: Face) -> None:
    assert face.package == f"homecloud.apis.{face.name}"
    assert importlib.import_module(face.package).FACE is face
    assert callable(face.build.load())
    if face.cli is not None:
        assert isinstance(face.cli.load(), typer.Typer)
    if face.simulate is not None:
        assert callable(face.simulate.load())
    if face.demo is not None:
        assert inspect.iscoroutinefunction(face.demo.load())
    if face.settings is not None:
        assert issubclass(face.settings, BaseModel)
    if face.models is not None:
        importlib.import_module(face.models)
    refs = [ref for ref in (face.build, face.cli, face.simulate, face.demo) if ref is not None]
    refs_and_models = [*(ref.module for ref in refs), *([face.models] if face.models else [])]
    assert all(name.startswith(face.package + ".") for name in refs_and_models)
    assert all(isinstance(ref, Ref) for ref in refs)


def test_faces_have_unique_names_and_paths() -> None:
    names = [face.name for face in FACES]
    assert len(set(names)) == len(names)
    for face in FACES:
        assert face.sign_in.startswith(f"/{face.name}/")
        assert all(link.path.startswith(f"/{face.name}/") for link in face.links)


def test_no_face_imports_another_face() -> None:
    crossing = [
        (module, imported)
        for module, imported_modules in GRAPH.items()
        if face_of(module)
        for imported in imported_modules
        if face_of(imported) and face_of(imported) != face_of(module)
    ]
    assert crossing == []


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        ("homecloud.core", ("homecloud.apis", "homecloud.identity", "homecloud.realtime")),
        ("homecloud.sim", ("homecloud.apis", "homecloud.identity")),
        ("homecloud.realtime", ("homecloud.apis",)),
        ("homecloud.identity", ("homecloud.apis",)),
    ],
)
def test_imports_point_down(layer: str, forbidden: tuple[str, ...]) -> None:
    upward = [
        (module, imported)
        for module, imported_modules in GRAPH.items()
        if module == layer or module.startswith(layer + ".")
        for imported in imported_modules
        if any(imported == name or imported.startswith(name + ".") for name in forbidden)
    ]
    assert upward == []


def test_src_has_no_import_cycle() -> None:
    """Package ``__init__`` edges to their own submodules are part of the graph too."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for imported in sorted(GRAPH.get(module, ())):
            if state.get(imported) == 1:
                cycles.append([*path[path.index(imported) :], imported])
            elif imported not in state:
                visit(imported)
        path.pop()
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module)
    assert cycles == []


def test_the_graph_sees_imports_inside_functions() -> None:
    """The cycle check must see imports made inside functions, which once hid a cycle."""
    assert "homecloud.core.observability" in GRAPH["homecloud.app"]
