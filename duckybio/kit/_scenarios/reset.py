"""Scenarios of SPEC section 4, reset (R-RST-*), and the probes of the power-on state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from ...spec.regmap import BLOCK_SIZE, DATA_INVALID
from .._scenario import Session
from .._testbed import (
    CONTENT_A,
    CONTENT_B,
    DMA,
    ERR,
    RDY,
    READ,
    SID_A,
    SID_B,
    SID_UNKNOWN,
    SRST,
    block_of,
    le_words,
    splice,
)
from .registry import scenario

__all__ = ["DATA_PROBES", "RESET_PROBES", "dirty", "keeps_data", "power_on_state",
           "srst_deselects", "srst_state"]

Probe = Callable[[Session], None]


def _probe_flags(s: Session) -> None:
    s.status(RDY)


def _probe_no_storage(s: Session) -> None:
    s.count(1)
    s.run(DMA | READ, ERR)
    s.read(0, 64, want=bytes(64))


def _probe_block_and_addr_zero(s: Session) -> None:
    s.sid(SID_A)
    s.count(1)
    s.run(DMA | READ, RDY)
    s.read(0, BLOCK_SIZE + 16, want=block_of(CONTENT_A, 0) + bytes(16))


def _probe_dma_off(s: Session) -> None:
    s.sid(SID_A)
    s.count(1)
    s.addr(0x2000)
    s.run(READ, RDY)
    s.read(0x2000, 64)
    s.words(4, want=le_words(CONTENT_A[:16]))


def _probe_count_zero(s: Session) -> None:
    s.sid(SID_A)
    s.run(READ, RDY)
    s.data(want=DATA_INVALID)


def _probe_r_empty(s: Session) -> None:
    s.data(want=DATA_INVALID)
    s.status(ERR)


def _probe_w_empty(s: Session) -> None:
    s.put(0x12345678)
    s.status(ERR)


#: One probe a part of the power-on state (R-RST-1), by name, in the order scenarios run them.
RESET_PROBES: Final[dict[str, Probe]] = {
    "flags": _probe_flags,
    "no-storage": _probe_no_storage,
    "block-0-addr-0": _probe_block_and_addr_zero,
    "dma-off": _probe_dma_off,
    "count-0": _probe_count_zero,
    "r-empty": _probe_r_empty,
    "w-empty": _probe_w_empty,
}
#: The probes that look at storage contents (they need storages with known contents).
DATA_PROBES: Final = frozenset({"block-0-addr-0", "dma-off"})


def dirty(s: Session) -> None:
    """Move every part of the controller's state away from its reset value.

    Its only data effect: block 1 of storage A is DMA-read to RAM at 0x1000.
    """
    s.sid(SID_A)
    s.block(1)
    s.count(1)
    s.addr(0x1000)
    s.run(DMA | READ, RDY)
    s.data()
    s.sid(SID_UNKNOWN)
    s.sid(SID_B)
    s.block(2)
    s.count(2)
    s.addr(0x3000)
    s.put(1, 2, 3)
    s.status(ERR)


@scenario("reset-power-on-state", "R-RST-1", "R-HOST-1", "E3")
def power_on_state(s: Session) -> None:
    """Each part of the power-on state, probed on a fresh machine: flags RDY, no
    storage, BLOCK = ADDR = 0, DMA off, COUNT = 0, R empty, W empty."""
    for name, probe in RESET_PROBES.items():
        s.setup(fill=name in DATA_PROBES)
        probe(s)


@scenario("reset-srst-restores-power-on-state", "R-RST-2", "E7")
def srst_state(s: Session) -> None:
    """Each part of the power-on state, probed after dirtying the controller and
    writing SRST."""
    for name, probe in RESET_PROBES.items():
        s.setup(fill=name in DATA_PROBES)
        dirty(s)
        s.go(SRST)
        probe(s)


@scenario("reset-srst-deselects", "R-RST-2", "E7")
def srst_deselects(s: Session) -> None:
    """SRST deselects the storage: a READ right after it fails."""
    s.setup(fill=True)
    s.sid(SID_A)
    s.status(RDY)
    s.go(SRST)
    s.count(1)
    s.run(READ, ERR)
    s.data(want=DATA_INVALID)


@scenario("reset-keeps-data", "R-RST-3")
def keeps_data(s: Session) -> None:
    """Resets change neither RAM nor storages (only the DMA read before them does)."""
    s.setup(fill=True)
    low = s.fill(0x0F00, 0x600)
    high = s.fill(0x2F00, 0x200)
    dirty(s)
    s.go(SRST)
    s.go(SRST | DMA)
    s.read(0x0F00, 0x600, want=splice(low, 0x100, block_of(CONTENT_A, 1)))
    s.read(0x2F00, 0x200, want=high)
    s.sread(SID_A, want=CONTENT_A)
    s.sread(SID_B, want=CONTENT_B)
