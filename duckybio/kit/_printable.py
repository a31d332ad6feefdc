"""Text from the code under test made safe to show: in a terminal, XML, HTML and JSON.

A target's ``FAIL`` text or stderr and a path that is not UTF-8 may hold any
character.  :func:`printable` replaces every control character but newline
and tab (C0, DEL, C1: ESC, NUL, BEL, carriage return), every lone surrogate
(a byte of a path that is not UTF-8, ``\\xff``) and the two non-characters
XML forbids by a visible escape, so that no report can move a terminal's
cursor, retitle its window, or make an XML document ill-formed.  Printable
text is returned as it is.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["printable"]

_UNSAFE: Final = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every unsafe character replaced by its escape (see the module)."""
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text
