"""Scenarios of SPEC section 10, invariants (R-INV-*)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

from ...spec.regmap import BLOCK_SIZE, U32_MASK
from .._scenario import Session
from .._testbed import (
    ADDR,
    BLOCK,
    CONTENT_A,
    CONTENT_B,
    COUNT,
    DATA,
    DMA,
    ERR,
    MMIO_BASE,
    MMIO_END,
    OTHER_OFFSETS,
    RAM_SIZE,
    RDY,
    READ,
    SID,
    SID_A,
    SID_B,
    SID_UNKNOWN,
    SRST,
    STATUS,
    WORDS_PER_BLOCK,
    WRITE,
    numbers,
    splice,
)
from .registry import scenario

__all__ = ["ERR_CAUSES", "HOSTILE", "SWEEP", "err_sticky", "hostile", "never_both",
           "only_commands", "rdy_busy"]


def _err_unknown_sid(s: Session) -> None:
    s.sid(SID_UNKNOWN)


def _err_underrun(s: Session) -> None:
    s.data()


def _err_overrun(s: Session) -> None:
    s.put(1)


def _err_failed_command(s: Session) -> None:
    s.sid(SID_A)
    s.block(7)
    s.run(READ)


#: Ways to set ERR, by name, in the order the scenario runs them.
ERR_CAUSES: Final[dict[str, Callable[[Session], None]]] = {
    "unknown-sid": _err_unknown_sid,
    "underrun": _err_underrun,
    "overrun": _err_overrun,
    "failed-command": _err_failed_command,
}


@scenario("invariant-err-sticky", "R-INV-1")
def err_sticky(s: Session, causes: Sequence[str] = tuple(ERR_CAUSES)) -> None:
    """ERR, whatever set it, survives selections, commands, STATUS writes and clock
    steps; only SRST clears it."""
    for cause in causes:
        s.setup()
        ERR_CAUSES[cause](s)
        s.status(ERR)
        s.sid(SID_A)
        s.block(0)
        s.count(1)
        for value in (0, DMA, RDY, ERR, U32_MASK & ~SRST & ~READ & ~WRITE):
            s.go(value)
            s.status(ERR)
        s.run(READ, RDY | ERR)
        s.data()
        s.put(1)
        s.run(WRITE, RDY | ERR)
        s.tick()
        s.tick()
        s.status(RDY | ERR)
        s.go(SRST)
        s.status(RDY)


def never_both(s: Session) -> None:
    """Forty commands that succeed and fail, STATUS probed, polled and read across
    clock steps."""
    s.setup(fill=True)
    flags = (READ, WRITE, DMA | READ, DMA | WRITE, SRST | READ)
    sids = (SID_A, SID_B, SID_UNKNOWN)
    addrs = (0, 0x1000, MMIO_BASE, RAM_SIZE - BLOCK_SIZE)
    for i in range(40):
        s.sid(sids[(7 * i) % len(sids)])
        s.block((3 * i) % 5)
        s.count((5 * i) % 3)
        s.addr(addrs[(11 * i) % len(addrs)])
        s.go(flags[i % len(flags)])
        if s.in_flight():
            s.status()
        s.wait()
        s.status()
        s.tick()
        s.status()
        if i % 4 == 3:
            s.go(SRST)


@scenario("invariant-rdy-never-with-busy", "R-INV-2")
def rdy_busy(s: Session) -> None:
    """RDY and BUSY never read together, across commands that succeed and fail."""
    never_both(s)


@scenario("invariant-only-commands-change-data", "R-INV-3", "E5")
def only_commands(s: Session) -> None:
    """Hundreds of register writes that start no command change no data; one PIO
    write then changes exactly its block."""
    s.setup(fill=True)
    low = s.fill(0, BLOCK_SIZE)
    below = s.fill(MMIO_BASE - BLOCK_SIZE, BLOCK_SIZE)
    above = s.fill(MMIO_END, BLOCK_SIZE)
    offsets = (SID, BLOCK, COUNT, ADDR, DATA, *OTHER_OFFSETS)
    rand = numbers("only-commands")
    for _ in range(300):
        pick = next(rand)
        offset = STATUS if pick % 11 == 0 else offsets[pick % len(offsets)]
        value = (0, 1, 2, 4, SID_A, SID_B, U32_MASK, next(rand))[next(rand) % 8]
        if offset == STATUS:
            value &= ~(READ | WRITE)
        s.wr(offset, value)
        if next(rand) % 5 == 0:
            s.rd((STATUS, DATA, *offsets)[next(rand) % (len(offsets) + 2)])
    s.read(0, BLOCK_SIZE, want=low)
    s.read(MMIO_BASE - BLOCK_SIZE, BLOCK_SIZE, want=below)
    s.read(MMIO_END, BLOCK_SIZE, want=above)
    s.sread(SID_A, want=CONTENT_A)
    s.sread(SID_B, want=CONTENT_B)
    s.op(WRITE, SID_B, 1, 1, want=RDY)
    s.sread(SID_A, want=CONTENT_A)
    s.sread(SID_B, want=splice(CONTENT_B, BLOCK_SIZE, bytes(BLOCK_SIZE)))
    s.read(0, BLOCK_SIZE, want=low)


#: Guest access sequences that crashed the original device: ``("r" or "w", offset, value)``.
HOSTILE: Final[tuple[tuple[tuple[str, int, int], ...], ...]] = (
    (("r", DATA, 0), ("w", DATA, 1), ("w", STATUS, WRITE)),
    (("w", SID, SID_A), ("w", COUNT, 1), ("w", STATUS, WRITE)),
    (("w", SID, SID_A), ("w", COUNT, 1), ("w", STATUS, READ), ("w", DATA, 5), ("r", DATA, 0),
     ("w", STATUS, WRITE)),
    (("w", SID, SID_A), ("w", COUNT, 4), ("w", ADDR, MMIO_BASE - 8),
     ("w", STATUS, DMA | READ), ("w", STATUS, DMA | WRITE)),
    (("w", SID, SID_A), ("w", COUNT, 1), ("w", ADDR, U32_MASK), ("w", STATUS, DMA | READ)),
    (("w", SID, SID_A), ("w", COUNT, 1), ("w", STATUS, READ),
     *((("r", DATA, 0),) * (WORDS_PER_BLOCK + 3))),
    (("w", SID, U32_MASK), ("w", BLOCK, U32_MASK), ("w", COUNT, U32_MASK),
     ("w", ADDR, U32_MASK), ("w", STATUS, U32_MASK), ("w", DATA, U32_MASK)),
)
#: Offsets the scenario sweeps after each hostile sequence (every register and a few others).
SWEEP: Final = (*range(0, 0x20), 0x7C, 0xFC, 0xFF)


@scenario("invariant-hostile-sequences", "R-INV-4", "E2", "E3", "E4", "E5", "E6")
def hostile(s: Session, sequences: Sequence[int] = range(len(HOSTILE)),
            sweep: Sequence[int] = SWEEP) -> None:
    """Sequences that crashed the original device are answered, then a sweep over
    the page's offsets is too."""
    for sequence in sequences:
        s.setup()
        for kind, offset, value in HOSTILE[sequence]:
            if kind == "r":
                s.rd(offset)
            else:
                s.wr(offset, value)
                if offset == STATUS and value & (READ | WRITE):
                    s.wait()
        s.wait()
        for offset in sweep:
            s.rd(offset)
            s.wr(offset, U32_MASK)
            if offset == STATUS:
                s.wait()
            s.tick()
        s.wait()
        s.sread(SID_A, 0, 64)
