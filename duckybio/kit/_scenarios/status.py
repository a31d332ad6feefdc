"""Scenarios of SPEC section 6, STATUS writes (R-ST-*)."""

from __future__ import annotations

from ...spec.regmap import BLOCK_SIZE, GUEST_SETTABLE, U32_MASK
from .._scenario import Session
from .._testbed import (
    BUSY,
    CONTENT_A,
    DMA,
    ERR,
    RDY,
    READ,
    SID_A,
    SID_UNKNOWN,
    SRST,
    WRITE,
    block_of,
    le_words,
    splice,
)
from .registry import scenario

__all__ = ["dma_sticky", "guest_bits", "no_command", "read_wins", "srst_first"]


@scenario("status-guest-settable-bits", "R-ST-1")
def guest_bits(s: Session) -> None:
    """Only READ, WRITE, DMA and SRST of a STATUS write count."""
    s.setup(fill=True)
    s.go(U32_MASK & ~GUEST_SETTABLE)
    s.status(RDY)
    s.go(ERR | BUSY)
    s.status(RDY)
    s.sid(SID_UNKNOWN)
    s.go(RDY | 0xFFFFFF00)
    s.status(ERR)
    s.read(0, BLOCK_SIZE, want=bytes(BLOCK_SIZE))
    s.sread(SID_A, 0, 64, want=CONTENT_A[:64])


@scenario("status-srst-first", "R-ST-2")
def srst_first(s: Session) -> None:
    """SRST applies first, then DMA, then the command: SRST|DMA keeps DMA mode on,
    SRST|DMA|READ starts a read with no storage selected."""
    s.setup(fill=True)
    s.sid(SID_A)
    s.count(1)
    s.sid(SID_UNKNOWN)
    s.go(SRST | DMA)
    s.status(RDY)
    s.sid(SID_A)
    s.block(3)
    s.count(1)
    s.addr(0x2000)
    s.run(READ, RDY)
    s.read(0x2000, BLOCK_SIZE, want=block_of(CONTENT_A, 3))
    s.addr(0)
    s.run(SRST | DMA | READ, ERR)
    s.read(0, BLOCK_SIZE, want=bytes(BLOCK_SIZE))


@scenario("status-dma-mode-sticky", "R-ST-3", "E10")
def dma_sticky(s: Session) -> None:
    """The DMA bit switches DMA mode on for every later command until a reset."""
    s.setup(fill=True)
    s.go(DMA)
    s.status(RDY)
    s.read(0, 64, want=bytes(64))
    s.sid(SID_A)
    s.count(1)
    s.addr(0x2000)
    s.run(READ, RDY)
    s.read(0x2000, BLOCK_SIZE, want=block_of(CONTENT_A, 0))
    s.block(1)
    s.run(READ, RDY)
    s.read(0x2000, BLOCK_SIZE, want=block_of(CONTENT_A, 1))
    s.go(SRST)
    s.sid(SID_A)
    s.count(1)
    s.addr(0x3000)
    s.run(READ, RDY)
    s.read(0x3000, BLOCK_SIZE, want=bytes(BLOCK_SIZE))
    s.words(2, want=le_words(block_of(CONTENT_A, 0))[:2])


@scenario("status-read-wins", "R-ST-4", "E11")
def read_wins(s: Session) -> None:
    """READ|WRITE performs a READ; WRITE alone a write."""
    s.setup(fill=True)
    s.fill(0x1000, BLOCK_SIZE)
    source = s.fill(0x4000, BLOCK_SIZE)
    s.op(DMA | READ | WRITE, SID_A, 1, 1, 0x1000, want=RDY)
    s.sread(SID_A, want=CONTENT_A)
    s.read(0x1000, BLOCK_SIZE, want=block_of(CONTENT_A, 1))
    s.op(DMA | WRITE, SID_A, 2, 1, 0x4000, want=RDY)
    s.sread(SID_A, want=splice(CONTENT_A, 2 * BLOCK_SIZE, source))


@scenario("status-without-command", "R-ST-5")
def no_command(s: Session) -> None:
    """A STATUS write without READ or WRITE starts nothing and leaves the flags."""
    s.setup(fill=True)
    s.sid(SID_A)
    s.count(1)
    s.put(7)
    for value in (0, DMA, RDY | ERR | BUSY | DMA):
        s.go(value)
        s.status(RDY)
    s.sid(SID_UNKNOWN)
    s.go(0)
    s.go(DMA)
    s.status(ERR)
    s.read(0, BLOCK_SIZE, want=bytes(BLOCK_SIZE))
    s.sread(SID_A, want=CONTENT_A)
