"""Scenarios of SPEC section 7, commands: their checks and failures (R-CMD-2 to R-CMD-6).

The data effects of successful commands are in :mod:`.transfers`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from ...spec.regmap import BLOCK_SIZE, DATA_INVALID, U32_MASK
from .._scenario import Session
from .._testbed import (
    CONTENT_A,
    CONTENT_B,
    DMA,
    ERR,
    MMIO_BASE,
    MMIO_END,
    RAM_SIZE,
    RDY,
    READ,
    SID_A,
    SID_B,
    SIZE_A,
    SRST,
    WORDS_PER_BLOCK,
    WRITE,
    block_of,
    le_words,
    splice,
)
from .registry import scenario

__all__ = ["BOUNDS_CASES", "COMMAND_KINDS", "DMA_RANGE_CASES", "EXACT_CASES", "bounds",
           "bounds_case", "dma_range_case", "dma_range_read", "dma_range_write", "exact",
           "exact_case", "failure_empties", "no_stale", "no_storage", "pio_ignores_addr",
           "r_as_of_completion"]

#: The four kinds of command.
COMMAND_KINDS: Final = (READ, DMA | READ, WRITE, DMA | WRITE)


@scenario("command-no-storage", "R-CMD-2", "R-CMD-6")
def no_storage(s: Session, kinds: Sequence[int] = COMMAND_KINDS) -> None:
    """Every kind of command fails without a selected storage, with no data effect."""
    s.setup(fill=True)
    ram = s.fill(0, BLOCK_SIZE)
    for flags in kinds:
        s.go(SRST)
        s.count(1)
        s.run(flags, ERR)
        s.data(want=DATA_INVALID)
    s.read(0, BLOCK_SIZE, want=ram)
    s.sread(SID_A, want=CONTENT_A)
    s.sread(SID_B, want=CONTENT_B)


#: ``(sid, block, count, in bounds)``: storage B's size is not a multiple of the block size.
BOUNDS_CASES: Final = (
    (SID_A, 3, 1, True), (SID_A, 0, 4, True), (SID_A, 3, 2, False), (SID_A, 0, 5, False),
    (SID_A, 4, 1, False), (SID_B, 1, 1, True), (SID_B, 2, 1, False), (SID_B, 0, 3, False),
)


def bounds_case(s: Session, flags: int, sid: int, block: int, count: int, ok: bool) -> None:
    """One operation that is in bounds (``ok``) or fails with nothing left in R."""
    s.op(flags, sid, block, count, 0x1000, want=RDY if ok else ERR)
    s.data(want=None if ok else DATA_INVALID)


@scenario("command-bounds", "R-CMD-3", "R-CMD-6", "R-CMD-10")
def bounds(s: Session) -> None:
    """(block + count) * 1024 > size fails; equality is in bounds (storage B's size
    is not a multiple of the block size)."""
    s.setup(fill=True)
    s.fill(0x1000, 4 * BLOCK_SIZE)
    for flags in (DMA | READ, READ, DMA | WRITE, WRITE):
        for case in BOUNDS_CASES:
            bounds_case(s, flags, *case)
    s.read(0x1000, 16, want=block_of(CONTENT_B, 1)[:16])
    s.sread(SID_A, want=bytes(SIZE_A))
    s.sread(SID_B, want=splice(CONTENT_B, BLOCK_SIZE, bytes(BLOCK_SIZE)))


#: ``(addr, count, all RAM)``: DMA ranges at the edges of the MMIO page and of RAM.
DMA_RANGE_CASES: Final = (
    (MMIO_BASE - BLOCK_SIZE, 1, True),
    (MMIO_BASE - BLOCK_SIZE + 4, 1, False),
    (MMIO_BASE - 4, 1, False),
    (MMIO_BASE, 1, False),
    (MMIO_END - 4, 1, False),
    (MMIO_END, 1, True),
    (MMIO_BASE - BLOCK_SIZE, 2, False),
    (0, 4, True),
    (0x7F00, 2, False),
    (RAM_SIZE - BLOCK_SIZE, 1, True),
    (RAM_SIZE - BLOCK_SIZE + 4, 1, False),
    (RAM_SIZE, 1, False),
    (U32_MASK, 1, False),
)
#: Small RAM windows at the edges of the MMIO page and of RAM.
EDGE_WINDOWS: Final = ((MMIO_BASE - BLOCK_SIZE, 16), (MMIO_BASE - 16, 16), (MMIO_END, 16),
                       (RAM_SIZE - 16, 16))


def dma_range_case(s: Session, op: int, addr: int, count: int, ok: bool) -> None:
    """A DMA ``op`` of ``count`` blocks of storage A at ``addr``; after a failure, look
    at the edges of RAM (a read) or at storage A (a write)."""
    s.op(DMA | op, SID_A, 0, count, addr, want=RDY if ok else ERR)
    if ok:
        return
    if op == READ:
        for window in EDGE_WINDOWS:
            s.read(*window)
    else:
        s.sread(SID_A, 0, 32)
        s.sread(SID_A, BLOCK_SIZE - 16, 32)


def _dma_range(s: Session, op: int) -> None:
    s.setup(fill=True)
    for addr, length in EDGE_WINDOWS:
        s.fill(addr, length)
    for case in DMA_RANGE_CASES:
        dma_range_case(s, op, *case)


@scenario("command-dma-range-read", "R-CMD-4", "R-CMD-6", "E6")
def dma_range_read(s: Session) -> None:
    """A DMA read fails, copying nothing, when its range touches the MMIO page or
    runs past RAM; ranges ending at the page or at the end of RAM are fine."""
    _dma_range(s, READ)


@scenario("command-dma-range-write", "R-CMD-4", "R-CMD-6", "E6")
def dma_range_write(s: Session) -> None:
    """A DMA write fails, writing nothing, when its range touches the MMIO page or
    runs past RAM."""
    _dma_range(s, WRITE)


@scenario("command-pio-ignores-addr", "R-CMD-4")
def pio_ignores_addr(s: Session) -> None:
    """A PIO command does not look at ADDR, whatever it points to."""
    s.setup(fill=True)
    block = block_of(CONTENT_A, 1)
    for addr in (MMIO_BASE, RAM_SIZE, U32_MASK):
        s.op(READ, SID_A, 1, 1, addr, want=RDY)
        s.words(4, want=le_words(block)[:4])
        s.op(WRITE, SID_A, 1, 1, addr, want=RDY)
        block = bytes(BLOCK_SIZE)
        s.sread(SID_A, 0, 2 * BLOCK_SIZE + 16,
                want=splice(CONTENT_A, BLOCK_SIZE, block)[:2 * BLOCK_SIZE + 16])


#: ``(flags, block, count, addr)``: each passes its check with u32 arithmetic only.
EXACT_CASES: Final = (
    (READ, U32_MASK, 1, 0),
    (WRITE, 0xFFC00000, 0x400000, 0),
    (READ, 0x400000, 0, 0),
    (WRITE, 0, 0x400000, 0),
    (DMA | READ, 0, 1, 0xFFFFFC00),
    (DMA | WRITE, 0, 0x400001, 0xFFFFFC00),
    (DMA | READ, 1, U32_MASK, 0x1000),
)


def exact_case(s: Session, flags: int, block: int, count: int, addr: int) -> None:
    """One operation on storage A that fails with exact arithmetic."""
    s.op(flags, SID_A, block, count, addr, want=ERR)
    s.data(want=DATA_INVALID)


@scenario("command-exact-arithmetic", "R-CMD-5", "E8")
def exact(s: Session) -> None:
    """Block and address arithmetic never wraps at 2**32: each of these would pass
    its check with u32 arithmetic, and fails."""
    s.setup(fill=True)
    low = s.fill(0, 64)
    high = s.fill(0x1000, 64)
    for case in EXACT_CASES:
        exact_case(s, *case)
    s.read(0, 64, want=low)
    s.read(0x1000, 64, want=high)
    s.sread(SID_A, want=CONTENT_A)


@scenario("command-failure-empties-r-and-w", "R-CMD-6", "E14")
def failure_empties(s: Session) -> None:
    """A failed command empties R and W and has no data effect."""
    s.setup(fill=True)
    s.sid(SID_A)
    s.count(1)
    s.run(READ, RDY)
    s.put(0x0BADF00D)
    s.block(9)
    s.run(WRITE, ERR)
    s.data(want=DATA_INVALID)
    s.sread(SID_A, want=CONTENT_A)
    s.block(0)
    s.run(WRITE, RDY | ERR)
    s.sread(SID_A, 0, BLOCK_SIZE + 16,
            want=bytes(BLOCK_SIZE) + block_of(CONTENT_A, 1)[:16])


@scenario("command-failed-read-no-stale-data", "R-CMD-6", "E14")
def no_stale(s: Session) -> None:
    """DATA reads after a failed READ return no stale data from the previous one."""
    s.setup(fill=True)
    s.op(READ, SID_A, 0, 2, want=RDY)
    s.data(want=le_words(CONTENT_A)[0])
    s.block(3)
    s.run(READ, ERR)
    s.data(want=DATA_INVALID)


@scenario("command-r-as-of-completion", "R-CMD-10", "R-CMD-12")
def r_as_of_completion(s: Session) -> None:
    """R is the data as of completion, as if copied then: host storage writes after the
    command do not change what DATA reads return (after a PIO READ, a PIO WRITE and a
    DMA READ)."""
    s.setup(fill=True)
    block = le_words(block_of(CONTENT_A, 1))
    s.op(READ, SID_A, 1, 1, want=RDY)
    s.data(want=block[0])
    s.swrite(SID_A, BLOCK_SIZE, b"\x5A" * BLOCK_SIZE)
    s.words(WORDS_PER_BLOCK - 1, want=block[1:])
    s.go(SRST)
    s.sid(SID_A)
    s.block(2)
    s.count(1)
    s.put(0x11111111, 0x22222222)
    s.run(WRITE, RDY)
    s.swrite(SID_A, 2 * BLOCK_SIZE, b"\xEE" * 12)
    s.words(3, want=[0x11111111, 0x22222222, 0])
    third = le_words(block_of(CONTENT_A, 3))
    s.op(DMA | READ, SID_A, 3, 1, 0x1000, want=RDY)
    s.swrite(SID_A, 3 * BLOCK_SIZE, b"\x77" * BLOCK_SIZE)
    s.words(2, want=third[:2])
    s.read(0x1000, 8, want=block_of(CONTENT_A, 3)[:8])
