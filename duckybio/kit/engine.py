"""The kit's engine parts that other checkers and the command line build on.

The driver checker (``duckybio.driver``) shrinks with the kit's
:class:`Shrinker` of named :class:`ShrinkPass` values (:func:`greedy` builds
one), searches with :func:`search_settings` under :func:`quiet`, reads
``module:attr`` and command-line arguments with :func:`import_object`,
:func:`names_python_object` and :func:`split_command`, and fills storages
with :func:`pattern`; ``duckybio serve`` is :func:`serve_stdio` (lines of at
most :data:`MAX_LINE` characters).
"""

from ._power_on import pattern
from ._search_settings import quiet, search_settings
from ._shrinker import Shrinker, ShrinkPass, greedy
from ._targets import import_object, names_python_object, split_command
from ._wire_server import MAX_LINE, serve_stdio

__all__ = [
    "MAX_LINE",
    "ShrinkPass",
    "Shrinker",
    "greedy",
    "import_object",
    "names_python_object",
    "pattern",
    "quiet",
    "search_settings",
    "serve_stdio",
    "split_command",
]
