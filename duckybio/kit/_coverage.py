"""Transition-class coverage: which classes a run took, out of those reachable.

A transition class is the model's :class:`~duckybio.model.Transition`: the
phase the step started in (the readable flags), the kind of event and the
outcome the transition table took.  None of the three mentions a size or an
address, so the classes reachable in the small explored instance are the
classes a run of the real device (1024-byte blocks, 16 MiB of RAM) can take:
the small instance reaches each one with a short witness trace, and the same
symbolic trace (same registers, values chosen relative to the geometry)
takes the same class in any instance of the same shape.  Which classes are
reachable does depend on the latency: "wait" ticks exist only with a latency
of 2 or more, BUSY phases only with a latency of 1 or more.

Pair coverage adds one step of history: which two classes a run took one
right after the other, out of the pairs exploration proves reachable
(:mod:`duckybio.explore._pairs`).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from pydantic import BaseModel, ConfigDict

from ..explore import (
    ExploreInstance,
    ExploreResult,
    ExploreStorage,
    Pair,
    PairPlan,
    explore,
    pair_name,
    plan_pairs,
)
from ..model import Transition


def coverage_instance(latency: int = 0) -> ExploreInstance:
    """The instance whose reachable classes are those of a run at ``latency``.

    One storage of a single block: it reaches the same classes as the
    default instance (whose storage has two) in a fraction of the time.  A
    latency of 2 stands for every latency >= 2: a class does not record how
    many ticks a command still has to wait.
    """
    if latency < 0:
        raise ValueError(f"latency must be >= 0, not {latency}")
    return ExploreInstance(storages=(ExploreStorage(sid=1, size=4),),
                           latencies=(min(latency, 2),))


def reachable_classes(instance: ExploreInstance | None = None) -> frozenset[Transition]:
    """Every transition class reachable from power-on in ``instance``, by exploration.

    ``instance`` defaults to :func:`coverage_instance` at latency 0.

    Raises ``ValueError`` when the exploration finds the model violating an
    invariant or does not complete: a partial set would be a wrong
    denominator.
    """
    return explored(instance if instance is not None else coverage_instance()).classes


@lru_cache(maxsize=8)
def explored(instance: ExploreInstance) -> ExploreResult:
    """The exploration of ``instance``, computed once; it must be clean and complete.

    Its ``witnesses`` tell how to reach each class (e.g. a missing one).
    """
    result = explore(instance)
    if result.violations:
        v = result.violations[0]
        raise ValueError(f"the model violates {v.name}: {v.message}")
    if not result.complete:
        raise ValueError("the exploration did not complete; raise its state bound")
    return result


class CoverageReport(BaseModel):
    """Covered, reachable and missing classes, and the covered share in percent.

    ``unexpected`` lists classes that were seen but are not in the reachable
    set (seen classes from a different latency, or a model the reachable set
    was not computed from).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    covered: list[str]
    reachable: list[str]
    missing: list[str]
    unexpected: list[str]
    percentage: float

    def summary(self) -> str:
        return (f"{len(self.covered)}/{len(self.reachable)} transition classes covered "
                f"({self.percentage:.1f}%)")


def coverage(seen: Iterable[Transition], reachable: Iterable[Transition]) -> CoverageReport:
    """The coverage of ``reachable`` by the classes in ``seen``."""
    seen_set, reach_set = frozenset(seen), frozenset(reachable)
    covered = seen_set & reach_set
    percentage = 100.0 * len(covered) / len(reach_set) if reach_set else 100.0
    return CoverageReport(
        covered=sorted(map(str, covered)), reachable=sorted(map(str, reach_set)),
        missing=sorted(map(str, reach_set - seen_set)),
        unexpected=sorted(map(str, seen_set - reach_set)), percentage=percentage)


@lru_cache(maxsize=4)
def pair_plan(latency: int) -> PairPlan:
    """The pairs of classes a run at exact ``latency`` can take, with walks that take them.

    A latency of 2 stands for every latency >= 2 (see :func:`coverage_instance`).
    """
    instance = coverage_instance(latency)
    return plan_pairs(instance, instance.latencies[0])


class PairCoverageReport(BaseModel):
    """How many reachable pairs of consecutive classes a run took; those it missed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    covered: int
    reachable: int
    missing: list[str]
    percentage: float

    def summary(self) -> str:
        return (f"{self.covered}/{self.reachable} pairs of consecutive classes covered "
                f"({self.percentage:.1f}%)")


def pair_coverage(seen: Iterable[Pair], reachable: Iterable[Pair]) -> PairCoverageReport:
    """The coverage of the ``reachable`` pairs by those ``seen``."""
    reach_set = frozenset(reachable)
    covered = frozenset(seen) & reach_set
    percentage = 100.0 * len(covered) / len(reach_set) if reach_set else 100.0
    return PairCoverageReport(
        covered=len(covered), reachable=len(reach_set),
        missing=sorted(pair_name(p) for p in reach_set - covered), percentage=percentage)
