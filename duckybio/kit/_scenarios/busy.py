"""Scenarios of SPEC section 9, busy and timing (R-BSY-*).

The BUSY scenarios run at every latency: right after a STATUS write that
starts a command they probe STATUS (:meth:`~duckybio.kit._scenario.Session.in_flight`),
and what they check while the command is in flight they check in that branch
only; a device that completes the command within the write takes the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from ...spec.regmap import BLOCK_SIZE, DATA_INVALID, U32_MASK
from .._scenario import Session
from .._testbed import (
    ADDR,
    BLOCK,
    BUSY,
    CONTENT_A,
    CONTENT_B,
    COUNT,
    DMA,
    ERR,
    OTHER_OFFSETS,
    RDY,
    READ,
    SID,
    SID_A,
    SID_B,
    SID_UNKNOWN,
    SRST,
    WORDS_PER_BLOCK,
    WRITE,
    block_of,
    le_bytes,
    le_words,
    splice,
)
from .driver import forth
from .invariants import never_both
from .registry import scenario
from .reset import RESET_PROBES

__all__ = ["COMPLETION_CASES", "DEFERRED_EXTRAS", "busy_data_read", "busy_data_writes",
           "busy_forth", "busy_latched", "busy_never_both", "busy_nothing_else", "busy_reads",
           "busy_start", "busy_writes", "clock_idle", "completes_in_status_write",
           "completion_case", "deferred_srst", "deferred_srst_failing", "latency_zero",
           "time_still"]

@scenario("busy-start-flags", "R-CMD-1", "R-BSY-1", "R-BSY-2", "R-INV-2", "E18",
          busy=True)
def busy_start(s: Session) -> None:
    """Starting sets BUSY and clears RDY, keeping ERR; the command completes within
    the declared bound."""
    s.setup(fill=True)
    s.sid(SID_A)
    s.count(1)
    s.go(READ)
    s.in_flight(busy=BUSY, done=RDY)
    s.wait(RDY)
    s.sid(SID_UNKNOWN)
    s.sid(SID_A)
    s.go(DMA | WRITE)
    s.in_flight(busy=BUSY | ERR, done=RDY | ERR)
    s.wait(RDY | ERR)
    s.status(RDY | ERR)


@scenario("busy-latched-values", "R-CMD-1", "R-CMD-2", busy=True)
def busy_latched(s: Session) -> None:
    """A command uses the registers latched at its start, not later writes."""
    s.setup(fill=True)
    ram = s.fill(0x1000, BLOCK_SIZE)
    s.sid(SID_A)
    s.block(1)
    s.count(1)
    s.addr(0x1000)
    s.go(DMA | WRITE)
    if s.in_flight(busy=BUSY, done=RDY):
        s.sid(SID_B)
        s.block(2)
        s.count(2)
        s.addr(0x3000)
    s.wait(RDY)
    s.sread(SID_A, want=splice(CONTENT_A, BLOCK_SIZE, ram))
    s.sread(SID_B, want=CONTENT_B)


@scenario("busy-reads", "R-BSY-2", busy=True)
def busy_reads(s: Session) -> None:
    """While BUSY, STATUS reads BUSY (with ERR if set) and other offsets read 0."""
    s.setup(fill=True)
    s.sid(SID_A)
    s.block(1)
    s.count(1)
    s.addr(0x1000)
    s.go(DMA | READ)
    if s.in_flight(busy=BUSY, done=RDY):
        for offset in (SID, BLOCK, COUNT, ADDR, *OTHER_OFFSETS):
            s.rd(offset, 0)
        s.status(BUSY)
    s.wait(RDY)
    s.sid(SID_UNKNOWN)
    s.sid(SID_A)
    s.go(READ)
    if s.in_flight(busy=BUSY | ERR, done=RDY | ERR):
        s.status(BUSY | ERR)
    s.wait(RDY | ERR)


@scenario("busy-writes-ignored", "R-BSY-3", "R-CMD-1", busy=True)
def busy_writes(s: Session) -> None:
    """While BUSY every write is ignored: registers, DATA, commands, reserved offsets."""
    s.setup(fill=True)
    low = s.fill(0x1000, BLOCK_SIZE)
    high = s.fill(0x3000, 2 * BLOCK_SIZE)
    s.sid(SID_A)
    s.block(1)
    s.count(1)
    s.addr(0x1000)
    s.go(READ)
    if s.in_flight(busy=BUSY, done=RDY):
        s.sid(SID_B)
        s.block(2)
        s.count(2)
        s.addr(0x3000)
        s.put(0x12345678)
        s.go(DMA | WRITE)
        s.go(DMA | READ)
        s.go(RDY | ERR | DMA)
        for offset in OTHER_OFFSETS:
            s.wr(offset, U32_MASK)
        s.status(BUSY)
    s.wait(RDY)
    s.read(0x1000, BLOCK_SIZE, want=low)
    s.read(0x3000, 2 * BLOCK_SIZE, want=high)
    s.sread(SID_A, want=CONTENT_A)
    s.sread(SID_B, want=CONTENT_B)
    block = le_words(block_of(CONTENT_A, 1))
    s.data(want=block[0])
    s.run(READ, RDY)
    s.read(0x1000, BLOCK_SIZE, want=low)
    s.words(WORDS_PER_BLOCK, want=block)


@scenario("busy-data-writes-ignored", "R-BSY-3", busy=True)
def busy_data_writes(s: Session) -> None:
    """DATA and COUNT writes while BUSY do not reach W."""
    s.setup(fill=True)
    s.sid(SID_A)
    s.count(1)
    s.put(0x11111111)
    s.go(WRITE)
    if s.in_flight(busy=BUSY, done=RDY):
        s.put(0x22222222)
        s.count(1)
    s.wait(RDY)
    s.sread(SID_A, 0, BLOCK_SIZE + 16, want=le_bytes([0x11111111]) + bytes(
        BLOCK_SIZE - 4) + block_of(CONTENT_A, 1)[:16])


@scenario("busy-data-read", "R-BSY-4", busy=True)
def busy_data_read(s: Session) -> None:
    """A DATA read while BUSY returns 0xFFFFFFFF with no effect (no ERR, no cursor)."""
    s.setup(fill=True)
    s.op(READ, SID_A, 0, 1, want=RDY)
    s.data(want=le_words(CONTENT_A)[0])
    s.block(2)
    s.go(READ)
    if s.in_flight(busy=BUSY, done=RDY):
        s.words(3, want=[DATA_INVALID] * 3)
        s.status(BUSY)
    s.wait(RDY)
    s.words(WORDS_PER_BLOCK, want=le_words(block_of(CONTENT_A, 2)))
    s.status(RDY)


#: Bits written together with a deferred SRST; all of them are ignored (R-BSY-5).
DEFERRED_EXTRAS: Final = (0, READ, WRITE, DMA, DMA | READ | WRITE, ERR | RDY)


@scenario("busy-deferred-srst", "R-BSY-5", "R-RST-2", busy=True)
def deferred_srst(s: Session, extras: Sequence[int] = DEFERRED_EXTRAS) -> None:
    """SRST while BUSY lets the command complete in full, then resets; the other bits
    of that write are ignored and repeated SRSTs act as one."""
    for extra in extras:
        s.setup(fill=True)
        ram = s.fill(0x2000, 2 * BLOCK_SIZE)
        s.sid(SID_UNKNOWN)
        s.sid(SID_A)
        s.block(1)
        s.count(2)
        s.addr(0x2000)
        s.go(DMA | WRITE)
        if s.in_flight(busy=BUSY | ERR, done=RDY | ERR):
            s.go(SRST | extra)
            s.go(SRST)
            s.status(BUSY | ERR)
        else:
            s.go(SRST)
        s.wait(RDY)
        s.sread(SID_A, want=splice(CONTENT_A, BLOCK_SIZE, ram))
        for probe in RESET_PROBES.values():
            probe(s)
            s.go(SRST)


@scenario("busy-deferred-srst-after-failure", "R-BSY-5", busy=True)
def deferred_srst_failing(s: Session) -> None:
    """A command that fails still completes before a deferred SRST; then RDY."""
    s.setup(fill=True)
    ram = s.fill(0, BLOCK_SIZE)
    s.sid(SID_A)
    s.block(4)
    s.count(1)
    s.go(DMA | READ)
    s.go(SRST)
    s.wait(RDY)
    s.read(0, BLOCK_SIZE, want=ram)
    s.sread(SID_A, want=CONTENT_A)
    s.data(want=DATA_INVALID)


#: The commands of :func:`busy_nothing_else`; each addresses blocks 1-2 and RAM 0x2000.
NOTHING_ELSE_COMMANDS: Final = (DMA | READ, DMA | WRITE, WRITE)


@scenario("busy-nothing-else-changes", "R-BSY-6", busy=True)
def busy_nothing_else(s: Session, commands: Sequence[int] = NOTHING_ELSE_COMMANDS) -> None:
    """While BUSY, RAM outside the DMA range and storage bytes outside the addressed
    blocks keep their values (the addressed ones are not looked at)."""
    for flags in commands:
        s.setup(fill=True)
        ram = s.fill(0x1F00, 0xA00)
        addressed = slice(0x2000 - 0x1F00, 0x2800 - 0x1F00)
        s.sid(SID_A)
        s.block(1)
        s.count(2)
        s.addr(0x2000)
        s.go(flags)
        if s.in_flight(busy=BUSY, done=RDY):
            s.read(0x1F00, 0x100, want=ram[:addressed.start])
            s.read(0x2800, 0x100, want=ram[addressed.stop:])
            s.sread(SID_A, 0, BLOCK_SIZE, want=block_of(CONTENT_A, 0))
            s.sread(SID_A, 3 * BLOCK_SIZE, BLOCK_SIZE, want=block_of(CONTENT_A, 3))
            s.sread(SID_B, want=CONTENT_B)
        s.wait(RDY)
        moved = {DMA | READ: (splice(ram, addressed.start, block_of(CONTENT_A, 1, 2)),
                              CONTENT_A),
                 DMA | WRITE: (ram, splice(CONTENT_A, BLOCK_SIZE, ram[addressed])),
                 WRITE: (ram, splice(CONTENT_A, BLOCK_SIZE, bytes(2 * BLOCK_SIZE)))}
        after_ram, after_a = moved[flags]
        s.read(0x1F00, 0xA00, want=after_ram)
        s.sread(SID_A, want=after_a)


@scenario("busy-time-stands-still", "R-BSY-7", busy=True)
def time_still(s: Session) -> None:
    """Only clock steps complete a command: host accesses and CPU accesses to RAM
    between them do not."""
    s.setup(fill=True)
    s.sid(SID_A)
    s.count(1)
    s.go(DMA | READ)
    flying = s.in_flight(busy=BUSY, done=RDY)
    for _ in range(10):
        s.status(BUSY if flying else RDY)
        s.write(0x5000, b"\x01\x02")
        s.sread(SID_B, 0, 16, want=CONTENT_B[:16])
        s.read(0x6000, 64, want=bytes(64))
        s.writel(0x7000, 5)
        s.readl(0x7000, 5)
    s.wait(RDY)
    s.read(0, BLOCK_SIZE, want=block_of(CONTENT_A, 0))
    s.read(0x5000, 4, want=b"\x01\x02" + bytes(2))


@scenario("busy-rdy-never-with-busy", "R-INV-2", "R-BSY-1", busy=True)
def busy_never_both(s: Session) -> None:
    """RDY and BUSY never read together, across commands that succeed and fail."""
    never_both(s)


@scenario("busy-forth-driver", "R-BSY-1", "R-ST-2", "R-CMD-7", "R-CMD-8", "R-WR-3",
          "R-CMD-3", busy=True)
def busy_forth(s: Session) -> None:
    """The original FORTH block driver, polling STATUS and stepping the clock."""
    forth(s)


def completes_in_status_write(s: Session) -> None:
    """A DMA read that is not in flight after its STATUS write has completed in it: its
    data are in RAM at once (with latency 0, always)."""
    s.sid(SID_A)
    s.count(1)
    s.go(DMA | READ)
    if not s.in_flight(busy=BUSY, done=RDY):
        s.read(0, BLOCK_SIZE, want=block_of(CONTENT_A, 0))
    s.wait(RDY)
    s.read(0, BLOCK_SIZE, want=block_of(CONTENT_A, 0))


#: ``(flags, block, count, final STATUS)`` of operations on storage A with ADDR 0x1000.
COMPLETION_CASES: Final = (
    (DMA | READ, 1, 1, RDY), (READ, 0, 4, RDY), (DMA | WRITE, 2, 2, RDY), (WRITE, 3, 1, RDY),
    (DMA | READ, 4, 1, ERR), (WRITE, 0, 0, RDY),
)


def completion_case(s: Session, flags: int, block: int, count: int, status: int) -> None:
    """One operation that completes (succeeding or failing) within the declared bound."""
    s.op(flags, SID_A, block, count, 0x1000, want=status)


@scenario("timing-completion-within-bound", "R-BSY-1", "E18")
def latency_zero(s: Session) -> None:
    """A command completes within its STATUS write (then its data are there at once)
    or within the declared bound of clock steps."""
    s.setup(fill=True)
    completes_in_status_write(s)
    for case in COMPLETION_CASES:
        completion_case(s, *case)


@scenario("timing-clock-step-idle", "R-BSY-7", "R-HOST-6")
def clock_idle(s: Session) -> None:
    """A clock step while idle changes nothing; NS is advisory."""
    s.setup(fill=True)
    ram = s.fill(0, 64)
    block = le_words(block_of(CONTENT_A, 1))
    s.op(READ, SID_A, 1, 1, want=RDY)
    s.words(2, want=block[:2])
    s.tick()
    s.tick(1)
    s.tick(1000)
    s.status(RDY)
    s.data(want=block[2])
    s.read(0, 64, want=ram)
    s.sread(SID_A, want=CONTENT_A)
