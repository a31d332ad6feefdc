"""Systematic sequences: every reachable pair toured, every offset swept, planted defects found."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from planted import CRASH_OFFSET, PLANTED
from target_factories import without_faults

from duckybio.explore._pairs import plan_pairs
from duckybio.kit._coverage import coverage_instance, pair_coverage, pair_plan
from duckybio.kit._instance import Instance
from duckybio.kit._model_target import ModelTarget
from duckybio.kit._policy import Policy
from duckybio.kit._replay import execute
from duckybio.kit._replay_lockstep import replay_lockstep
from duckybio.kit._run import CheckConfig, run_check
from duckybio.kit._runlog import HarnessConfig, RunLog
from duckybio.kit._systematic import systematic_sequences, tour_instance
from duckybio.kit._targets import TargetSpec, resolve_target
from duckybio.model import Phase, Transition, power_on, step
from duckybio.spec import wire
from duckybio.spec.regmap import PAGE_SIZE

HERE = Path(__file__).parent


def test_every_planned_walk_ends_with_its_pair() -> None:
    instance = coverage_instance(1)
    plan = plan_pairs(instance, 1)
    cfg = instance.config(1)
    assert len(plan.pairs) > 1000
    for pair, walk in sorted(plan.walks.items(), key=str)[::37]:
        state = power_on(cfg)
        taken: list[Transition] = []
        for event in walk:
            state, out = step(cfg, state, event)
            taken.append(out.transition)
        assert tuple(taken[-2:]) == pair
    assert set(plan.phases) == {Phase.READY, Phase.ERROR, Phase.READY_ERR, Phase.BUSY,
                                Phase.BUSY_ERR}


@pytest.mark.parametrize("latency", [0, 1, 2, 3])
def test_the_fixed_sequences_take_every_reachable_pair(latency: int) -> None:
    """On the model alone: the tour, carried over to real sizes, takes every pair."""
    seen: set[tuple[Transition, Transition]] = set()
    for sequence in systematic_sequences(Instance(), latency):
        model = ModelTarget(latency=latency)
        last: Transition | None = None
        for line in sequence.commands:
            execute(model, wire.parse_command(line))
            for out in model.outputs:
                if last is not None:
                    seen.add((last, out.transition))
                last = out.transition
            model.outputs.clear()
    report = pair_coverage(seen, pair_plan(min(latency, 2)).pairs)
    assert report.percentage == 100.0, report.missing[:5]


def test_the_page_sweep_reads_every_offset_in_every_phase() -> None:
    sweeps = [s for s in systematic_sequences(Instance(), 1) if s.name.startswith("page sweep")]
    assert sorted(s.name for s in sweeps) == sorted(
        f"page sweep ({p.value})" for p in pair_plan(1).phases)
    base = tour_instance().mmio_base
    for sweep in sweeps:
        reads = {wire.parse_command(line) for line in sweep.commands if line.startswith("readl")}
        assert {wire.Readl(base + offset) for offset in range(PAGE_SIZE)} <= reads


def test_the_fixed_sequences_conform_on_the_reference_at_latency_2() -> None:
    config = HarnessConfig(resolve_target(None, latency=2).factory,
                           Policy(latency=2, white_box=True))
    for sequence in systematic_sequences(config.instance, 2)[:6]:
        outcome = replay_lockstep(HarnessConfig(config.factory, config.policy,
                                                sequence.instance), sequence.commands,
                                  log=RunLog())
        assert outcome.conforms, (sequence.name, outcome.failure)


@pytest.mark.parametrize("injects", [True, False])
def test_the_fault_sequences_inject_faults_only_where_the_probe_says_so(injects: bool) -> None:
    """A fault line of a fixed sequence is sent after a probe answered OK; a target that
    declines fault injection (R-HOST-7) runs the same sequence without them, and conforms."""
    factory = resolve_target(None).factory if injects else without_faults
    config = HarnessConfig(factory, Policy(latency=0))
    faults = [s for s in systematic_sequences(config.instance, 0) if s.name.startswith("faults")]
    assert len(faults) == 5
    for sequence in faults:
        log = RunLog()
        outcome = replay_lockstep(HarnessConfig(factory, config.policy, sequence.instance),
                                  sequence.commands, log=log)
        assert outcome.conforms, (sequence.name, outcome.failure)
        assert log.faults is injects
        sent = [line for line, _ in outcome.trace if line.startswith("fault")]
        assert any(not line.endswith(" 0x0") for line in sent) is injects, sent


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_each_planted_defect_is_found_at_the_default_budget(name: str) -> None:
    report = run_check(CheckConfig(target=TargetSpec(name, PLANTED[name])))
    assert not report.conforms
    assert report.first_failure is not None and report.first_failure <= 20
    assert 0 < len(report.trace) <= 200


def test_a_device_that_dies_on_a_reserved_read_is_shrunk_to_that_read() -> None:
    command = f"{sys.executable} {HERE / 'planted.py'} reserved-crash"
    with resolve_target(command) as spec:
        report = run_check(CheckConfig(target=spec))
    assert report.exit_code == 3 and report.failure is not None
    assert "crashed" in report.failure
    last = wire.parse_command(report.trace[-1].command)
    assert isinstance(last, wire.Readl) and last.addr % PAGE_SIZE == CRASH_OFFSET
    assert len(report.trace) <= 12
