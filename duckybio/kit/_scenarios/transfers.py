"""Scenarios of SPEC section 7, commands: what successful commands move (R-CMD-7 to R-CMD-11)."""

from __future__ import annotations

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
    SID_UNKNOWN,
    WORDS_PER_BLOCK,
    WRITE,
    block_of,
    le_bytes,
    le_words,
    splice,
)
from .registry import scenario

__all__ = ["COUNT_ZERO_CASES", "count_zero", "count_zero_case", "dma_read", "dma_write",
           "dma_write_r", "pio_read", "pio_write_full", "pio_write_pads", "pio_write_zeros",
           "success_keeps_err", "write_pads"]


@scenario("command-dma-read", "R-CMD-7", "R-CMD-10", "R-INV-3", "E12")
def dma_read(s: Session) -> None:
    """A DMA read copies the blocks to RAM at ADDR and nothing else; R holds them."""
    s.setup(fill=True)
    for block, count, addr in ((0, 4, 0), (1, 2, 0x1000), (3, 1, MMIO_END), (0, 1, 0xFC00)):
        start = addr if addr in (0, MMIO_END) else addr - 16
        end = min(addr + count * BLOCK_SIZE + 16, RAM_SIZE)
        ram = s.fill(start, end - start)
        data = block_of(CONTENT_A, block, count)
        s.op(DMA | READ, SID_A, block, count, addr, want=RDY)
        s.read(start, end - start, want=splice(ram, addr - start, data))
        s.words(4, want=le_words(data)[:4])
    s.sread(SID_A, want=CONTENT_A)


@scenario("command-pio-read", "R-CMD-7", "R-PIO-1", "R-INV-3")
def pio_read(s: Session) -> None:
    """A PIO read leaves RAM alone; the block comes out of DATA word by word."""
    s.setup(fill=True)
    ram = s.fill(0x1000, BLOCK_SIZE)
    s.op(READ, SID_B, 1, 1, 0x1000, want=RDY)
    s.read(0x1000, BLOCK_SIZE, want=ram)
    s.words(WORDS_PER_BLOCK, want=le_words(block_of(CONTENT_B, 1)))
    s.status(RDY)


@scenario("command-dma-write", "R-CMD-8", "R-CMD-10", "R-INV-3", "E12")
def dma_write(s: Session) -> None:
    """A DMA write copies RAM at ADDR to the blocks and nothing else; R holds the data."""
    s.setup(fill=True)
    storage = CONTENT_A
    for block, count, addr in ((0, 4, 0), (1, 2, 0x2000), (2, 1, MMIO_END)):
        data = s.fill(addr, count * BLOCK_SIZE)
        storage = splice(storage, block * BLOCK_SIZE, data)
        s.op(DMA | WRITE, SID_A, block, count, addr, want=RDY)
        s.sread(SID_A, want=storage)
        s.sread(SID_B, 0, 16, want=CONTENT_B[:16])
        s.words(4, want=le_words(data)[:4])


@scenario("command-dma-write-r", "R-CMD-8", "R-CMD-10")
def dma_write_r(s: Session) -> None:
    """After a DMA write, DATA reads return exactly the bytes written, then underrun."""
    s.setup(fill=True)
    data = s.fill(0x5000, BLOCK_SIZE)
    s.op(DMA | WRITE, SID_B, 2, 0, 0x5000, want=RDY)
    s.data(want=DATA_INVALID)
    s.op(DMA | WRITE, SID_B, 1, 1, 0x5000, want=RDY)
    s.words(WORDS_PER_BLOCK, want=le_words(data))
    s.data(want=DATA_INVALID)
    s.sread(SID_B, want=splice(CONTENT_B, BLOCK_SIZE, data))


def write_pads(s: Session) -> None:
    """Three words written to block 1 of storage B are padded with zeros to the block."""
    s.sid(SID_B)
    s.block(1)
    s.count(1)
    s.put(0x03020100, 0x07060504, 0x0B0A0908)
    s.run(WRITE, RDY)
    padded = bytes(range(12)) + bytes(BLOCK_SIZE - 12)
    s.sread(SID_B, want=splice(CONTENT_B, BLOCK_SIZE, padded))
    s.sread(SID_A, 0, 16, want=CONTENT_A[:16])


def pio_write_zeros(s: Session) -> None:
    """A PIO write with no data after a READ writes zero blocks, not the data read."""
    s.op(READ, SID_A, 0, 4, want=RDY)
    s.op(WRITE, SID_A, 1, 2, want=RDY)
    s.sread(SID_A, want=splice(CONTENT_A, BLOCK_SIZE, bytes(2 * BLOCK_SIZE)))


@scenario("command-pio-write-pads", "R-CMD-9", "E5")
def pio_write_pads(s: Session) -> None:
    """A PIO write stores W padded with zeros to count blocks, and nothing more."""
    s.setup(fill=True)
    write_pads(s)
    pio_write_zeros(s)


@scenario("command-pio-write-full", "R-CMD-9", "R-PIO-4")
def pio_write_full(s: Session) -> None:
    """A W filled exactly to COUNT * 1024 is accepted and written."""
    s.setup(fill=True)
    s.sid(SID_A)
    s.block(2)
    s.count(1)
    s.put(*le_words(block_of(CONTENT_B, 0)))
    s.status(RDY)
    s.run(WRITE, RDY)
    s.sread(SID_A, want=splice(CONTENT_A, 2 * BLOCK_SIZE, block_of(CONTENT_B, 0)))


@scenario("command-success-keeps-err", "R-CMD-10", "R-INV-1")
def success_keeps_err(s: Session) -> None:
    """Success sets RDY but keeps an earlier ERR; each command refills R from the start."""
    s.setup(fill=True)
    s.sid(SID_UNKNOWN)
    s.sid(SID_A)
    s.block(1)
    s.count(1)
    s.run(READ, RDY | ERR)
    first = le_words(block_of(CONTENT_A, 1))[:3]
    s.words(3, want=first)
    s.run(READ, RDY | ERR)
    s.words(3, want=first)
    s.put(0xDDCCBBAA)
    s.run(WRITE, RDY | ERR)
    s.words(WORDS_PER_BLOCK, want=le_words(le_bytes([0xDDCCBBAA]) + bytes(BLOCK_SIZE - 4)))
    s.run(WRITE, RDY | ERR)
    s.sread(SID_A, BLOCK_SIZE, BLOCK_SIZE, want=bytes(BLOCK_SIZE))


#: ``(sid, block, addr, block * 1024 <= size)``: empty transfers anywhere in RAM or not.
COUNT_ZERO_CASES: Final = (
    (SID_A, 0, MMIO_BASE, True), (SID_A, 4, RAM_SIZE, True), (SID_A, 2, U32_MASK, True),
    (SID_B, 2, MMIO_BASE + 8, True), (SID_A, 5, 0, False), (SID_B, 3, 0, False),
)


def count_zero_case(s: Session, flags: int, sid: int, block: int, addr: int, ok: bool) -> None:
    """One operation with COUNT 0: it succeeds unless block * 1024 > size; R stays empty."""
    s.op(flags, sid, block, 0, addr, want=RDY if ok else ERR)
    s.data(want=DATA_INVALID)


@scenario("command-count-zero", "R-CMD-11")
def count_zero(s: Session) -> None:
    """COUNT 0 is an empty transfer: fine wherever ADDR points, failing only when
    block * 1024 > size; R stays empty and nothing changes."""
    s.setup(fill=True)
    ram = s.fill(0, 64)
    for flags in (DMA | READ, DMA | WRITE, READ, WRITE):
        for case in COUNT_ZERO_CASES:
            count_zero_case(s, flags, *case)
    s.read(0, 64, want=ram)
    s.sread(SID_A, want=CONTENT_A)
    s.sread(SID_B, want=CONTENT_B)
