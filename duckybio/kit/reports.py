"""What the kit writes for people and other tools.

JUnit XML (:func:`render_junit` of :class:`Case` values), a reproducer as a
C program or a pytest file (:func:`render_c`, :func:`render_pytest`; a check
report's reproducers saved by :func:`save_reproducers`), JSON files of the
project's models (:func:`dump_json`, :func:`load_json`) and any text made
safe for a terminal (:func:`printable`).
"""

from ._jsonfile import dump_json, load_json
from ._junit import Case, render_junit
from ._printable import printable
from ._repro import render_c, render_pytest
from ._reproducers import save_reproducers

__all__ = [
    "Case",
    "dump_json",
    "load_json",
    "printable",
    "render_c",
    "render_junit",
    "render_pytest",
    "save_reproducers",
]
