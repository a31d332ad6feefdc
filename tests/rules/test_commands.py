"""SPEC section 7, commands: checks, bounds, DMA range, exact arithmetic, failure
(R-CMD-2 to R-CMD-6)."""

from __future__ import annotations

import pytest

from duckybio.kit._scenario import Session
from duckybio.kit._scenarios.commands import (
    BOUNDS_CASES,
    COMMAND_KINDS,
    DMA_RANGE_CASES,
    EXACT_CASES,
    bounds_case,
    dma_range_case,
    exact_case,
    no_storage,
)
from duckybio.kit._testbed import (
    CONTENT_A,
    CONTENT_B,
    DMA,
    MMIO_BASE,
    RAM_SIZE,
    RDY,
    READ,
    SID_A,
    WORDS_PER_BLOCK,
    WRITE,
    Snap,
    block_of,
    le_words,
    ram_pattern,
    splice,
)
from duckybio.spec.regmap import BLOCK_SIZE, U32_MASK

from .support import pins, play, plays, ram_with


@plays(no_storage)
@pytest.mark.parametrize("flags", COMMAND_KINDS)
def test_command_without_storage_fails(bio: Session, flags: int) -> None:
    no_storage(bio, (flags,))
    assert bio.snap() == Snap(ram_with((0, ram_pattern(0, BLOCK_SIZE))), CONTENT_A, CONTENT_B)


@plays("command-bounds")
@pytest.mark.parametrize(("sid", "block", "count", "ok"), BOUNDS_CASES)
@pytest.mark.parametrize("flags", [DMA | READ, DMA | WRITE, READ, WRITE])
def test_bounds(bio: Session, flags: int, sid: int, block: int, count: int, ok: bool) -> None:
    bio.fill_ram()
    before = bio.snap()
    bounds_case(bio, flags, sid, block, count, ok)
    if not ok:
        assert bio.snap() == before


@plays("command-dma-range-read", "command-dma-range-write")
@pytest.mark.parametrize(("addr", "count", "ok"), DMA_RANGE_CASES)
@pytest.mark.parametrize("op", [READ, WRITE])
def test_dma_range_must_be_ram(bio: Session, op: int, addr: int, count: int, ok: bool) -> None:
    ram = bio.fill_ram()
    before = bio.snap()
    dma_range_case(bio, op, addr, count, ok)
    if not ok:
        assert bio.snap() == before
    elif op == READ:
        assert bio.ram() == splice(before.ram, addr, block_of(CONTENT_A, 0, count))
    else:
        assert bio.sread(SID_A) == splice(CONTENT_A, 0, ram[addr:addr + count * BLOCK_SIZE])


@pins("R-CMD-4")
@pytest.mark.parametrize("addr", [MMIO_BASE, RAM_SIZE, U32_MASK])
def test_pio_commands_ignore_addr(bio: Session, addr: int) -> None:
    bio.op(READ, SID_A, 1, 1, addr, want=RDY)
    bio.words(WORDS_PER_BLOCK, want=le_words(block_of(CONTENT_A, 1)))
    bio.op(WRITE, SID_A, 1, 1, addr, want=RDY)
    bio.sread(SID_A, want=splice(CONTENT_A, BLOCK_SIZE, bytes(BLOCK_SIZE)))


@plays("command-exact-arithmetic")
@pytest.mark.parametrize(("flags", "block", "count", "addr"), EXACT_CASES)
def test_arithmetic_is_exact(bio: Session, flags: int, block: int, count: int,
                             addr: int) -> None:
    bio.fill_ram()
    before = bio.snap()
    exact_case(bio, flags, block, count, addr)
    assert bio.snap() == before


@plays("command-failure-empties-r-and-w")
def test_failure_empties_r_and_w_without_data_effect(bio: Session) -> None:
    play(bio, "command-failure-empties-r-and-w")
    assert bio.snap() == Snap(bytes(RAM_SIZE), splice(CONTENT_A, 0, bytes(BLOCK_SIZE)),
                              CONTENT_B)


@plays("command-failed-read-no-stale-data")
def test_failed_read_leaves_no_stale_data(bio: Session) -> None:
    play(bio, "command-failed-read-no-stale-data")


@plays("command-r-as-of-completion")
def test_r_is_the_data_as_of_completion(bio: Session) -> None:
    """Clarification 12: host storage writes after a command do not reach R."""
    play(bio, "command-r-as-of-completion")
    assert bio.sread(SID_A, 3 * BLOCK_SIZE, 4) == b"\x77" * 4
