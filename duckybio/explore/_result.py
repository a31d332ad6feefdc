"""What an exploration found: counts per latency, transition classes, violations.

Every trace in a result is a shortest one from power-on (R-RST-1): the
search is breadth-first.  A transition class is the model's
:class:`~duckybio.model.Transition` (phase, event kind, outcome).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from pydantic import BaseModel, ConfigDict, PlainValidator, field_serializer

from ..model import Event, EventKind, Phase, StepOutcome, Transition
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


def _transition(value: object) -> Transition:
    """A transition class as it is, or from its JSON form (its outcome by its text)."""
    if isinstance(value, Transition):
        return value
    if not isinstance(value, Mapping) or set(value) != {"phase", "kind", "outcome"}:
        raise ValueError("a transition class is an object with phase, kind and outcome")
    outcome = value["outcome"]
    if not isinstance(outcome, str):
        raise ValueError(f"outcome {outcome!r} is not a string")
    return Transition(Phase(value["phase"]), EventKind(value["kind"]), StepOutcome.named(outcome))


def _classes(value: object) -> frozenset[Transition]:
    if not isinstance(value, (list, tuple, set, frozenset)):
        raise ValueError("the transition classes are a list")
    return frozenset(_transition(v) for v in value)


class ExploreResult(BaseModel):
    """What :func:`~duckybio.explore.explore` found: counts, transition classes, violations."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    instance: ExploreInstance
    runs: list[LatencyRun]
    states: int
    transitions: int
    classes: Annotated[frozenset[Transition], PlainValidator(_classes)]
    witnesses: dict[str, Witness]
    seconds: float
    violations: list[Violation]

    @field_serializer("classes")
    def _sorted_classes(self, classes: frozenset[Transition]) -> list[dict[str, str]]:
        return [{"phase": t.phase.value, "kind": t.kind.value, "outcome": t.outcome.text}
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
