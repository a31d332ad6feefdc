"""SPEC section 8, the data port (R-PIO-*)."""

from __future__ import annotations

from duckybio.kit._scenario import Session

from .support import play, plays


@plays("pio-read-words")
def test_data_reads_return_little_endian_words(bio: Session) -> None:
    play(bio, "pio-read-words")


@plays("pio-read-underrun")
def test_data_read_past_the_end(bio: Session) -> None:
    play(bio, "pio-read-underrun")


@plays("pio-write-little-endian")
def test_data_writes_append_little_endian_bytes(bio: Session) -> None:
    play(bio, "pio-write-little-endian")


@plays("pio-write-overrun")
def test_data_write_past_capacity(bio: Session) -> None:
    play(bio, "pio-write-overrun")


@plays("pio-separate-buffers")
def test_r_and_w_are_separate(bio: Session) -> None:
    play(bio, "pio-separate-buffers")


@plays("pio-any-count")
def test_any_count_is_accepted(bio: Session) -> None:
    play(bio, "pio-any-count")
