"""No function of the package is longer than :data:`MAX_LINES` lines.

Every function and method of ``duckybio`` (the linked ``spec``, ``model`` and
``impl`` included, nested functions too) is measured from its ``def`` to its
last line as ``ast`` numbers them (``end_lineno - lineno + 1``: decorators
excluded, docstring and comments included); a longer one is named with its
file, line and qualified name.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Final

from test_layers import Module, package, read_package

#: The most lines a function may span.
MAX_LINES: Final = 60

_Function = ast.FunctionDef | ast.AsyncFunctionDef


def functions(node: ast.AST, prefix: str = "") -> Iterator[tuple[str, _Function]]:
    """Every function below ``node`` with its qualified name (``Class.method``, ``f.inner``)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, _Function):
            name = f"{prefix}{child.name}"
            yield name, child
            yield from functions(child, f"{name}.")
        elif isinstance(child, ast.ClassDef):
            yield from functions(child, f"{prefix}{child.name}.")
        else:
            yield from functions(child, prefix)


def span(node: _Function) -> int:
    """The lines ``node`` spans, from its ``def`` to its last line."""
    assert node.end_lineno is not None
    return node.end_lineno - node.lineno + 1


def long_functions(modules: Mapping[str, Module], limit: int = MAX_LINES) -> list[str]:
    """Each function of ``modules`` longer than ``limit`` lines, longest first."""
    found = [
        (span(node), f"{module.path}:{node.lineno} {name}")
        for module in modules.values()
        for name, node in functions(module.tree)
        if span(node) > limit
    ]
    return [f"{where}: {lines} lines (at most {limit})" for lines, where in sorted(found)[::-1]]


def test_no_function_is_longer_than_the_limit() -> None:
    assert long_functions(package()) == []


def test_every_function_and_method_is_measured() -> None:
    names = {name for module in package().values() for name, _node in functions(module.tree)}
    assert {"BreadthFirst._run", "prove_all", "cases"} <= names


def test_a_long_function_is_named_with_its_place(tmp_path: Path) -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(MAX_LINES - 1))
    nested = body.replace("    ", "        ")
    source = (
        f"def fits() -> None:\n{body}\n\n"
        f"class A:\n    @staticmethod\n    def long() -> None:\n        y = 0\n{nested}\n\n"
        f"async def outer() -> None:\n    def inner() -> None:\n        z = 0\n{nested}"
    )
    (tmp_path / "duckybio").mkdir()
    (tmp_path / "duckybio" / "__init__.py").write_text("")
    (tmp_path / "duckybio" / "shapes.py").write_text(source)
    lines = source.splitlines()

    def line(text: str) -> int:
        return lines.index(text) + 1

    assert long_functions(read_package(tmp_path)) == [
        f"duckybio/shapes.py:{line('async def outer() -> None:')} outer: 62 lines (at most 60)",
        f"duckybio/shapes.py:{line('    def long() -> None:')} A.long: 61 lines (at most 60)",
        f"duckybio/shapes.py:{line('    def inner() -> None:')} outer.inner: 61 lines (at most 60)",
    ]
