"""Scenarios of SPEC section 8, the data port (R-PIO-*)."""

from __future__ import annotations

from ...spec.regmap import BLOCK_SIZE, DATA_INVALID, U32_MASK
from .._scenario import Session
from .._testbed import (
    CONTENT_A,
    CONTENT_B,
    ERR,
    RDY,
    READ,
    SID_A,
    SID_B,
    SRST,
    WORDS_PER_BLOCK,
    WRITE,
    block_of,
    le_bytes,
    le_words,
    splice,
)
from .registry import scenario

__all__ = ["any_count", "overrun", "read_words", "separate", "underrun", "write_le"]


@scenario("pio-read-words", "R-PIO-1")
def read_words(s: Session) -> None:
    """DATA reads return the little-endian words of R in order; flags unchanged."""
    s.setup(fill=True)
    s.op(READ, SID_B, 2, 0, want=RDY)
    s.op(READ, SID_B, 1, 1, want=RDY)
    s.words(WORDS_PER_BLOCK, want=le_words(block_of(CONTENT_B, 1)))
    s.status(RDY)


@scenario("pio-read-underrun", "R-PIO-2", "E2", "E3")
def underrun(s: Session) -> None:
    """A DATA read with no word left sets ERR, clears RDY, returns 0xFFFFFFFF and
    leaves the cursor: every later read underruns too."""
    s.setup(fill=True)
    s.data(want=DATA_INVALID)
    s.status(ERR)
    s.op(READ, SID_A, 3, 1, want=RDY)
    s.words(WORDS_PER_BLOCK, want=le_words(block_of(CONTENT_A, 3)))
    s.status(RDY)
    s.data(want=DATA_INVALID)
    s.status(ERR)
    s.data(want=DATA_INVALID)
    s.status(ERR)


@scenario("pio-write-little-endian", "R-PIO-3", "E1")
def write_le(s: Session) -> None:
    """A DATA write appends its 4 bytes, least significant first."""
    s.setup(fill=True)
    s.sid(SID_A)
    s.count(1)
    s.put(0x04030201, 0x08070605)
    s.status(RDY)
    s.run(WRITE, RDY)
    written = bytes(range(1, 9)) + bytes(8)
    s.sread(SID_A, 0, 16, want=written)
    s.words(3, want=le_words(written)[:3])


@scenario("pio-write-overrun", "R-PIO-4", "E3", "E4")
def overrun(s: Session) -> None:
    """A DATA write past COUNT * 1024 (COUNT 0 included) sets ERR and stores nothing;
    a DATA write after a READ does not touch R."""
    s.setup(fill=True)
    s.put(0x55555555)
    s.status(ERR)
    s.go(SRST)
    s.op(READ, SID_A, 0, 1, want=RDY)
    s.put(0x66666666)
    s.status(RDY)
    s.data(want=le_words(CONTENT_A)[0])
    s.go(SRST)
    s.sid(SID_A)
    s.count(1)
    words = range(1, WORDS_PER_BLOCK + 1)
    s.put(*words)
    s.status(RDY)
    s.put(0xFFFFFFFF)
    s.status(ERR)
    s.run(WRITE, RDY | ERR)
    s.sread(SID_A, 0, BLOCK_SIZE + 16, want=le_bytes(words) + block_of(CONTENT_A, 1)[:16])


@scenario("pio-separate-buffers", "R-PIO-5", "E4")
def separate(s: Session) -> None:
    """R and W are separate: DATA writes between DATA reads do not disturb them."""
    s.setup(fill=True)
    s.op(READ, SID_A, 1, 1, want=RDY)
    expected = le_words(block_of(CONTENT_A, 1))
    s.words(2, want=expected[:2])
    s.put(0xAAAAAAAA, 0xBBBBBBBB, 0xCCCCCCCC)
    s.words(2, want=expected[2:4])
    s.block(3)
    s.run(WRITE, RDY)
    written = le_bytes([0xAAAAAAAA, 0xBBBBBBBB, 0xCCCCCCCC]) + bytes(BLOCK_SIZE - 12)
    s.sread(SID_A, want=splice(CONTENT_A, 3 * BLOCK_SIZE, written))


@scenario("pio-any-count", "R-PIO-6")
def any_count(s: Session) -> None:
    """COUNT 0xFFFFFFFF is accepted: W takes the words supplied; the write then fails
    its bounds check."""
    s.setup(fill=True)
    s.sid(SID_A)
    s.count(U32_MASK)
    s.put(*range(64))
    s.status(RDY)
    s.run(WRITE, ERR)
    s.sread(SID_A, want=CONTENT_A)
