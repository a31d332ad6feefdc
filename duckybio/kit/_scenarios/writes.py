"""Scenarios of SPEC section 6, MMIO writes (R-WR-*)."""

from __future__ import annotations

from ...spec.regmap import BLOCK_SIZE, U32_MASK
from .._scenario import Session
from .._testbed import (
    CONTENT_A,
    CONTENT_B,
    DMA,
    ERR,
    OTHER_OFFSETS,
    RDY,
    READ,
    SID_A,
    SID_B,
    SID_UNKNOWN,
    SRST,
    WRITE,
    block_of,
    le_bytes,
    le_words,
    splice,
)
from .registry import scenario

__all__ = ["block_addr_latch", "count_empties_w", "mod_2_32", "other_offsets_ignored",
           "sid_known", "sid_unknown"]


@scenario("write-values-mod-2-32", "R-WR-1", "R-ST-1")
def mod_2_32(s: Session) -> None:
    """Values wider than 32 bits are taken modulo 2**32 (wire numbers are 64-bit)."""
    s.setup(fill=True)
    s.sid(SID_A + (1 << 32))
    s.status(RDY)
    s.sid((U32_MASK << 32) | SID_B)
    s.status(RDY)
    s.sid(SID_A | (7 << 40))
    s.block(1 + (5 << 32))
    s.count(1 + (1 << 40))
    s.addr(0x1000 + (1 << 32))
    s.run(DMA | READ | (1 << 34), RDY)
    s.read(0x1000, 2 * BLOCK_SIZE, want=block_of(CONTENT_A, 1) + bytes(BLOCK_SIZE))


@scenario("write-sid-known-keeps-flags", "R-WR-2", "E13")
def sid_known(s: Session) -> None:
    """Selecting an attached storage leaves the flags, even ERR with RDY clear."""
    s.setup(fill=True)
    s.sid(SID_A)
    s.status(RDY)
    s.sid(SID_UNKNOWN)
    s.sid(SID_B)
    s.status(ERR)
    s.count(1)
    s.run(DMA | READ, RDY | ERR)
    s.read(0, BLOCK_SIZE, want=block_of(CONTENT_B, 0))


@scenario("write-sid-unknown", "R-WR-3", "R-CMD-6", "E13")
def sid_unknown(s: Session) -> None:
    """An unknown id sets ERR, clears RDY and deselects (the original's 0x02)."""
    s.setup(fill=True)
    s.go(SRST)
    s.sid(SID_UNKNOWN)
    s.status(ERR)
    s.go(SRST)
    s.sid(SID_A)
    s.count(1)
    s.sid(SID_UNKNOWN)
    s.status(ERR)
    s.run(DMA | READ, ERR)
    s.read(0, BLOCK_SIZE, want=bytes(BLOCK_SIZE))


@scenario("write-block-addr-latch", "R-WR-4")
def block_addr_latch(s: Session) -> None:
    """BLOCK and ADDR latch their values for the next command and nothing else."""
    written = le_bytes([0xA1B2C3D4]) + bytes(BLOCK_SIZE - 4)
    s.setup(fill=True)
    s.sid(SID_A)
    s.count(1)
    s.put(0xA1B2C3D4)
    s.block(2)
    s.addr(0x3000)
    s.status(RDY)
    s.run(WRITE, RDY)
    s.sread(SID_A, 2 * BLOCK_SIZE, 16, want=written[:16])
    s.run(DMA | READ, RDY)
    s.read(0x3000, BLOCK_SIZE, want=written)


@scenario("write-count-empties-w", "R-WR-5", "R-PIO-5", "E4")
def count_empties_w(s: Session) -> None:
    """A COUNT write empties W but leaves R and its cursor."""
    s.setup(fill=True)
    s.sid(SID_A)
    s.block(1)
    s.count(1)
    s.run(READ, RDY)
    s.put(0x11111111)
    s.count(2)
    s.put(0x22222222)
    s.data(want=le_words(block_of(CONTENT_A, 1))[0])
    s.block(0)
    s.run(WRITE, RDY)
    s.sread(SID_A, 0, 2 * BLOCK_SIZE + 16, want=le_bytes([0x22222222]) + bytes(
        2 * BLOCK_SIZE - 4) + block_of(CONTENT_A, 2)[:16])


@scenario("write-other-offsets", "R-WR-6")
def other_offsets_ignored(s: Session) -> None:
    """Writes to reserved and unaligned offsets are ignored, even STATUS-like values."""
    s.setup(fill=True)
    s.sid(SID_A)
    s.block(1)
    s.count(1)
    s.put(0xFEEDFACE)
    for offset in OTHER_OFFSETS:
        s.wr(offset, U32_MASK)
        s.wr(offset, SRST | DMA | READ)
    s.status(RDY)
    s.read(0, BLOCK_SIZE, want=bytes(BLOCK_SIZE))
    s.sread(SID_A, want=CONTENT_A)
    s.run(WRITE, RDY)
    s.sread(SID_A, want=splice(CONTENT_A, BLOCK_SIZE,
                               le_bytes([0xFEEDFACE]) + bytes(BLOCK_SIZE - 4)))
