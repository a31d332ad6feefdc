"""SPEC section 4, reset: power-on state, SRST, no data effect (R-RST-*)."""

from __future__ import annotations

import pytest

from duckybio.kit._scenario import Session
from duckybio.kit._scenarios.reset import RESET_PROBES, dirty
from duckybio.kit._testbed import (
    CONTENT_A,
    CONTENT_B,
    SRST,
    Snap,
    block_of,
    ram_pattern,
    splice,
)

from .support import play, plays, ram_with


def _after_probe(probe: str, before: Snap) -> Snap:
    """What a probe leaves: only the DMA read of block 0 to address 0 moves data."""
    if probe != "block-0-addr-0":
        return before
    return before._replace(ram=splice(before.ram, 0, block_of(before.a, 0)))


@plays("reset-power-on-state")
@pytest.mark.parametrize("probe", sorted(RESET_PROBES))
def test_power_on_state(bio: Session, probe: str) -> None:
    before = bio.snap()
    RESET_PROBES[probe](bio)
    assert bio.snap() == _after_probe(probe, before)


@plays("reset-srst-restores-power-on-state")
@pytest.mark.parametrize("probe", sorted(RESET_PROBES))
def test_srst_restores_power_on_state(bio: Session, probe: str) -> None:
    dirty(bio)
    bio.go(SRST)
    before = bio.snap()
    RESET_PROBES[probe](bio)
    assert bio.snap() == _after_probe(probe, before)


@plays("reset-srst-deselects")
def test_srst_deselects_the_storage(bio: Session) -> None:
    play(bio, "reset-srst-deselects")


@plays("reset-keeps-data")
def test_reset_keeps_ram_and_storages(bio: Session) -> None:
    play(bio, "reset-keeps-data")
    low = splice(ram_pattern(0x0F00, 0x600), 0x100, block_of(CONTENT_A, 1))
    assert bio.snap() == Snap(ram_with((0x0F00, low), (0x2F00, ram_pattern(0x2F00, 0x200))),
                              CONTENT_A, CONTENT_B)
