"""SPEC section 5, MMIO reads (R-RD-*)."""

from __future__ import annotations

import pytest

from duckybio.kit._scenario import Session
from duckybio.kit._scenarios.reads import WRITE_ONLY, write_only_registers
from duckybio.spec.regmap import READABLE_FLAGS, Reg

from .support import pins, play


@pins("R-RD-1", "R-INV-2")
def test_status_reads_flags_only(bio: Session) -> None:
    play(bio, "read-status-flags")
    assert bio.seen
    assert all(v & ~READABLE_FLAGS == 0 for v in bio.seen)


@pins("R-RD-2", "E9")
@pytest.mark.parametrize("reg", [Reg(r) for r in WRITE_ONLY], ids=lambda r: r.name)
def test_write_only_registers_read_zero(bio: Session, reg: Reg) -> None:
    write_only_registers(bio, (reg,))


@pins("R-RD-3")
def test_other_offsets_read_zero(bio: Session) -> None:
    play(bio, "read-other-offsets")
