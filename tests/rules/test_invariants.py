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

from .support import play, plays, ram_with


@plays(err_sticky)
@pytest.mark.parametrize("cause", sorted(ERR_CAUSES))
def test_err_is_sticky_until_reset(bio: Session, cause: str) -> None:
    err_sticky(bio, (cause,))


@plays("invariant-rdy-never-with-busy")
def test_rdy_and_busy_never_both_set(bio: Session) -> None:
    play(bio, "invariant-rdy-never-with-busy")
    assert len(bio.seen) >= 160
    assert all(not (v & RDY and v & BUSY) for v in bio.seen)
    assert {v & (RDY | ERR) for v in bio.seen} >= {RDY, ERR, RDY | ERR}


@plays("invariant-only-commands-change-data")
def test_only_successful_commands_change_data(bio: Session) -> None:
    play(bio, "invariant-only-commands-change-data")
    below = MMIO_BASE - BLOCK_SIZE
    ram = ram_with((0, ram_pattern(0, BLOCK_SIZE)), (below, ram_pattern(below, BLOCK_SIZE)),
                   (MMIO_END, ram_pattern(MMIO_END, BLOCK_SIZE)))
    assert bio.snap() == Snap(ram, CONTENT_A, splice(CONTENT_B, BLOCK_SIZE, bytes(BLOCK_SIZE)))


@plays(hostile)
@pytest.mark.parametrize("sequence", range(len(HOSTILE)))
def test_hostile_sequences_are_answered(bio: Session, sequence: int) -> None:
    hostile(bio, (sequence,), sweep=range(PAGE_SIZE))
    assert bio.wait() & (RDY | ERR)
