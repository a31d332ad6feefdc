"""The generated files as a whole: write the stale ones, or list them.

``duckybio gen`` writes them (:func:`write_all`); ``duckybio gen --check``
lists the stale ones (:func:`check_all`).  Every generated file is a pure
function of the register map or of the model, so it can never drift from
them unnoticed.
"""

from __future__ import annotations

from pathlib import Path

from ._diagram import render_diagram_doc, render_dot, render_mermaid
from ._header import render_header
from ._layout import (
    DIAGRAM_DOC_PATH,
    DOT_PATH,
    HEADER_PATH,
    MERMAID_PATH,
    REGISTER_DOC_PATH,
    SVG_PATH,
)
from ._registers_doc import render_register_doc
from ._svg import dot_executable, render_svg, svg_is_current


def generated_files() -> dict[Path, str]:
    """Every generated text file: path relative to the repository root -> content."""
    return {
        HEADER_PATH: render_header(),
        REGISTER_DOC_PATH: render_register_doc(),
        MERMAID_PATH: render_mermaid(),
        DOT_PATH: render_dot(),
        DIAGRAM_DOC_PATH: render_diagram_doc(),
    }


def read_if_exists(path: Path) -> str | None:
    """The text of ``path``, or ``None`` when it does not exist."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def check_all(root: Path) -> list[Path]:
    """The generated files under ``root`` that are missing or stale (relative paths)."""
    stale = [rel for rel, text in generated_files().items() if read_if_exists(root / rel) != text]
    svg = read_if_exists(root / SVG_PATH)
    if svg is None or not svg_is_current(svg, render_dot()):
        stale.append(SVG_PATH)
    return stale


def write_all(root: Path, *, svg: bool = True) -> list[Path]:
    """Write every stale generated file under ``root``; return those written.

    The SVG is rendered when ``svg`` is true and graphviz ``dot`` is installed
    (:func:`.dot_executable`); a stale SVG is otherwise
    left as it is, and :func:`check_all` reports it.
    """
    written: list[Path] = []
    for rel, text in generated_files().items():
        path = root / rel
        if read_if_exists(path) != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(rel)
    dot_source = render_dot()
    current = read_if_exists(root / SVG_PATH)
    dot = dot_executable() if svg else None
    if dot is not None and (current is None or not svg_is_current(current, dot_source)):
        (root / SVG_PATH).parent.mkdir(parents=True, exist_ok=True)
        (root / SVG_PATH).write_text(render_svg(dot_source, dot), encoding="utf-8")
        written.append(SVG_PATH)
    return written
