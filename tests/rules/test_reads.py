"""SPEC section 5, MMIO reads (R-RD-*)."""

from __future__ import annotations

import pytest

from duckybio.kit._scenario import Session
from duckybio.kit._scenarios.reads import WRITE_ONLY, write_only_registers
from duckybio.spec.regmap import READABLE_FLAGS, Reg

from .support import play, plays


@plays("read-status-flags")
def test_status_reads_flags_only(bio: Session) -> None:
    play(bio, "read-status-flags")
    assert bio.seen
    assert all(v & ~READABLE_FLAGS == 0 for v in bio.seen)


@plays(write_only_registers)
@pytest.mark.parametrize("reg", [Reg(r) for r in WRITE_ONLY], ids=lambda r: r.name)
def test_write_only_registers_read_zero(bio: Session, reg: Reg) -> None:
    write_only_registers(bio, (reg,))


@plays("read-other-offsets")
def test_other_offsets_read_zero(bio: Session) -> None:
    play(bio, "read-other-offsets")
