"""The machine every scenario runs on: its geometry, storages and known contents.

Scenarios (golden vectors and rule tests alike) power on a machine of
``RAM_SIZE`` bytes with the BIO page at ``MMIO_BASE`` and attach two storages:
A (``SID_A``, whole blocks) and B (``SID_B``, a size that is not a multiple of
the block size, SPEC R-CMD-3).  Their contents, and the bytes
:meth:`~duckybio.kit._scenario.Session.fill` writes to RAM, are reproducible
pseudo-random bytes, so every expected value can be computed here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import Final, NamedTuple

from ..spec.regmap import (
    BLOCK_SIZE,
    DEFAULT_MMIO_ADDRESS,
    PAGE_SIZE,
    RESERVED_START,
    WORD_SIZE,
    Flag,
    Reg,
)

__all__ = [
    "ADDR",
    "BLOCK",
    "BUSY",
    "CONTENT_A",
    "CONTENT_B",
    "COUNT",
    "DATA",
    "DMA",
    "ERR",
    "MMIO_BASE",
    "MMIO_END",
    "OTHER_OFFSETS",
    "RAM_SIZE",
    "RDY",
    "READ",
    "SID",
    "SID_A",
    "SID_B",
    "SID_UNKNOWN",
    "SIZE_A",
    "SIZE_B",
    "SRST",
    "STATUS",
    "WORDS_PER_BLOCK",
    "WRITE",
    "Snap",
    "block_of",
    "le_bytes",
    "le_words",
    "numbers",
    "pattern",
    "ram_pattern",
    "size_of",
    "splice",
]

RAM_SIZE: Final = 0x10000
MMIO_BASE: Final = DEFAULT_MMIO_ADDRESS
MMIO_END: Final = MMIO_BASE + PAGE_SIZE
SID_A: Final = 1
SIZE_A: Final = 4 * BLOCK_SIZE
SID_B: Final = 0xCAFE0002
SIZE_B: Final = 2 * BLOCK_SIZE + BLOCK_SIZE // 2
SID_UNKNOWN: Final = 3
WORDS_PER_BLOCK: Final = BLOCK_SIZE // WORD_SIZE

RDY, ERR, READ, WRITE, BUSY, DMA, SRST = (int(f) for f in Flag)
STATUS, SID, BLOCK, COUNT, ADDR, DATA = (int(r) for r in Reg)

#: Offsets of the page that are not registers: reserved and unaligned (R-RD-3, R-WR-6).
OTHER_OFFSETS: Final = (*range(RESERVED_START, PAGE_SIZE, WORD_SIZE), 0x01, 0x02, 0x03, 0x05,
                        0x0E, 0x11, 0x13, 0x15, 0x16, 0x17, 0x19, 0xFB)


def pattern(tag: str, length: int) -> bytes:
    """``length`` reproducible pseudo-random bytes named by ``tag``."""
    out = bytearray()
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(f"{tag}:{counter}".encode()).digest()
        counter += 1
    return bytes(out[:length])


def numbers(tag: str) -> Iterator[int]:
    """An endless reproducible stream of pseudo-random u32 values named by ``tag``."""
    counter = 0
    while True:
        digest = hashlib.sha256(f"{tag}:{counter}".encode()).digest()
        for i in range(0, len(digest), WORD_SIZE):
            yield int.from_bytes(digest[i:i + WORD_SIZE], "little")
        counter += 1


def ram_pattern(addr: int, length: int) -> bytes:
    """The bytes :meth:`~duckybio.kit._scenario.Session.fill` writes at ``addr``."""
    return pattern(f"ram-{addr:#x}", length)


CONTENT_A: Final = pattern("storage-a", SIZE_A)
CONTENT_B: Final = pattern("storage-b", SIZE_B)


def size_of(sid: int) -> int:
    """The size of storage A or B."""
    return SIZE_A if sid == SID_A else SIZE_B


def le_words(data: bytes) -> list[int]:
    """``data`` as little-endian 32-bit words."""
    return [int.from_bytes(data[i:i + WORD_SIZE], "little")
            for i in range(0, len(data), WORD_SIZE)]


def le_bytes(words: Iterable[int]) -> bytes:
    """``words`` as little-endian bytes, 4 a word."""
    return b"".join(w.to_bytes(WORD_SIZE, "little") for w in words)


def block_of(content: bytes, block: int, count: int = 1) -> bytes:
    """Blocks ``[block, block + count)`` of ``content``."""
    return content[block * BLOCK_SIZE:(block + count) * BLOCK_SIZE]


def splice(data: bytes, offset: int, part: bytes) -> bytes:
    """``data`` with ``part`` written over it at ``offset``."""
    return data[:offset] + part + data[offset + len(part):]


class Snap(NamedTuple):
    """Everything the guest can change: RAM (its MMIO page as zeros) and both storages."""

    ram: bytes
    a: bytes
    b: bytes
