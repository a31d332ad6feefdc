"""SPEC section 10, invariants (R-INV-*)."""

from __future__ import annotations

import pytest

from duckybio.kit._scenario import Session
from duckybio.kit._scenarios.invariants import ERR_CAUSES, HOSTILE, err_sticky, hostile
from duckybio.kit._testbed import (
    BUSY,
    CONTENT_A,
    CONTENT_B,
    ERR,
    MMIO_BASE,
    MMIO_END,
    RDY,
    Snap,
    ram_pattern,
    splice,
)
from duckybio.spec.regmap import BLOCK_SIZE, PAGE_SIZE

from .support import pins, play, ram_with


@pins("R-INV-1")
@pytest.mark.parametrize("cause", sorted(ERR_CAUSES))
def test_err_is_sticky_until_reset(bio: Session, cause: str) -> None:
    err_sticky(bio, (cause,))


@pins("R-INV-2")
def test_rdy_and_busy_never_both_set(bio: Session) -> None:
    play(bio, "invariant-rdy-never-with-busy")
    assert len(bio.seen) >= 160
    assert all(not (v & RDY and v & BUSY) for v in bio.seen)
    assert {v & (RDY | ERR) for v in bio.seen} >= {RDY, ERR, RDY | ERR}


@pins("R-INV-3", "E5")
def test_only_successful_commands_change_data(bio: Session) -> None:
    play(bio, "invariant-only-commands-change-data")
    below = MMIO_BASE - BLOCK_SIZE
    ram = ram_with((0, ram_pattern(0, BLOCK_SIZE)), (below, ram_pattern(below, BLOCK_SIZE)),
                   (MMIO_END, ram_pattern(MMIO_END, BLOCK_SIZE)))
    assert bio.snap() == Snap(ram, CONTENT_A, splice(CONTENT_B, BLOCK_SIZE, bytes(BLOCK_SIZE)))


@pins("R-INV-4", "E2", "E3", "E4", "E5", "E6")
@pytest.mark.parametrize("sequence", range(len(HOSTILE)))
def test_hostile_sequences_are_answered(bio: Session, sequence: int) -> None:
    hostile(bio, (sequence,), sweep=range(PAGE_SIZE))
    assert bio.wait() & (RDY | ERR)
