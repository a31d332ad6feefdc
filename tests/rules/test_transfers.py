"""SPEC section 7, commands: what successful commands move (R-CMD-7 to R-CMD-11)."""

from __future__ import annotations

import pytest

from duckybio.kit._scenario import Session
from duckybio.kit._scenarios.transfers import (
    COUNT_ZERO_CASES,
    count_zero_case,
    pio_write_zeros,
    write_pads,
)
from duckybio.kit._testbed import (
    CONTENT_A,
    CONTENT_B,
    DMA,
    MMIO_END,
    RAM_SIZE,
    RDY,
    READ,
    SID_A,
    SID_B,
    WORDS_PER_BLOCK,
    WRITE,
    Snap,
    block_of,
    le_words,
    ram_pattern,
    splice,
)
from duckybio.spec.regmap import BLOCK_SIZE, DATA_INVALID

from .support import pins, play, plays, ram_with


@pins("R-CMD-7", "R-INV-3", "E12")
@pytest.mark.parametrize(("block", "count", "addr"), [(0, 4, 0), (1, 2, 0x1000),
                                                       (3, 1, MMIO_END), (0, 1, 0xFC00)])
def test_dma_read_copies_blocks_to_ram(bio: Session, block: int, count: int,
                                       addr: int) -> None:
    bio.fill_ram()
    before = bio.snap()
    bio.op(DMA | READ, SID_A, block, count, addr, want=0x01)
    data = block_of(CONTENT_A, block, count)
    assert bio.snap() == Snap(splice(before.ram, addr, data), CONTENT_A, CONTENT_B)
    bio.words(count * WORDS_PER_BLOCK, want=le_words(data))


@plays("command-pio-read")
def test_pio_read_leaves_ram(bio: Session) -> None:
    play(bio, "command-pio-read")
    assert bio.snap() == Snap(ram_with((0x1000, ram_pattern(0x1000, BLOCK_SIZE))), CONTENT_A,
                              CONTENT_B)


@pins("R-CMD-8", "R-INV-3", "E12")
@pytest.mark.parametrize(("block", "count", "addr"), [(0, 4, 0), (1, 2, 0x2000),
                                                       (2, 1, MMIO_END)])
def test_dma_write_copies_ram_to_blocks(bio: Session, block: int, count: int,
                                        addr: int) -> None:
    ram = bio.fill_ram()
    data = ram[addr:addr + count * BLOCK_SIZE]
    bio.op(DMA | WRITE, SID_A, block, count, addr, want=0x01)
    assert bio.snap() == Snap(ram, splice(CONTENT_A, block * BLOCK_SIZE, data), CONTENT_B)
    bio.words(count * WORDS_PER_BLOCK, want=le_words(data))


@plays("command-pio-write-pads")
def test_pio_write_pads_w_with_zeros(bio: Session) -> None:
    write_pads(bio)
    padded = bytes(range(12)) + bytes(BLOCK_SIZE - 12)
    assert bio.snap() == Snap(bytes(RAM_SIZE), CONTENT_A,
                              splice(CONTENT_B, BLOCK_SIZE, padded))


@plays("command-pio-write-pads")
def test_pio_write_without_data_writes_zero_blocks(bio: Session) -> None:
    pio_write_zeros(bio)


@pins("R-CMD-9", "R-PIO-4")
def test_pio_write_of_full_w(bio: Session) -> None:
    """Two full blocks of W, written to the last two blocks of storage A."""
    bio.sid(SID_A)
    bio.block(2)
    bio.count(2)
    bio.put(*le_words(block_of(CONTENT_B, 0, 2)))
    bio.status(RDY)
    bio.run(WRITE, RDY)
    bio.sread(SID_A, want=splice(CONTENT_A, 2 * BLOCK_SIZE, block_of(CONTENT_B, 0, 2)))


@plays("command-success-keeps-err")
def test_success_sets_rdy_keeps_err_and_fills_r(bio: Session) -> None:
    play(bio, "command-success-keeps-err")


@pins("R-CMD-10", "R-CMD-8")
def test_r_after_dma_write_is_the_data_written(bio: Session) -> None:
    """Two blocks written by DMA come back out of DATA, then it underruns."""
    ram = bio.fill_ram()
    bio.op(DMA | WRITE, SID_B, 0, 2, 0x5000, want=RDY)
    bio.words(2 * WORDS_PER_BLOCK, want=le_words(ram[0x5000:0x5800]))
    bio.data(want=DATA_INVALID)


@plays("command-count-zero")
@pytest.mark.parametrize(("sid", "block", "addr", "ok"), COUNT_ZERO_CASES)
@pytest.mark.parametrize("flags", [DMA | READ, DMA | WRITE, READ, WRITE])
def test_count_zero(bio: Session, flags: int, sid: int, block: int, addr: int,
                    ok: bool) -> None:
    bio.fill_ram()
    before = bio.snap()
    count_zero_case(bio, flags, sid, block, addr, ok)
    assert bio.snap() == before
