"""Helpers of the hardening regression tests: the command line and the one-line error."""

from __future__ import annotations

import sys
from typing import Final

#: ``duckybio`` as a command line, run with this interpreter.
DUCKYBIO: Final = [sys.executable, "-m", "duckybio"]


def one_line_error(err: str) -> bool:
    """Whether ``err`` is one line of error and no traceback."""
    return len(err.strip().splitlines()) == 1 and "Traceback" not in err
