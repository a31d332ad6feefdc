"""Generators of the driver material: C header, register document, state diagrams.

Every generated file (under :data:`OUT_DIR`, :mod:`._layout`) is a pure
function of the register map (``spec/regmap.py``, SPEC.md section 2) or of
the model: ``bio.h`` (:mod:`._header`), ``registers.md``
(:mod:`._registers_doc`), the state diagrams, whose edges are the transitions
the model takes under the explorer's search (:mod:`._diagram`), and their SVG
rendering (:mod:`._svg`).  :func:`write_all` and :func:`check_all`
(:mod:`._files`) back ``duckybio gen`` and ``duckybio gen --check``.
"""

from ._diagram import Edge, class_name, derive_edges, render_dot_shaded
from ._files import check_all, generated_files, read_if_exists, write_all
from ._layout import OUT_DIR, SVG_PATH
from ._svg import dot_executable, render_svg

__all__ = [
    "OUT_DIR",
    "SVG_PATH",
    "Edge",
    "check_all",
    "class_name",
    "derive_edges",
    "dot_executable",
    "generated_files",
    "read_if_exists",
    "render_dot_shaded",
    "render_svg",
    "write_all",
]
