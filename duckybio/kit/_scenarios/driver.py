"""Scenarios of the original device: its tests' expectations (SPEC section 14) and its
FORTH block driver (section 15)."""

from __future__ import annotations

from ...spec.regmap import BLOCK_SIZE
from .._scenario import Session
from .._testbed import (
    ADDR,
    BLOCK,
    CONTENT_A,
    CONTENT_B,
    COUNT,
    DMA,
    ERR,
    MMIO_BASE,
    RDY,
    READ,
    SID_A,
    SID_B,
    SID_UNKNOWN,
    SRST,
    WRITE,
    block_of,
    splice,
)
from .registry import scenario

__all__ = ["driver_forth", "forth", "forth_op", "original"]


@scenario("original-status-expectations", "R-WR-3", "R-CMD-3", "R-CMD-7", "R-CMD-8",
          "R-CMD-10")
def original(s: Session) -> None:
    """The original's tests: SRST then an unknown id reads 0x02; an out-of-bounds DMA
    read 0x02; a good DMA read or write 0x01."""
    s.setup(fill=True)
    s.go(SRST)
    s.sid(SID_UNKNOWN)
    s.status(0x02)
    s.op(DMA | READ, SID_A, 4, 1, 0x1000, want=0x02)
    s.op(DMA | READ, SID_A, 3, 1, 0x1000, want=0x01)
    s.op(DMA | WRITE, SID_A, 0, 1, 0x1000, want=0x01)
    s.sread(SID_A, 0, BLOCK_SIZE, want=block_of(CONTENT_A, 3))


def forth_op(s: Session, flags: int, sid: int, block: int, count: int, addr: int,
             ok: bool) -> None:
    """One operation of the FORTH driver (it stops after a SID that flags ERR)."""
    s.go(SRST)
    s.sid(sid)
    s.status(ERR if sid == SID_UNKNOWN else RDY)
    if sid == SID_UNKNOWN:
        return
    for reg, value in ((BLOCK, block), (COUNT, count), (ADDR, addr)):
        s.wr(reg, value)
        s.status(RDY)
    s.run(flags, RDY if ok else ERR)


def forth(s: Session) -> None:
    """DMA writes and reads through the FORTH driver, and the failures it reports."""
    s.setup(fill=True)
    ram = s.fill(0x4000, 2 * BLOCK_SIZE)
    forth_op(s, DMA | WRITE, SID_B, 0, 2, 0x4000, True)
    s.sread(SID_B, want=splice(CONTENT_B, 0, ram))
    forth_op(s, DMA | READ, SID_A, 1, 3, 0xA000, True)
    s.read(0xA000, 3 * BLOCK_SIZE, want=block_of(CONTENT_A, 1, 3))
    forth_op(s, DMA | READ, SID_B, 0, 2, 0xC000, True)
    s.read(0xC000, 2 * BLOCK_SIZE, want=ram)
    forth_op(s, DMA | READ, SID_UNKNOWN, 0, 1, 0, False)
    forth_op(s, DMA | READ, SID_B, 2, 1, 0, False)
    forth_op(s, DMA | WRITE, SID_A, 0, 1, MMIO_BASE, False)
    forth_op(s, DMA | READ, SID_A, 0, 1, 0, True)
    s.status(RDY)
    s.read(0, BLOCK_SIZE, want=block_of(CONTENT_A, 0))


@scenario("driver-forth", "R-BSY-1", "R-ST-2", "R-CMD-7", "R-CMD-8", "R-WR-3", "R-CMD-3")
def driver_forth(s: Session) -> None:
    """The original FORTH block driver (SPEC section 15): DMA writes and reads, and
    the failures it reports."""
    forth(s)
