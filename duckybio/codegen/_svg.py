"""The SVG rendering of the DOT state diagram, stamped with the DOT source it came from.

The SVG is the one generated file that needs an external tool (graphviz
``dot``).  It carries the SHA-256 of the DOT source it was rendered from, so
its freshness is checked without comparing bytes produced by a particular
graphviz version.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from typing import Final

_SVG_STAMP: Final = re.compile(r"<!-- duckybio dot-source sha256: ([0-9a-f]{64}) -->")


def dot_digest(dot_source: str) -> str:
    """The SHA-256 (hex) of a DOT source, as stamped into the SVG rendered from it."""
    return hashlib.sha256(dot_source.encode()).hexdigest()


def stamp_svg(svg: str, dot_source: str) -> str:
    """``svg`` with a comment naming the digest of the DOT source it was rendered from."""
    stamp = f"<!-- duckybio dot-source sha256: {dot_digest(dot_source)} -->\n"
    if svg.startswith("<?xml"):
        head, _, rest = svg.partition("\n")
        return head + "\n" + stamp + rest
    return stamp + svg


def svg_is_current(svg: str, dot_source: str) -> bool:
    """Whether ``svg`` is stamped as rendered from exactly ``dot_source``."""
    match = _SVG_STAMP.search(svg)
    return match is not None and match.group(1) == dot_digest(dot_source) and "<svg" in svg


def dot_executable() -> str | None:
    """The graphviz ``dot`` program on PATH, or ``None`` when it is not installed."""
    return shutil.which("dot")


def render_svg(dot_source: str, dot: str) -> str:
    """The stamped SVG that the ``dot`` program renders from ``dot_source``."""
    result = subprocess.run([dot, "-Tsvg"], input=dot_source, capture_output=True,
                            text=True, check=False)
    if result.returncode != 0:
        message = result.stderr.strip().splitlines()
        raise RuntimeError(f"dot failed: {message[-1] if message else result.returncode}")
    return stamp_svg(result.stdout, dot_source)
