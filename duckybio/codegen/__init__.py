"""Generators of the driver material: C header, register document, state diagrams.

Every generated file (under :data:`OUT_DIR`, :mod:`._layout`) is a pure
function of the register map (``spec/regmap.py``, SPEC.md section 2) or of
the model: ``bio.h`` (:mod:`._header`), ``registers.md``
(:mod:`._registers_doc`), the state diagrams, whose edges are the transitions
the model takes under the explorer's search (:mod:`._diagram`), and their SVG
rendering (:mod:`._svg`).  :func:`write_all` and :func:`check_all`
(:mod:`._files`) back ``duckybio gen`` and ``duckybio gen --check``.
"""

from ._diagram import (
    DIAGRAM_ALPHABET,
    DIAGRAM_CONFIGS,
    DIAGRAM_DEPTH,
    Edge,
    derive_edges,
    edge_key,
    edge_labels,
    explore_edges,
    render_diagram_doc,
    render_dot,
    render_mermaid,
)
from ._files import check_all, generated_files, read_if_exists, write_all
from ._header import Define, header_defines, render_header
from ._layout import (
    DIAGRAM_DOC_PATH,
    DOT_PATH,
    GENERATOR,
    HEADER_PATH,
    MERMAID_PATH,
    OUT_DIR,
    REGISTER_DOC_PATH,
    SVG_PATH,
)
from ._registers_doc import render_register_doc
from ._svg import dot_digest, dot_executable, render_svg, stamp_svg, svg_is_current

__all__ = [
    "DIAGRAM_ALPHABET",
    "DIAGRAM_CONFIGS",
    "DIAGRAM_DEPTH",
    "DIAGRAM_DOC_PATH",
    "DOT_PATH",
    "GENERATOR",
    "HEADER_PATH",
    "MERMAID_PATH",
    "OUT_DIR",
    "REGISTER_DOC_PATH",
    "SVG_PATH",
    "Define",
    "Edge",
    "check_all",
    "derive_edges",
    "dot_digest",
    "dot_executable",
    "edge_key",
    "edge_labels",
    "explore_edges",
    "generated_files",
    "header_defines",
    "read_if_exists",
    "render_diagram_doc",
    "render_dot",
    "render_header",
    "render_mermaid",
    "render_register_doc",
    "render_svg",
    "stamp_svg",
    "svg_is_current",
    "write_all",
]
