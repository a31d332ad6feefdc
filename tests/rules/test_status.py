"""SPEC section 6, STATUS writes (R-ST-*)."""

from __future__ import annotations

from duckybio.kit._scenario import Session
from duckybio.kit._testbed import CONTENT_A, CONTENT_B, RAM_SIZE, Snap, block_of

from .support import play, plays, ram_with


@plays("status-guest-settable-bits")
def test_status_write_keeps_guest_settable_bits_only(bio: Session) -> None:
    play(bio, "status-guest-settable-bits")
    assert bio.snap() == Snap(bytes(RAM_SIZE), CONTENT_A, CONTENT_B)


@plays("status-srst-first")
def test_srst_applies_before_dma_and_command(bio: Session) -> None:
    play(bio, "status-srst-first")


@plays("status-dma-mode-sticky")
def test_dma_mode_stays_on_until_reset(bio: Session) -> None:
    play(bio, "status-dma-mode-sticky")
    assert bio.snap() == Snap(ram_with((0x2000, block_of(CONTENT_A, 1))), CONTENT_A, CONTENT_B)


@plays("status-read-wins")
def test_read_wins_over_write(bio: Session) -> None:
    play(bio, "status-read-wins")


@plays("status-without-command")
def test_status_write_without_command_starts_nothing(bio: Session) -> None:
    play(bio, "status-without-command")
    assert bio.snap() == Snap(bytes(RAM_SIZE), CONTENT_A, CONTENT_B)
