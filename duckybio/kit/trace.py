"""Traces: sequences of wire commands with the answers the model expects.

A trace is what a counterexample, a golden test vector and a worked driver
sequence all are: wire-protocol command lines (SPEC.md section 13), each with
the answer the model gives, or none where the spec leaves the answer open.  It
is a pydantic model (read and written as JSON); :func:`parse_steps` reads the
plain-text form, one step a line::

    # comment
    writel 0x8400 0x40 => OK
    readl 0x8400 => OK 0x1
    clock_step

An expected ``FAIL`` matches any ``FAIL`` answer whatever its message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .errors import TraceError
from .jsonfile import load_json

_ARROW = " => "


class Step(BaseModel):
    """One wire command and the answer the model expects (``None``: any answer)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    command: str = Field(min_length=1)
    expect: str | None = None

    def __str__(self) -> str:
        return self.command if self.expect is None else f"{self.command}{_ARROW}{self.expect}"

    def matches(self, answer: str) -> bool:
        """Whether ``answer`` is what this step expects."""
        if self.expect is None:
            return True
        if self.expect == "FAIL" or self.expect.startswith("FAIL "):
            return answer == "FAIL" or answer.startswith("FAIL ")
        return answer == self.expect


class Trace(BaseModel):
    """A named sequence of steps, replayable on any target."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["duckybio-trace/1"] = "duckybio-trace/1"
    name: str
    description: str = ""
    rules: list[str] = []
    steps: list[Step]

    @classmethod
    def load(cls, path: Path) -> Trace:
        """Read a JSON trace; :class:`TraceError` with one line on any problem."""
        return load_json(cls, path, TraceError, "trace")


def parse_steps(text: str) -> list[Step]:
    """The steps of a plain-text trace (comments and blank lines skipped)."""
    steps: list[Step] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        command, sep, expect = line.partition(_ARROW.strip())
        command = command.strip()
        if not command:
            raise TraceError(f"line {number}: no command before '=>'")
        steps.append(Step(command=command, expect=expect.strip() if sep else None))
    return steps
