"""SPEC section 6, STATUS writes (R-ST-*)."""

from __future__ import annotations

from duckybio.kit._scenario import Session
from duckybio.kit._testbed import CONTENT_A, CONTENT_B, RAM_SIZE, Snap, block_of

from .support import pins, play, ram_with


@pins("R-ST-1")
def test_status_write_keeps_guest_settable_bits_only(bio: Session) -> None:
    play(bio, "status-guest-settable-bits")
    assert bio.snap() == Snap(bytes(RAM_SIZE), CONTENT_A, CONTENT_B)


@pins("R-ST-2")
def test_srst_applies_before_dma_and_command(bio: Session) -> None:
    play(bio, "status-srst-first")


@pins("R-ST-3", "E10")
def test_dma_mode_stays_on_until_reset(bio: Session) -> None:
    play(bio, "status-dma-mode-sticky")
    assert bio.snap() == Snap(ram_with((0x2000, block_of(CONTENT_A, 1))), CONTENT_A, CONTENT_B)


@pins("R-ST-4", "E11")
def test_read_wins_over_write(bio: Session) -> None:
    play(bio, "status-read-wins")


@pins("R-ST-5")
def test_status_write_without_command_starts_nothing(bio: Session) -> None:
    play(bio, "status-without-command")
    assert bio.snap() == Snap(bytes(RAM_SIZE), CONTENT_A, CONTENT_B)
