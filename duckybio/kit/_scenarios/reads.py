"""Scenarios of SPEC section 5, MMIO reads (R-RD-*)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from ...spec.regmap import BLOCK_SIZE
from .._scenario import Session
from .._testbed import (
    ADDR,
    BLOCK,
    CONTENT_A,
    COUNT,
    DMA,
    ERR,
    OTHER_OFFSETS,
    RDY,
    READ,
    SID,
    SID_A,
    SID_UNKNOWN,
    SRST,
    WRITE,
    block_of,
    le_words,
)
from .registry import scenario

__all__ = ["WRITE_ONLY", "other_offsets", "status_flags", "write_only_registers"]

#: The write-only registers (R-RD-2).
WRITE_ONLY: Final = (SID, BLOCK, COUNT, ADDR)


@scenario("read-status-flags", "R-RD-1", "R-INV-2")
def status_flags(s: Session) -> None:
    """STATUS reads only RDY, ERR and BUSY, and reading it has no effect."""
    s.setup(fill=True)
    s.status(RDY)
    s.status(RDY)
    s.status(RDY)
    s.sid(SID_UNKNOWN)
    s.status(ERR)
    s.sid(SID_A)
    s.count(1)
    s.run(DMA | WRITE | READ, RDY | ERR)
    s.status(RDY | ERR)
    s.go(SRST)
    s.status(RDY)


@scenario("read-write-only-registers", "R-RD-2", "E9")
def write_only_registers(s: Session, regs: Sequence[int] = WRITE_ONLY) -> None:
    """SID, BLOCK, COUNT and ADDR read 0, and reading them changes nothing."""
    s.setup(fill=True)
    s.sid(SID_A)
    s.block(1)
    s.count(1)
    s.addr(0x1000)
    for reg in regs:
        s.rd(reg, 0)
    s.status(RDY)
    s.run(DMA | READ, RDY)
    s.read(0x1000, BLOCK_SIZE, want=block_of(CONTENT_A, 1))


@scenario("read-other-offsets", "R-RD-3")
def other_offsets(s: Session) -> None:
    """Reserved and unaligned offsets read 0 and do not move the DATA cursor."""
    s.setup(fill=True)
    s.sid(SID_A)
    s.block(2)
    s.count(1)
    s.run(READ, RDY)
    for offset in OTHER_OFFSETS:
        s.rd(offset, 0)
    s.status(RDY)
    s.words(2, want=le_words(block_of(CONTENT_A, 2))[:2])
