"""The golden vector file format, ``duckybio-vector/2`` (``spec/vectors/README.md``).

A vector is a trace whose steps may be more than one wire command each, so
that one vector runs on a device of any latency within a declared bound
(SPEC section 13):

- a *plain* step (``command``, ``expect``) is sent once; its answer is the
  same at every latency;
- a *poll* (``"poll": true``) reads STATUS (its ``command``), stepping the
  clock while the answer is ``busy``, at most the bound many times; it ends
  with ``expect``;
- a *probe* (``busy`` without ``poll``) reads STATUS once: ``busy`` while the
  command started last is in flight, ``expect`` once it has completed.  It
  opens a branch, closed by the next poll: the steps marked ``"when":
  "busy"`` are sent only after a ``busy`` answer, those marked ``"when":
  "idle"`` only after ``expect``;
- a *malformed line* (a ``command`` that is not a wire command) expects a
  bare ``FAIL`` and changes nothing (SPEC R-HOST-9).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..spec.wire import PowerOn, Readl, WireError, parse_command
from ._jsonfile import load_json
from .errors import VectorError
from .trace import Step, step_problem

__all__ = ["VECTOR_FORMAT", "Vector", "VectorStep", "VectorTrace", "malformed"]

#: The format tag of a vector file.
VECTOR_FORMAT: Final = "duckybio-vector/2"


class VectorStep(Step):
    """One step of a vector: a plain step, a poll or a probe (see the module)."""

    busy: str | None = Field(
        default=None,
        description="The STATUS answer while the command started last is in flight: a "
        "poll steps the clock while it reads this; a probe (no poll) reads "
        "either this or expect, which decides its branch.",
    )
    poll: bool = Field(
        default=False,
        description="Read STATUS, stepping the clock while it answers busy, at most the "
        "declared bound many clock steps; the last answer must be expect.",
    )
    when: Literal["busy", "idle"] | None = Field(
        default=None,
        description="Sent only in this branch of the latest probe: busy, the probe read "
        "busy; idle, it read expect.",
    )

    def __str__(self) -> str:
        text = super().__str__()
        if self.poll:
            return f"poll {text} (BUSY: {self.busy})"
        if self.busy is not None:
            return f"probe {text} (or {self.busy})"
        return text if self.when is None else f"[{self.when}] {text}"


def malformed(step: Step) -> bool:
    """Whether ``step`` sends a line that is not a wire command (it must expect ``FAIL``)."""
    try:
        parse_command(step.command)
    except WireError:
        return True
    return False


class VectorTrace(BaseModel):
    """The trace of a vector: its name, description, rules and steps (laid out as a
    :class:`~duckybio.kit.trace.Trace`)."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["duckybio-trace/1"] = Field(
        default="duckybio-trace/1", description="The format tag of a trace."
    )
    name: str = Field(description="What the vector is called (its file name).")
    description: str = Field(default="", description="What the vector shows.")
    rules: list[str] = Field(
        default=[], description="The rule and errata ids of SPEC.md the vector exercises."
    )
    steps: list[VectorStep] = Field(description="The steps, in the order they are taken.")

    @field_validator("steps")
    @classmethod
    def _steps_are_wire_lines(cls, steps: list[VectorStep]) -> list[VectorStep]:
        for number, step in enumerate(steps, 1):
            if (
                step.expect == "FAIL"
                and not (step.busy or step.poll)
                and malformed(step)
                and step.command.isascii()
                and step.command.isprintable()
            ):
                continue
            problem = step_problem(step)
            if problem is not None:
                raise ValueError(f"step {number} {problem}")
        return steps


def _step_problem(step: VectorStep, branch: bool) -> str | None:
    """What is wrong with ``step`` where a probe's branch is (not) open."""
    special = step.poll or step.busy is not None
    if special:
        if step.busy is None:
            return "is a poll without a busy answer"
        if not isinstance(parse_command(step.command), Readl):
            return "polls or probes with a command other than readl"
        if step.expect is None or step.expect.startswith("FAIL") or step.expect == step.busy:
            return "needs an expected answer other than FAIL and its busy answer"
    if step.when is not None and (special or not branch):
        return "is marked 'when' outside the branch of a probe"
    return None


class Vector(BaseModel):
    """One golden test vector: a trace that runs at every latency within a bound."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["duckybio-vector/2"] = VECTOR_FORMAT
    trace: VectorTrace

    @model_validator(mode="after")
    def _steps_are_well_formed(self) -> Vector:
        steps = self.trace.steps
        if not steps:
            raise ValueError("a vector needs at least one step")
        branch = False
        for number, step in enumerate(steps, 1):
            if number == 1 and (
                malformed(step) or not isinstance(parse_command(step.command), PowerOn)
            ):
                raise ValueError("the first step must be a machine command")
            problem = _step_problem(step, branch)
            if problem is not None:
                raise ValueError(f"step {number} {problem}")
            if step.poll:
                branch = False
            elif step.busy is not None:
                branch = True
        return self

    def to_json(self) -> str:
        """The file text of this vector: a step shows ``busy``, ``poll`` and ``when`` only
        where it has them."""
        data = self.model_dump(mode="json")
        data["trace"]["steps"] = [
            {
                key: value
                for key, value in step.items()
                if key in ("command", "expect") or value not in (None, False)
            }
            for step in data["trace"]["steps"]
        ]
        return json.dumps(data, indent=1) + "\n"

    @classmethod
    def load(cls, path: Path) -> Vector:
        """Read a vector file; :class:`VectorError` with one line on any problem."""
        return load_json(cls, path, VectorError, "vector")
