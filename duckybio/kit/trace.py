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

Every trace is checked when it is read: each command, its fill references
expanded (SPEC section 18), must be a wire command and each expected answer
an answer line as a target writes it (or a bare ``FAIL``).  The format is
published as a JSON Schema, :func:`json_schema` (``spec/trace.schema.json``,
written by ``duckybio gen``); the schema states the structure, the checks
above the grammar of the lines.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..spec.wire import WireError, format_answer, parse_answer, parse_command
from ._fill import expand, references
from ._jsonfile import MAX_JSON_BYTES, load_json
from .errors import TraceError

_ARROW = " => "
#: The file the trace format's JSON Schema is published in, beside SPEC.md.
SCHEMA_FILE: Final = "trace.schema.json"
#: The JSON Schema dialect pydantic writes.
JSON_SCHEMA_DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"
#: The most bytes the fill references of one command stand for: as many as a trace
#: file could spell out.
MAX_FILL_BYTES: Final = MAX_JSON_BYTES // 2


class Step(BaseModel):
    """One wire command and the answer expected of it (none: replayed beside the model,
    the model's answer where the spec determines it; without the model, any answer)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    command: str = Field(
        min_length=1,
        description="A wire command line (SPEC section 13) without its newline; a byte "
                    "string argument may be written @words(SEED,LENGTH) (SPEC section 18).")
    expect: str | None = Field(
        default=None,
        description="The answer line expected, as a target writes it (OK, OK <value>, "
                    "FAIL <message>); a bare FAIL matches any FAIL; null: the model's "
                    "answer where the spec determines it.")

    def __str__(self) -> str:
        return self.command if self.expect is None else f"{self.command}{_ARROW}{self.expect}"

    def matches(self, answer: str) -> bool:
        """Whether ``answer`` is what this step expects (no expectation: any answer)."""
        if self.expect is None:
            return True
        if self.expect == "FAIL" or self.expect.startswith("FAIL "):
            return answer == "FAIL" or answer.startswith("FAIL ")
        return answer == self.expect


class Trace(BaseModel):
    """A named sequence of steps, replayable on any target."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["duckybio-trace/1"] = Field(
        default="duckybio-trace/1", description="The format tag of a trace.")
    name: str = Field(description="What the trace is called.")
    description: str = Field(default="", description="What the trace shows.")
    rules: list[str] = Field(
        default=[], description="The rule and errata ids of SPEC.md the trace exercises.")
    steps: list[Step] = Field(description="The wire commands, in the order they are sent.")

    @field_validator("steps")
    @classmethod
    def _steps_are_wire_lines(cls, steps: list[Step]) -> list[Step]:
        for number, step in enumerate(steps, 1):
            problem = step_problem(step)
            if problem is not None:
                raise ValueError(f"step {number} {problem}")
        return steps

    @classmethod
    def load(cls, path: Path) -> Trace:
        """Read a JSON trace; :class:`TraceError` with one line on any problem."""
        return load_json(cls, path, TraceError, "trace")


def step_problem(step: Step) -> str | None:
    """What is wrong with ``step`` as a line of the wire protocol (``None``: nothing).

    Its command, fill references expanded (at most :data:`MAX_FILL_BYTES`),
    must parse as a wire command; its expected answer, if any, must be an
    answer line exactly as a target writes it (one space between tokens, no
    line break), or a bare ``FAIL``.
    """
    filled = sum(length for _, length in references(step.command))
    if filled > MAX_FILL_BYTES:
        return (f"has fill references of {filled:#x} bytes, more than {MAX_FILL_BYTES:#x} "
                "(what a trace file could spell out)")
    try:
        parse_command(expand(step.command))
    except WireError as exc:
        return f"has a malformed command: {exc}"
    expect = step.expect
    if expect is None or expect == "FAIL":
        return None
    try:
        answer = parse_answer(expect)
    except WireError as exc:
        return f"expects a malformed answer: {exc}"
    if format_answer(answer) != expect:
        return f"expects an answer not written as a target writes it: {expect[:60]!r}"
    return None


def json_schema() -> str:
    """The JSON Schema of the trace format, as the text of :data:`SCHEMA_FILE`."""
    schema = {"$schema": JSON_SCHEMA_DIALECT,
              "$comment": "Generated by `duckybio gen` from the Trace model of "
                          "duckybio/kit/trace.py; do not edit.",
              **Trace.model_json_schema()}
    return json.dumps(schema, indent=1) + "\n"


def parse_steps(text: str) -> list[Step]:
    """The steps of a plain-text trace (comments and blank lines skipped).

    :class:`TraceError` with one line for a line that is not a step
    (:func:`step_problem`).
    """
    steps: list[Step] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        command, sep, expect = line.partition(_ARROW.strip())
        command = command.strip()
        if not command:
            raise TraceError(f"line {number}: no command before '=>'")
        step = Step(command=command, expect=expect.strip() if sep else None)
        problem = step_problem(step)
        if problem is not None:
            raise TraceError(f"line {number} {problem}")
        steps.append(step)
    return steps


__all__ = ["JSON_SCHEMA_DIALECT", "MAX_FILL_BYTES", "SCHEMA_FILE", "Step", "Trace", "json_schema",
           "parse_steps", "step_problem"]
