"""Named fill patterns (SPEC section 18) and how traces and transcripts state them.

The harness fills every storage and RAM with the pattern ``words``: word ``i``
(little-endian) is ``(i * 0x9E3779B1 + seed * 0x85EBCA77) mod 2**32``, so no
aligned word repeats and a wrong block, address, byte order or cursor shows in
the first word.  On the wire the bytes are sent as they are; in a trace a byte
string argument may be written ``@words(SEED,LENGTH)`` instead, and
:func:`expand` turns such a line back into its wire form.  :func:`abbreviate`
shortens the long byte strings of a transcript line for people.
"""

from __future__ import annotations

import re
from typing import Final

from ..spec.regmap import U32_MASK

#: The pattern names SPEC section 18 defines.
PATTERNS: Final = ("words",)

_REF: Final = re.compile(r"@words\((0[xX][0-9a-fA-F]+|[0-9]+),(0[xX][0-9a-fA-F]+|[0-9]+)\)")
#: A byte string of more than 16 bytes (one repeated class: memory does not grow with it).
_HEX: Final = re.compile(r"0x[0-9a-fA-F]{34,}")
_WORD_STEP: Final = 0x9E3779B1
_SEED_STEP: Final = 0x85EBCA77


def words(seed: int, length: int) -> bytes:
    """The pattern ``words``: ``length`` bytes in which no aligned 4-byte word repeats."""
    base = seed * _SEED_STEP
    out = b"".join(((i * _WORD_STEP + base) & U32_MASK).to_bytes(4, "little")
                   for i in range((length + 3) // 4))
    return out[:length]


def reference(seed: int, length: int) -> str:
    """The trace notation of ``words(seed, length)``."""
    return f"@words({seed:#x},{length:#x})"


def has_reference(line: str) -> bool:
    """Whether ``line`` states a fill pattern by reference."""
    return _REF.search(line) is not None


def references(line: str) -> list[tuple[int, int]]:
    """The ``(seed, length)`` of every pattern reference in ``line``."""
    return [(int(s, 0), int(n, 0)) for s, n in _REF.findall(line)]


def expand(line: str) -> str:
    """``line`` with every pattern reference replaced by its bytes in wire form."""
    if "@" not in line:
        return line
    return _REF.sub(lambda m: "0x" + words(int(m.group(1), 0), int(m.group(2), 0)).hex(), line)


def abbreviate(line: str, keep: int = 8) -> str:
    """``line`` with byte strings longer than 16 bytes cut to ``keep`` bytes and a count."""
    def cut(match: re.Match[str]) -> str:
        text = match.group(0)
        return f"{text[:2 + 2 * keep]}...({(len(text) - 2) // 2} bytes)"
    return _HEX.sub(cut, line)


def hexdump(data: bytes, start: int) -> list[str]:
    """``data`` as lines of up to 16 bytes, each prefixed by its address from ``start``."""
    return [f"{start + i:#06x}: {data[i:i + 16].hex(' ')}" for i in range(0, len(data), 16)]
