"""SPEC section 12, host accesses (R-HOST-*)."""

from __future__ import annotations

import pytest

from duckybio.kit.errors import TargetRefused
from duckybio.kit.scenario import Session
from duckybio.kit.scenarios.host import BAD_GEOMETRIES, bad_geometry
from duckybio.kit.testbed import CONTENT_A, ERR, RAM_SIZE, RDY, SID_A

from .support import pins, play


@pins("R-HOST-1", "E16")
def test_machine_powers_on_fresh(bio: Session) -> None:
    play(bio, "host-machine-fresh")
    assert bio.ram() == bytes(RAM_SIZE)


@pins("R-HOST-1", "E16")
def test_mmio_base_zero(bio: Session) -> None:
    play(bio, "host-mmio-base-zero")


@pins("R-HOST-1", "E16")
@pytest.mark.parametrize(("ram_size", "base"), BAD_GEOMETRIES)
def test_machine_refuses_bad_geometry(bio: Session, ram_size: int, base: int) -> None:
    bad_geometry(bio, ((ram_size, base),))


@pins("R-HOST-2")
def test_storage_attaches_zero_filled(bio: Session) -> None:
    play(bio, "host-storage-attach")
    # A negative size cannot be sent over the wire; only the Target protocol can carry it.
    with pytest.raises(TargetRefused):
        bio.target.storage(7, -1)
    bio.sread(SID_A, want=CONTENT_A)


@pins("R-HOST-3")
def test_storage_host_access(bio: Session) -> None:
    play(bio, "host-storage-access")


@pins("R-HOST-4")
def test_ram_host_access(bio: Session) -> None:
    play(bio, "host-ram-access")


@pins("R-HOST-5")
def test_readl_writel_routing(bio: Session) -> None:
    play(bio, "host-readl-writel-routing")


@pins("R-HOST-6")
def test_clock_step_answers_a_monotonic_clock(bio: Session) -> None:
    first = bio.tick()
    clocks = [first, bio.tick(5), bio.tick(), bio.tick(1000)]
    assert all(c >= 0 for c in clocks)
    assert clocks == sorted(clocks)
    bio.setup(fill=True)
    assert bio.tick() == first


@pins("R-HOST-7", "R-CMD-12", "E15")
def test_fault_injection_fails_commands(bio: Session) -> None:
    play(bio, "host-fault-injection")
    assert bio.seen.count(ERR) == 3, "three commands failed: one write, two reads"
    assert bio.status() == RDY
