"""What an exploration found: counts per latency, transition classes, violations.

Every trace in a result is a shortest one from power-on (R-RST-1): the
search is breadth-first.  A transition class is the model's
:class:`~duckybio.model.Transition` (phase, event kind, outcome).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, field_serializer

from ..model import Event, Transition
from ._instance import ExploreInstance
from ._trace import MmioStep


class Violation(BaseModel):
    """An invariant that failed, with a shortest trace from power-on showing it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    message: str
    latency: int
    trace: list[MmioStep]

    def events(self) -> list[Event]:
        return [s.event() for s in self.trace]


class Witness(BaseModel):
    """A shortest trace from power-on whose last event takes a transition class."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    latency: int
    trace: list[MmioStep]

    def events(self) -> list[Event]:
        return [s.event() for s in self.trace]


class LatencyRun(BaseModel):
    """The exploration of the instance at one latency."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    latency: int
    states: int
    transitions: int
    classes: int
    depth: int
    complete: bool
    violations: list[Violation]


class ExploreResult(BaseModel):
    """What :func:`~duckybio.explore.explore` found: counts, transition classes, violations."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    instance: ExploreInstance
    runs: list[LatencyRun]
    states: int
    transitions: int
    classes: frozenset[Transition]
    witnesses: dict[str, Witness]
    seconds: float
    violations: list[Violation]

    @field_serializer("classes")
    def _sorted_classes(self, classes: frozenset[Transition]) -> list[dict[str, str]]:
        return [{"phase": t.phase.value, "kind": t.kind.value, "outcome": t.outcome}
                for t in sorted(classes, key=str)]

    @property
    def complete(self) -> bool:
        return all(r.complete for r in self.runs)

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def states_per_second(self) -> float:
        return self.states / self.seconds if self.seconds > 0 else float("inf")
