"""The original device: its tests' expectations (SPEC section 14) and its FORTH block
driver (section 15), on every target."""

from __future__ import annotations

from duckybio.kit._scenario import Session

from .support import pins, play


@pins("R-WR-3", "R-CMD-3", "R-CMD-7", "R-CMD-8", "R-CMD-10")
def test_original_status_expectations(bio: Session) -> None:
    play(bio, "original-status-expectations")


@pins("R-BSY-1", "R-ST-2", "R-CMD-7", "R-CMD-8", "R-WR-3", "R-CMD-3")
def test_forth_driver_sequence(bio: Session) -> None:
    play(bio, "driver-forth")
