"""SPEC section 6, MMIO writes (R-WR-*)."""

from __future__ import annotations

from duckybio.kit._scenario import Session
from duckybio.kit._testbed import CONTENT_A, CONTENT_B, RAM_SIZE, Snap, le_bytes, splice
from duckybio.spec.regmap import BLOCK_SIZE

from .support import play, plays


@plays("write-values-mod-2-32")
def test_written_values_are_taken_mod_2_32(bio: Session) -> None:
    play(bio, "write-values-mod-2-32")


@plays("write-sid-known-keeps-flags")
def test_selecting_a_known_storage_keeps_the_flags(bio: Session) -> None:
    play(bio, "write-sid-known-keeps-flags")


@plays("write-sid-unknown")
def test_unknown_sid_deselects_and_flags_err(bio: Session) -> None:
    play(bio, "write-sid-unknown")


@plays("write-block-addr-latch")
def test_block_and_addr_latch(bio: Session) -> None:
    play(bio, "write-block-addr-latch")


@plays("write-count-empties-w")
def test_count_latches_and_empties_w_only(bio: Session) -> None:
    play(bio, "write-count-empties-w")


@plays("write-other-offsets")
def test_other_offsets_ignore_writes(bio: Session) -> None:
    play(bio, "write-other-offsets")
    written = le_bytes([0xFEEDFACE]) + bytes(BLOCK_SIZE - 4)
    assert bio.snap() == Snap(bytes(RAM_SIZE), splice(CONTENT_A, BLOCK_SIZE, written),
                              CONTENT_B)
