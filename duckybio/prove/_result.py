"""What ``duckybio prove`` found: one entry per property, the conformance figures, the time."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class Counterexample(BaseModel):
    """A state and an event that break a property; ``trace``: a replayable trace file."""

    model_config = ConfigDict(extra="forbid")

    message: str
    state: dict[str, int | bool]
    event: str
    geometry: dict[str, int | bool | list[list[int]]]
    trace: str | None = None


class PropertyResult(BaseModel):
    """One property: proved (by the solver), checked (on concrete cases: the model
    against the encoding), or refuted with a counterexample."""

    model_config = ConfigDict(extra="forbid")

    name: str
    kind: Literal["state", "auxiliary", "transition", "frame", "answer", "model"]
    rules: list[str]
    status: Literal["proved", "checked", "counterexample"]
    seconds: float
    queries: int
    counterexample: Counterexample | None = None


class ProveResult(BaseModel):
    """Every property's verdict, how the model was checked against the encoding, the time."""

    model_config = ConfigDict(extra="forbid")

    invariants: list[PropertyResult]
    witnesses: int
    samples: int
    seconds: float

    @property
    def ok(self) -> bool:
        return all(p.status != "counterexample" for p in self.invariants)
