"""The original device: its tests' expectations (SPEC section 14) and its FORTH block
driver (section 15), on every target."""

from __future__ import annotations

from duckybio.kit._scenario import Session

from .support import play, plays


@plays("original-status-expectations")
def test_original_status_expectations(bio: Session) -> None:
    play(bio, "original-status-expectations")


@plays("driver-forth")
def test_forth_driver_sequence(bio: Session) -> None:
    play(bio, "driver-forth")
