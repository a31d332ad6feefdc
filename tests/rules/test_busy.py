"""SPEC section 9, busy and timing (R-BSY-*).

Tests taking ``busy`` run on the targets whose commands stay BUSY across
clock steps; the others on every target.
"""

from __future__ import annotations

import pytest
from target_factories import TARGET_LATENCY

from duckybio.kit._scenario import Session
from duckybio.kit._scenarios.busy import (
    COMPLETION_CASES,
    DEFERRED_EXTRAS,
    completes_in_status_write,
    completion_case,
    deferred_srst,
)
from duckybio.kit._testbed import (
    BUSY,
    CONTENT_A,
    CONTENT_B,
    DMA,
    RDY,
    READ,
    SID_A,
    WRITE,
    Snap,
    ram_pattern,
)
from duckybio.spec.regmap import BLOCK_SIZE

from .support import pins, play, plays, ram_with, session


@plays("timing-completion-within-bound")
@pytest.mark.parametrize(("flags", "block", "count", "status"), COMPLETION_CASES)
def test_commands_complete_within_the_declared_bound(
        bio: Session, flags: int, block: int, count: int, status: int) -> None:
    completion_case(bio, flags, block, count, status)


@plays("timing-completion-within-bound")
@pytest.mark.parametrize("name", sorted(n for n, lat in TARGET_LATENCY.items() if lat == 0))
def test_latency_zero_completes_in_the_status_write(name: str) -> None:
    with session(name) as bio:
        completes_in_status_write(bio)


@pins("R-BSY-1")
def test_latency_is_a_bound_on_clock_steps(busy: Session) -> None:
    busy.sid(SID_A)
    busy.count(1)
    busy.go(READ)
    assert busy.status() == BUSY
    steps = 0
    while busy.status() & BUSY:
        assert steps < busy.bound
        busy.tick()
        steps += 1
    assert 1 <= steps <= busy.bound


@plays("busy-start-flags")
def test_starting_sets_busy_clears_rdy_keeps_err(busy: Session) -> None:
    play(busy, "busy-start-flags")


@plays("busy-latched-values")
def test_command_uses_the_values_latched_at_start(busy: Session) -> None:
    play(busy, "busy-latched-values")


@plays("busy-reads")
def test_reads_while_busy(busy: Session) -> None:
    play(busy, "busy-reads")


@plays("busy-writes-ignored")
def test_writes_while_busy_are_ignored(busy: Session) -> None:
    play(busy, "busy-writes-ignored")
    ram = ram_with((0x1000, ram_pattern(0x1000, BLOCK_SIZE)),
                   (0x3000, ram_pattern(0x3000, 2 * BLOCK_SIZE)))
    assert busy.snap() == Snap(ram, CONTENT_A, CONTENT_B)


@plays("busy-data-writes-ignored")
def test_data_writes_while_busy_are_ignored(busy: Session) -> None:
    play(busy, "busy-data-writes-ignored")


@plays("busy-data-read")
def test_data_read_while_busy(busy: Session) -> None:
    play(busy, "busy-data-read")


@plays(deferred_srst)
@pytest.mark.parametrize("extra", DEFERRED_EXTRAS)
def test_srst_while_busy_is_deferred(busy: Session, extra: int) -> None:
    deferred_srst(busy, (extra,))


@plays("busy-deferred-srst-after-failure")
def test_deferred_srst_after_a_failing_command(busy: Session) -> None:
    play(busy, "busy-deferred-srst-after-failure")
    assert busy.snap() == Snap(ram_with((0, ram_pattern(0, BLOCK_SIZE))), CONTENT_A, CONTENT_B)


@pins("R-BSY-6")
@pytest.mark.parametrize("flags", [DMA | READ, DMA | WRITE, WRITE])
def test_nothing_else_changes_while_busy(busy: Session, flags: int) -> None:
    ram = busy.fill_ram()
    busy.sid(SID_A)
    busy.block(1)
    busy.count(2)
    busy.addr(0x2000)
    busy.go(flags)
    busy.status(BUSY)
    now = busy.snap()
    assert now.ram[:0x2000] == ram[:0x2000]
    assert now.ram[0x2800:] == ram[0x2800:]
    assert now.a[:BLOCK_SIZE] == CONTENT_A[:BLOCK_SIZE]
    assert now.a[3 * BLOCK_SIZE:] == CONTENT_A[3 * BLOCK_SIZE:]
    assert now.b == CONTENT_B
    busy.wait(RDY)


@plays("busy-time-stands-still")
def test_time_stands_still_between_clock_steps(busy: Session) -> None:
    play(busy, "busy-time-stands-still")


@plays("timing-clock-step-idle")
def test_clock_step_when_idle_does_nothing(bio: Session) -> None:
    play(bio, "timing-clock-step-idle")
    assert bio.snap() == Snap(ram_with((0, ram_pattern(0, 64))), CONTENT_A, CONTENT_B)
