"""Transition-class coverage: the math, and that classes do not depend on sizes."""

from __future__ import annotations

import random

import pytest

from duckybio.explore import ExploreInstance, ExploreStorage, explore
from duckybio.kit._coverage import coverage, coverage_instance, explored, reachable_classes
from duckybio.kit._reference_target import ReferenceTarget
from duckybio.kit._run import CheckConfig, run_check
from duckybio.kit._targets import TargetSpec
from duckybio.model import (
    Action,
    CommandEnd,
    Complete,
    Event,
    EventKind,
    Op,
    Phase,
    Read,
    StepOutcome,
    Tick,
    Transition,
    Write,
    power_on,
    step,
)
from duckybio.spec.regmap import U32_MASK, WORD_SIZE, Reg

A = Transition(Phase.READY, EventKind.READ_STATUS, StepOutcome(Action.FLAGS))
B = Transition(Phase.ERROR, EventKind.WRITE_SID, StepOutcome(Action.SELECT))
C = Transition(Phase.BUSY, EventKind.TICK, StepOutcome(end=CommandEnd.OK))
D = Transition(Phase.READY, EventKind.WRITE_OTHER, StepOutcome(Action.IGNORED))


def test_coverage_math() -> None:
    report = coverage([A, A, B, D], [A, B, C])
    assert report.covered == sorted([str(A), str(B)])
    assert report.missing == [str(C)]
    assert report.unexpected == [str(D)]
    assert report.reachable == sorted(map(str, [A, B, C]))
    assert report.percentage == pytest.approx(200 / 3)
    assert report.summary() == "2/3 transition classes covered (66.7%)"
    assert coverage([], [A]).percentage == 0.0
    assert coverage([A], []).percentage == 100.0
    assert coverage([C, B, A], [A, B, C]).missing == []


def test_reachable_classes_follow_the_latency() -> None:
    lat0 = reachable_classes(coverage_instance(0))
    lat1 = reachable_classes(coverage_instance(1))
    assert reachable_classes(coverage_instance(0)) is lat0  # computed once
    assert reachable_classes() is lat0
    assert Transition(Phase.READY, EventKind.WRITE_STATUS,
                      StepOutcome(started=Op.READ, end=CommandEnd.OK)) in lat0
    assert not any(t.phase in (Phase.BUSY, Phase.BUSY_ERR) for t in lat0)
    assert Transition(Phase.BUSY, EventKind.TICK, StepOutcome(end=CommandEnd.OK)) in lat1
    assert Transition(Phase.BUSY_ERR, EventKind.WRITE_STATUS,
                      StepOutcome(Action.RESET_DEFERRED)) in lat1
    assert not any(t.phase is Phase.NONE for t in lat0 | lat1)
    assert coverage_instance(7).latencies == (2,)


def test_one_block_storage_reaches_the_classes_of_two() -> None:
    one = reachable_classes(coverage_instance(0))
    two = explore(ExploreInstance(latencies=(0,)), max_depth=7).classes
    assert two <= one


def _big(latency: int) -> ExploreInstance:
    """The coverage instance's shape with real 1024-byte blocks."""
    return ExploreInstance(block_size=1024, page_size=1024,
                           storages=(ExploreStorage(sid=1, size=1024),), latencies=(latency,))


@pytest.mark.parametrize("latency", [0, 1])
def test_every_small_class_is_taken_with_1024_byte_blocks(latency: int) -> None:
    small, big = coverage_instance(latency), _big(latency)
    small_alphabet, big_alphabet = small.alphabet(), big.alphabet()
    assert len(small_alphabet) == len(big_alphabet)
    translate = dict(zip(small_alphabet, big_alphabet, strict=True))
    result = explored(small)
    cfg = big.config(latency)
    for name, witness in result.witnesses.items():
        state = power_on(cfg)
        taken = []
        for event in witness.events():
            state, out = step(cfg, state, translate[event])
            taken.append(str(out.transition))
        assert taken[-1] == name


def _random_event(rng: random.Random, alphabet: tuple[Event, ...]) -> Event:
    """Mostly alphabet events; sometimes any offset and any value."""
    roll = rng.random()
    if roll < 0.8:
        return rng.choice(alphabet)
    if roll < 0.9:
        return Write(rng.randrange(0, 0x100, WORD_SIZE), rng.randrange(U32_MASK + 1))
    if roll < 0.95:
        return Read(rng.randrange(0, 0x100, WORD_SIZE))
    others: list[Event] = [Tick(), Complete(), Write(Reg.SID, rng.choice([1, 2, 3]))]
    return rng.choice(others)


@pytest.mark.parametrize("latency", [0, 1])
def test_classes_of_a_real_sized_machine_are_reachable_in_the_small_one(latency: int) -> None:
    reachable = reachable_classes(coverage_instance(latency))
    real = ExploreInstance(block_size=1024, page_size=256, ram_pages=48, mmio_page=33,
                           storages=(ExploreStorage(sid=1, size=4096),
                                     ExploreStorage(sid=2, size=1024)),
                           latencies=(latency,))
    cfg, alphabet = real.config(latency), real.alphabet()
    rng = random.Random(latency)
    seen: set[Transition] = set()
    for _walk in range(20):
        state = power_on(cfg)
        for _ in range(150):
            state, out = step(cfg, state, _random_event(rng, alphabet))
            seen.add(out.transition)
    assert seen <= reachable
    assert len(seen) > len(reachable) // 2


@pytest.mark.parametrize(("latency", "bound"), [(0, 0), (1, 1), (2, 2), (3, 3), (2, 5)])
def test_coverage_has_the_same_form_at_every_latency_and_bound(latency: int, bound: int) -> None:
    """Exact or followed, a run reports classes and pairs with their denominators;
    a device as slow as its bound covers every class its bound lets it reach."""
    spec = TargetSpec("device", lambda: ReferenceTarget(latency=latency), latency=latency)
    report = run_check(CheckConfig(target=spec, examples=30, busy_bound=bound))
    assert report.conforms
    assert report.coverage is not None and report.pair_coverage is not None
    assert report.coverage.summary().endswith("transition classes covered (100.0%)")
    assert report.pair_coverage.reachable > 0 and report.pair_coverage.percentage > 95
    if bound:
        exact = len(reachable_classes(coverage_instance(2))) - len(
            {t for t in reachable_classes(coverage_instance(2))
             if t.kind is EventKind.COMPLETE})
        assert len(report.coverage.reachable) == exact, "followed: as many as at latency 2"
