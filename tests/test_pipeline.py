"""Pipelined black-box checking: batches of operations, the first mismatch located exactly."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from duckybio.kit._batches import PIPELINE_DEPTH
from duckybio.kit._harness import Harness
from duckybio.kit._policy import Policy
from duckybio.kit._runlog import HarnessConfig, RunLog
from duckybio.kit._target import Pipelined
from duckybio.kit._targets import resolve_target
from duckybio.kit._wire_client import PipelineBroken, WireTarget
from duckybio.kit.errors import Mismatch, TargetCrashed
from duckybio.spec import wire
from duckybio.spec.regmap import Flag, Reg

PLANTED = Path(__file__).parent / "planted.py"
SERVE = [sys.executable, "-m", "duckybio", "serve"]


def test_a_batch_is_answered_in_order_like_one_by_one() -> None:
    with WireTarget(SERVE) as target:
        commands: list[wire.Command] = [
            wire.PowerOn(0x4000, 0x2000), wire.AttachStorage(1, 1024),
            wire.Readl(0x2000), wire.Writel(0x2004, 9), wire.Readl(0x2000),
            wire.RamRead(0, 4), wire.StorageRead(1, 0, 2), wire.ClockStep(),
            wire.RamWrite(0x4000, b"x"),
        ]
        answers = target.pipeline(commands)
        status = target.readl(0x2000)
        assert target.pipeline([wire.Readl(0x2000)], ["OK 0x7"]) == [f"OK {status:#x}"]
    assert answers[:8] == ["OK", "OK", "OK 0x1", "OK", "OK 0x2", "OK 0x00000000", "OK 0x0000",
                           "OK 0x1"]
    assert answers[8].startswith("FAIL ")


def test_a_crash_in_a_batch_keeps_the_answers_before_it() -> None:
    with WireTarget([sys.executable, str(PLANTED), "reserved-crash"]) as target:
        assert isinstance(target, Pipelined)
        with pytest.raises(PipelineBroken) as caught:
            target.pipeline([wire.PowerOn(0x4000, 0x2000), wire.Readl(0x2000),
                             wire.Readl(0x207C), wire.Readl(0x2000)])
        assert target.crashed
    assert caught.value.answers == ["OK", "OK 0x1"]


#: Exact latency 0, and a bound of 2 clock steps the model follows the device within.
POLICIES = [Policy(), Policy(latency=2, exact_latency=False, busy_bound=2)]


@contextmanager
def _harness(device: str, policy: Policy = POLICIES[0]) -> Iterator[Harness]:
    """A black-box harness on a planted device process, powered on; ended on leaving."""
    with resolve_target(f"{sys.executable} {PLANTED} {device}") as spec:
        harness = Harness(HarnessConfig(spec.factory, policy), RunLog())
        assert harness.batches is not None
        try:
            harness.power_on()
            yield harness
        finally:
            harness.release()


@pytest.mark.parametrize("policy", POLICIES, ids=["exact", "bound 2"])
def test_the_first_mismatch_of_a_batch_is_located_exactly(policy: Policy) -> None:
    with _harness("stale-rbuf", policy) as h:
        h.write(Reg.SID, 1)
        h.write(Reg.COUNT, 1)
        h.write(Reg.STATUS, Flag.READ)  # succeeds: R holds block 0
        h.write(Reg.BLOCK, 99)
        h.write(Reg.STATUS, Flag.READ)  # fails: R must be empty now
        sent = len(h.trace)
        h.read(Reg.DATA)  # the stale word: the first mismatch
        for _ in range(PIPELINE_DEPTH // 2):
            h.read(Reg.STATUS)
        stale = r"DATA reads 0x[0-9a-f]+, expected 0xffffffff \(readl 0x2014\)"
        with pytest.raises(Mismatch, match=stale):
            h.flush()
        assert len(h.trace) == sent + 1
        assert h.log.first_failure == 1


def test_following_the_device_only_a_busy_status_is_awaited() -> None:
    """With a bound, the model completes a command when the device leaves BUSY, so the
    STATUS read after a start is awaited; one after an SRST is not (nothing waits on it)."""
    with _harness("stale-rbuf", POLICIES[1]) as h:
        assert h.batches is not None
        h.flush()
        status = wire.Readl(0x2000 + Reg.STATUS)
        h.write(Reg.STATUS, Flag.SRST)
        assert h.batches.pending[-1][1] == status
        h.write(Reg.SID, 1)
        h.write(Reg.COUNT, 1)
        h.write(Reg.STATUS, Flag.READ)
        assert not h.batches.in_flight, "everything before the answer was awaited"
        assert status not in [command for _, command, _ in h.batches.pending]
        assert not h.busy, "the device completed at once, and the model with it"


def test_a_crash_is_located_at_the_operation_that_killed_the_device() -> None:
    with _harness("reserved-crash") as harness:
        harness.read(Reg.STATUS)
        harness.read(0x7C)
        harness.read(Reg.STATUS)
        with pytest.raises(TargetCrashed):
            harness.flush()
        assert harness.trace[-1][0] == "readl 0x207c"
