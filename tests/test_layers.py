"""The package's import graph follows one table of layers.

Every module of ``duckybio`` (the top-level ``spec/``, ``model/`` and
``impl/`` folders are its ``duckybio.spec``, ``duckybio.model`` and
``duckybio.impl``) is parsed; every import of a project module -- absolute or
relative, at module level or under ``if TYPE_CHECKING`` -- is resolved to the
layer of the imported module, and the edge must be one :data:`LAYERS` allows.
No module imports anything inside a function body (a function-level import
would hide a cycle), the layer graph is acyclic, and the README's layer
diagram states exactly the edges of :data:`LAYERS`.

A layer is entered through its public face: an import from another layer
names a public module (no ``_``-private part below ``duckybio``) and only
names in that module's ``__all__`` (tests and benchmarks may reach inside).
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

import pytest

ROOT: Final = Path(__file__).resolve().parent.parent
PACKAGE: Final = "duckybio"
README: Final = ROOT / "README.md"

_LIBRARY: Final = frozenset({"spec", "model", "impl", "explore", "codegen", "kit", "driver",
                             "prove"})

#: Each layer and the layers its modules may import (a layer may always import
#: itself).  A layer is the first component below ``duckybio``; the package
#: root ``duckybio/__init__.py`` is in no layer: it imports nothing of the
#: project, and any module may read it (``__version__``).
LAYERS: Final[Mapping[str, frozenset[str]]] = {
    "spec": frozenset(),
    "model": frozenset({"spec"}),
    "impl": frozenset({"spec"}),
    "explore": frozenset({"spec", "model"}),
    "codegen": frozenset({"spec", "model", "explore"}),
    "kit": frozenset({"spec", "model", "impl", "explore"}),
    "driver": frozenset({"spec", "kit"}),
    "prove": frozenset({"spec", "model", "explore", "kit"}),
    "cli": _LIBRARY,
    "pytest_plugin": _LIBRARY | {"cli"},
    "__main__": _LIBRARY | {"cli"},
}


@dataclass(frozen=True, slots=True)
class Module:
    """One parsed module: its dotted name, its file (for messages) and its tree."""

    name: str
    path: str
    is_package: bool
    tree: ast.Module


@dataclass(frozen=True, slots=True)
class Import:
    """One import of one module: where it is, its text and the module it names."""

    module: Module
    line: int
    text: str
    target: str
    in_function: bool

    @property
    def where(self) -> str:
        return f"{self.module.path}:{self.line} `{self.text}`"


# --- reading the package ---------------------------------------------------------


def _module_name(rel: Path) -> tuple[str, bool]:
    parts = list(rel.with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join([PACKAGE, *parts]), is_package


def _shown(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` as the repository shows it (links resolved)."""
    real = path.resolve()
    try:
        return real.relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def read_package(root: Path) -> dict[str, Module]:
    """Every module under ``root/duckybio``, the linked ``spec``/``model``/``impl`` included.

    The links are followed once (each file is parsed once, named by its place
    in the package), so the same walk works in a checkout, where they are
    links to the top-level folders, and in an unpacked sdist, where they are
    copies.
    """
    base = root / PACKAGE
    modules: dict[str, Module] = {}
    seen: set[Path] = set()
    for folder, dirs, files in os.walk(base, followlinks=True):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
        for file in sorted(files):
            path = Path(folder) / file
            if path.suffix != ".py" or path.resolve() in seen:
                continue
            seen.add(path.resolve())
            name, is_package = _module_name(path.relative_to(base))
            tree = ast.parse(path.read_text("utf-8"), filename=str(path))
            modules[name] = Module(name, _shown(path, root), is_package, tree)
    return modules


@cache
def package() -> dict[str, Module]:
    return read_package(ROOT)


# --- resolving imports -------------------------------------------------------------


def _walk(node: ast.AST, in_function: bool = False) -> Iterator[tuple[ast.AST, bool]]:
    """Every node below ``node``, with whether it lies inside a function body."""
    for child in ast.iter_child_nodes(node):
        yield child, in_function
        inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef
                                          | ast.Lambda)
        yield from _walk(child, inner)


def _relative_base(module: Module, level: int) -> str:
    package_parts = module.name.split(".") if module.is_package else module.name.split(".")[:-1]
    if level - 1 >= len(package_parts):
        raise ValueError(f"{module.path}: relative import beyond the top-level package")
    return ".".join(package_parts[: len(package_parts) - (level - 1)])


def _imported_names(
        module: Module) -> Iterator[tuple[ast.ImportFrom | ast.Import, bool, str, str]]:
    """Every ``(node, in_function, module, name)`` ``module`` imports.

    ``module`` is the imported module as written, relative imports resolved;
    ``name`` is what ``from module import name`` names (empty for ``import module``).
    """
    for node, in_function in _walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, in_function, alias.name, ""
        elif isinstance(node, ast.ImportFrom):
            base = _relative_base(module, node.level) if node.level else ""
            source = ".".join(part for part in (base, node.module) if part)
            for alias in node.names:
                yield node, in_function, source, alias.name


def _target(source: str, name: str, known: Mapping[str, Module]) -> str:
    """The module ``from source import name`` reaches: ``source.name`` if one, else ``source``."""
    return f"{source}.{name}" if name and f"{source}.{name}" in known else source


def imports_of(module: Module, known: Mapping[str, Module]) -> list[Import]:
    """Every import statement of ``module``, one entry per imported module.

    ``from M import n`` names ``M.n`` when that is a module of the package
    (``from . import check``), else ``M`` (``from .errors import KitError``).
    """
    targets: dict[ast.stmt, dict[str, bool]] = {}
    for node, in_function, source, name in _imported_names(module):
        targets.setdefault(node, {})[_target(source, name, known)] = in_function
    return [Import(module, node.lineno, ast.unparse(node), target, in_function)
            for node, named in targets.items() for target, in_function in named.items()]


def layer_of(name: str) -> str | None:
    """The layer of module ``name`` (``None``: not in any layer)."""
    parts = name.split(".")
    if parts[0] != PACKAGE or len(parts) < 2:
        return None
    return parts[1] if parts[1] in LAYERS else None


def is_project(name: str) -> bool:
    """Whether module ``name`` belongs to this project (also the top-level folders)."""
    return name.split(".")[0] in {PACKAGE, "spec", "model", "impl"}


def violations(modules: Mapping[str, Module]) -> list[str]:
    """One line for every import the layer table does not allow."""
    problems: list[str] = []
    for module in modules.values():
        source = layer_of(module.name)
        for imp in imports_of(module, modules):
            if not is_project(imp.target):
                continue
            top = imp.target.split(".")[0]
            if top != PACKAGE:
                problems.append(f"{imp.where}: imports the top-level folder `{top}`; import "
                                f"it as `{PACKAGE}.{imp.target}` (or relatively)")
                continue
            target = layer_of(imp.target)
            if imp.target == PACKAGE and source is not None:
                continue
            if source is None:
                problems.append(f"{imp.where}: the package root imports {imp.target}; "
                                f"it must import nothing of the project")
            elif target is None:
                problems.append(f"{imp.where}: {imp.target} is in no layer of the table")
            elif target != source and target not in LAYERS[source]:
                allowed = ", ".join(sorted(LAYERS[source])) or "nothing"
                problems.append(f"{imp.where}: {source} -> {target} is not an allowed edge "
                                f"({source} may import: {allowed})")
    return problems


def function_imports(modules: Mapping[str, Module]) -> list[str]:
    """One line for every import statement inside a function body."""
    return [f"{imp.where}: an import inside a function"
            for module in modules.values()
            for imp in imports_of(module, modules) if imp.in_function]


def layer_graph(modules: Mapping[str, Module]) -> dict[str, set[str]]:
    """The layer edges the package's imports actually use (self edges left out)."""
    graph: dict[str, set[str]] = {layer: set() for layer in LAYERS}
    for module in modules.values():
        source = layer_of(module.name)
        for imp in imports_of(module, modules):
            target = layer_of(imp.target)
            if source is not None and target is not None and target != source:
                graph[source].add(target)
    return graph


def cycle(graph: Mapping[str, frozenset[str] | set[str]]) -> list[str] | None:
    """A cycle of ``graph`` as a path (first node repeated at the end), or ``None``."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for succ in sorted(graph.get(node, ())):
            if state.get(succ) == 1:
                return [*stack[stack.index(succ):], succ]
            if succ not in state and (found := visit(succ)) is not None:
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


def _is_private(name: str) -> bool:
    """Whether module ``name`` is private: a part below the package starts with ``_``."""
    return any(part.startswith("_") and not part.startswith("__")
               for part in name.split(".")[1:])


def public_names(module: Module) -> frozenset[str] | None:
    """The names ``module`` lists in ``__all__`` (``None``: it has none)."""
    for node in module.tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and node.targets[0].id == "__all__"
                and isinstance(node.value, ast.List | ast.Tuple)):
            return frozenset(elt.value for elt in node.value.elts
                             if isinstance(elt, ast.Constant) and isinstance(elt.value, str))
    return None


def bypasses(modules: Mapping[str, Module]) -> list[str]:
    """One line for every import from another layer that goes past its public face."""
    problems: list[str] = []
    for module in modules.values():
        source = layer_of(module.name) or module.name
        for node, _, target, name in _imported_names(module):
            full = _target(target, name, modules)
            if layer_of(full) in (None, source) or full not in modules:
                continue
            where = f"{module.path}:{node.lineno} `{ast.unparse(node)}`"
            if _is_private(full):
                problems.append(f"{where}: {full} is private to {layer_of(full)}; import its "
                                f"public names from {PACKAGE}.{layer_of(full)}")
                continue
            listed = public_names(modules[full])
            if full == target and name and listed is not None and name not in listed:
                problems.append(f"{where}: {name} is not in {full}.__all__")
    return list(dict.fromkeys(problems))


# --- the README's diagram ------------------------------------------------------------

_EDGE = re.compile(r"^(?P<layer>\S+)\s+->\s+(?P<targets>.+)$")


def readme_layers(text: str) -> dict[str, frozenset[str]]:
    """The edges stated by the first ```` ```text ```` block under ``## Layers``.

    One line a layer: ``layer -> a, b, c`` or ``layer -> nothing``.
    """
    section = text.split("\n## Layers\n", 1)
    assert len(section) == 2, "README.md has no '## Layers' section"
    block = re.search(r"^```text\n(.*?)^```$", section[1], re.MULTILINE | re.DOTALL)
    assert block is not None, "the '## Layers' section of README.md has no ```text block"
    stated: dict[str, frozenset[str]] = {}
    for line in block.group(1).splitlines():
        if not line.strip():
            continue
        match = _EDGE.match(line.strip())
        assert match is not None, f"README.md layer diagram: cannot read {line!r}"
        raw = match["targets"].strip()
        targets = frozenset() if raw == "nothing" else frozenset(
            t.strip() for t in raw.split(","))
        assert match["layer"] not in stated, f"README.md states {match['layer']} twice"
        stated[match["layer"]] = targets
    return stated


# --- the tests --------------------------------------------------------------------------


def test_every_layer_has_modules_and_every_module_a_layer() -> None:
    modules = package()
    assert {"duckybio.spec.regmap", "duckybio.model._transitions", "duckybio.impl._bio"} <= set(
        modules), "the walk did not reach the linked spec/, model/ and impl/ folders"
    homeless = sorted(m.path for m in modules.values()
                      if m.name != PACKAGE and layer_of(m.name) is None)
    assert not homeless, f"modules in no layer of the table: {homeless}"
    empty = sorted(set(LAYERS) - {layer_of(name) for name in modules})
    assert not empty, f"layers of the table without a module: {empty}"


def test_imports_follow_the_layer_table() -> None:
    problems = violations(package())
    assert not problems, "imports the layer table does not allow:\n" + "\n".join(problems)


def test_no_import_inside_a_function() -> None:
    problems = function_imports(package())
    assert not problems, "\n".join(problems)


def test_the_package_root_imports_nothing_of_the_project() -> None:
    root = package()[PACKAGE]
    project = [imp.where for imp in imports_of(root, package()) if is_project(imp.target)]
    assert not project, project


def test_the_layer_table_and_the_used_edges_are_acyclic() -> None:
    assert cycle(LAYERS) is None, f"the layer table has a cycle: {cycle(LAYERS)}"
    used = layer_graph(package())
    assert cycle(used) is None, f"the imports form a layer cycle: {cycle(used)}"
    for layer, targets in LAYERS.items():
        assert layer not in targets and targets <= set(LAYERS), layer


def test_a_layer_is_entered_through_its_public_names() -> None:
    problems = bypasses(package())
    assert not problems, "imports past a layer's public face:\n" + "\n".join(problems)


def test_the_kit_shows_at_most_twenty_names() -> None:
    listed = public_names(package()[f"{PACKAGE}.kit"])
    assert listed is not None and len(listed) <= 20, sorted(listed or ())


def test_the_readme_diagram_states_the_layer_table() -> None:
    stated = readme_layers(README.read_text("utf-8"))
    assert set(stated) == set(LAYERS), (
        f"README.md diagram layers differ: missing {sorted(set(LAYERS) - set(stated))}, "
        f"extra {sorted(set(stated) - set(LAYERS))}")
    wrong = {layer: (sorted(stated[layer]), sorted(LAYERS[layer]))
             for layer in LAYERS if stated[layer] != LAYERS[layer]}
    assert not wrong, f"README.md diagram (stated, table) differs for: {wrong}"


# --- the checker checks what it should ------------------------------------------------------


def _fake(tmp_path: Path, files: Mapping[str, str]) -> dict[str, Module]:
    for rel, source in files.items():
        path = tmp_path / PACKAGE / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    return read_package(tmp_path)


def test_relative_and_absolute_imports_resolve_to_modules(tmp_path: Path) -> None:
    modules = _fake(tmp_path, {
        "__init__.py": "",
        "cli/__init__.py": "from . import check\n",
        "cli/check.py": "from .. import __version__\nfrom ..kit.errors import KitError\n",
        "kit/__init__.py": "",
        "kit/errors.py": "import duckybio.spec.regmap\nfrom duckybio import model\n",
    })
    targets = {name: [imp.target for imp in imports_of(module, modules)]
               for name, module in modules.items()}
    assert targets["duckybio.cli"] == ["duckybio.cli.check"]
    assert targets["duckybio.cli.check"] == ["duckybio", "duckybio.kit.errors"]
    assert targets["duckybio.kit.errors"] == ["duckybio.spec.regmap", "duckybio"]
    assert violations(modules) == []


@pytest.mark.parametrize(("files", "expected"), [
    ({"spec/wire.py": "from ..kit import trace\n"},
     "duckybio/spec/wire.py:1 `from ..kit import trace`: spec -> kit is not an allowed edge "
     "(spec may import: nothing)"),
    ({"driver/x.py": "from duckybio.impl._bio import BlockIO\n"},
     "duckybio/driver/x.py:1 `from duckybio.impl._bio import BlockIO`: driver -> impl is not an "
     "allowed edge (driver may import: kit, spec)"),
    ({"kit/x.py": "if True:\n    from ..cli.main import main\n"},
     "duckybio/kit/x.py:2 `from ..cli.main import main`: kit -> cli is not an allowed edge"),
    ({"model/x.py": "from spec.regmap import Flag\n"},
     "imports the top-level folder `spec`"),
    ({"kit/x.py": "from ..tools import y\n"},
     "duckybio.tools is in no layer of the table"),
    ({"__init__.py": "from .kit import x\n"},
     "the package root imports duckybio.kit"),
])
def test_a_forbidden_import_is_named_with_its_edge(
        tmp_path: Path, files: dict[str, str], expected: str) -> None:
    modules = _fake(tmp_path, {"__init__.py": "", **files})
    problems = violations(modules)
    assert len(problems) == 1 and expected in problems[0], problems


def test_an_import_inside_a_function_is_found(tmp_path: Path) -> None:
    modules = _fake(tmp_path, {
        "__init__.py": "",
        "kit/x.py": "import os\n\nclass A:\n    def f(self) -> None:\n"
                    "        from ..model import step\n",
    })
    assert function_imports(modules) == [
        "duckybio/kit/x.py:5 `from ..model import step`: an import inside a function"]


def test_a_cycle_is_found() -> None:
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) is None


def test_the_readme_diagram_is_read_line_by_line() -> None:
    text = "# x\n\n## Layers\n\n```text\ncli  -> kit, spec\nspec -> nothing\n```\n"
    assert readme_layers(text) == {"cli": frozenset({"kit", "spec"}), "spec": frozenset()}


def test_no_two_public_classes_share_a_name() -> None:
    homes: dict[str, list[str]] = {}
    for module in package().values():
        for node in module.tree.body:
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                homes.setdefault(node.name, []).append(module.path)
    shared = {name: paths for name, paths in homes.items() if len(paths) > 1}
    assert not shared, f"public classes defined more than once: {shared}"


@pytest.mark.parametrize(("files", "expected"), [
    ({"kit/__init__.py": "from ._run import run_check\n__all__ = ['run_check']\n",
      "kit/_run.py": "def run_check() -> None: ...\n",
      "cli/x.py": "from ..kit._run import run_check\n"},
     ["duckybio/cli/x.py:1 `from ..kit._run import run_check`: duckybio.kit._run is private "
      "to kit; import its public names from duckybio.kit"]),
    ({"kit/__init__.py": "from ._run import run_check, shrink\n__all__ = ['run_check']\n",
      "kit/_run.py": "def run_check() -> None: ...\ndef shrink() -> None: ...\n",
      "cli/x.py": "from duckybio.kit import run_check, shrink\n"},
     ["duckybio/cli/x.py:1 `from duckybio.kit import run_check, shrink`: shrink is not in "
      "duckybio.kit.__all__"]),
    ({"kit/__init__.py": "__all__ = []\n", "kit/_run.py": "from ._x import y\n",
      "kit/_x.py": "y = 1\n"},
     []),
])
def test_an_import_past_a_face_is_named(tmp_path: Path, files: dict[str, str],
                                        expected: list[str]) -> None:
    modules = _fake(tmp_path, {"__init__.py": "", "cli/__init__.py": "", **files})
    assert bypasses(modules) == expected


def test_every_layer_package_lists_its_public_names() -> None:
    missing = [layer for layer in LAYERS
               if (module := package().get(f"{PACKAGE}.{layer}")) is not None
               and module.is_package and public_names(module) is None]
    assert not missing, f"layer packages without __all__: {missing}"
