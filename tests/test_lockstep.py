"""The reference implementation agrees with the model, step by step.

The lockstep machine runs as a Hypothesis test case under the test profile
(see ``conftest.py``), white box, at latencies 0, 2 and 3; a run's tally is a
value (:class:`~duckybio.kit._harness.RunLog`), and the same comparisons
replay recorded operations (:func:`~duckybio.kit._harness.replay_lockstep`).
"""

from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test
from mutation import FlippedStatus

from duckybio.kit import (
    CheckConfig,
    HarnessConfig,
    Policy,
    ReferenceTarget,
    TargetSpec,
    resolve_target,
    run_check,
)
from duckybio.kit._lockstep import lockstep_class
from duckybio.kit._policy import OPEN_LATENCY, policy_for
from duckybio.kit._replay_lockstep import replay_lockstep
from duckybio.kit._runlog import RunLog
from duckybio.kit.errors import Mismatch


def reference(latency: int) -> HarnessConfig:
    return HarnessConfig(lambda: ReferenceTarget(latency=latency),
                         policy_for(resolve_target(None, latency=latency)))


TestReferenceLockstep = lockstep_class(reference(0)).TestCase
TestReferenceLockstepLatency2 = lockstep_class(reference(2)).TestCase
#: At 3 a countdown that skips a tick shows (at 0 and 2 it can hide).
TestReferenceLockstepLatency3 = lockstep_class(reference(3)).TestCase


def test_the_policy_is_one_rule_for_every_target() -> None:
    ref = resolve_target(None, latency=2)
    assert policy_for(ref) == Policy(latency=2, exact_latency=True, white_box=True)
    assert policy_for(ref, busy_bound=5) == policy_for(ref), "the reference ignores the bound"
    device = TargetSpec("device", ReferenceTarget, latency=3)
    assert policy_for(device) == Policy(latency=3, exact_latency=False, busy_bound=3)
    assert policy_for(device, 0) == Policy(latency=0, exact_latency=True, busy_bound=0)
    assert policy_for(device, 0).coverage_latency == 0
    assert policy_for(device).coverage_latency == 2, "a followed command may wait"
    assert policy_for(device).model_latency == OPEN_LATENCY


def test_a_run_is_a_value_and_runs_do_not_share_state() -> None:
    spec = TargetSpec("reference", ReferenceTarget, in_process_reference=True)
    first = run_check(CheckConfig(target=spec, examples=3, steps=5, coverage=False))
    second = run_check(CheckConfig(target=spec, examples=3, steps=5, coverage=False))
    assert first.conforms and first.first_failure is None
    assert first.model_dump(exclude={"seconds"}) == second.model_dump(exclude={"seconds"})
    assert first.examples >= 3 and first.steps > 0 and first.transitions


def test_a_log_tallies_every_harness_of_a_run() -> None:
    log = RunLog()
    machine = lockstep_class(reference(0), log)
    run_state_machine_as_test(machine, settings=settings(max_examples=2, stateful_step_count=3))  # type: ignore[no-untyped-call,unused-ignore]
    assert log.sequences >= 2 and log.operations > 0 and log.covered
    assert log.trace[0][0].startswith("machine ") and log.first_failure is None


def test_a_replay_makes_the_comparisons_of_a_run() -> None:
    black_box = HarnessConfig(FlippedStatus, Policy())
    setup = ["machine 0x4000 0x2000", "storage 0x1 0x800"]
    clean = replay_lockstep(reference(0), setup)
    assert clean.conforms and clean.trace[0] == ("machine 0x4000 0x2000", "OK")
    flipped = replay_lockstep(black_box, [*setup, "writel 0x2000 0x1"])
    assert isinstance(flipped.failure, Mismatch) and flipped.broken is None
    assert str(flipped.failure) == "STATUS reads 0x3, expected 0x1 (readl 0x2000)", \
        "the sync after STATUS shows it, in one line naming the register"
    assert flipped.failure.signature == "write STATUS/none: STATUS value"
    assert flipped.trace[-1][0] == "readl 0x2000"


def test_a_malformed_command_is_refused_before_the_target_starts() -> None:
    started: list[object] = []

    def factory() -> ReferenceTarget:
        started.append(1)
        return ReferenceTarget()

    with pytest.raises(ValueError, match="nonsense"):
        replay_lockstep(HarnessConfig(factory, Policy()), ["nonsense 1"])
    assert started == []
