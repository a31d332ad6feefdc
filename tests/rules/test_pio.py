"""SPEC section 8, the data port (R-PIO-*)."""

from __future__ import annotations

from duckybio.kit._scenario import Session

from .support import pins, play


@pins("R-PIO-1")
def test_data_reads_return_little_endian_words(bio: Session) -> None:
    play(bio, "pio-read-words")


@pins("R-PIO-2", "E2", "E3")
def test_data_read_past_the_end(bio: Session) -> None:
    play(bio, "pio-read-underrun")


@pins("R-PIO-3", "E1")
def test_data_writes_append_little_endian_bytes(bio: Session) -> None:
    play(bio, "pio-write-little-endian")


@pins("R-PIO-4", "E3", "E4")
def test_data_write_past_capacity(bio: Session) -> None:
    play(bio, "pio-write-overrun")


@pins("R-PIO-5", "E4")
def test_r_and_w_are_separate(bio: Session) -> None:
    play(bio, "pio-separate-buffers")


@pins("R-PIO-6")
def test_any_count_is_accepted(bio: Session) -> None:
    play(bio, "pio-any-count")
