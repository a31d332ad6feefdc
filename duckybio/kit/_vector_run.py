"""Run a golden vector on a target whose commands complete within a declared bound.

:func:`run_vector` takes the steps as ``spec/vectors/README.md`` says: a
poll reads STATUS and steps the clock while it reads BUSY, at most ``bound``
times; a probe decides the branch of the steps marked ``when``.  A target
reached over the wire (:class:`~duckybio.kit._target.LineTarget`) gets every
line as it is written and its answers are compared character by character,
as a runner in another language compares them; an in-process target gets the
commands, and a malformed line is refused for it as the wire layer refuses
it.
:func:`steps_at` spells a vector out as the plain steps a device of one
fixed latency gets, for tools that replay plain traces.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..spec.wire import (
    Answer,
    Fault,
    Ok,
    WireError,
    fail,
    format_answer,
    parse_answer,
    parse_command,
)
from ._fill import abbreviate, expand
from ._replay import execute, problem_line
from ._target import LineTarget, Target
from ._vector_file import Vector, VectorStep, malformed
from .errors import Unsupported
from .trace import Step

__all__ = ["VectorRun", "run_vector", "steps_at"]


class VectorRun:
    """The steps of one vector taken in order on ``target``, polling at most ``bound``."""

    def __init__(self, target: Target, bound: int) -> None:
        self.target = target
        self.bound = bound
        #: The branch the latest probe took, until the next poll.
        self.branch: str | None = None

    def send(self, line: str) -> tuple[str, Answer | None]:
        """Send ``line``; the answer as written, and parsed (``None``: not an answer)."""
        text = expand(line)
        if isinstance(self.target, LineTarget):
            written = self.target.line(text)
            try:
                return written, parse_answer(written)
            except WireError:
                return written, None
        answer: Answer
        try:
            command = parse_command(text)
        except WireError as exc:
            answer = fail(f"malformed line: {exc}")
        else:
            answer = execute(self.target, command)
        return format_answer(answer), answer

    def _plain(self, number: int, step: VectorStep) -> list[str]:
        written, answer = self.send(step.command)
        if step.expect is None or step.matches(written):
            return []
        if answer is None or malformed(step):
            return [
                f"step {number}: {abbreviate(step.command)}: expected "
                f"{abbreviate(step.expect)}, got {abbreviate(written)}"
            ]
        return [
            problem_line(number, step, parse_command(expand(step.command)), step.expect, answer)
        ]

    def take(self, number: int, step: VectorStep) -> list[str]:
        """Take step ``number``; a line per answer that is not the expected one."""
        if step.when is not None and step.when != self.branch:
            return []
        if step.poll:
            self.branch = None
            return self._poll(number, step)
        if step.busy is None:
            return self._plain(number, step)
        answer, _ = self.send(step.command)
        if step.matches(answer):
            self.branch = "idle"
        elif answer == step.busy:
            self.branch = "busy"
        else:
            self.branch = None
            return [
                f"step {number}: {step.command}: expected {step.expect} (or {step.busy} "
                f"while the command is in flight), got {abbreviate(answer)}"
            ]
        return []

    def _poll(self, number: int, step: VectorStep) -> list[str]:
        answer, _ = self.send(step.command)
        steps = 0
        while answer == step.busy and steps < self.bound:
            written, tick = self.send("clock_step")
            if not isinstance(tick, Ok) or tick.value is None:
                return [
                    f"step {number}: clock_step while polling: expected OK <the clock>, "
                    f"got {abbreviate(written)}"
                ]
            steps += 1
            answer, _ = self.send(step.command)
        if answer == step.busy:
            return [
                f"step {number}: {step.command}: still {answer} after {steps} clock "
                "step(s), the declared bound (R-BSY-1)"
            ]
        if not step.matches(answer):
            return [
                f"step {number}: {step.command}: expected {step.expect} after polling "
                f"{steps} clock step(s), got {abbreviate(answer)}"
            ]
        return []

    def take_all(self, steps: Sequence[VectorStep], first: int = 1) -> list[str]:
        """Take ``steps``, numbered from ``first``; every differing answer's line."""
        return [
            line for number, step in enumerate(steps, first) for line in self.take(number, step)
        ]


def run_vector(target: Target, vector: Vector, bound: int = 0) -> list[str]:
    """Run ``vector`` on ``target`` with busy bound ``bound``: one line per answer that
    differs (none: pass).

    A line names the step (numbered from 1) and its command and says what
    differs: the first differing byte of a byte string (see
    :func:`~duckybio.kit._replay.replay_steps`).

    A vector that injects faults is not applicable to a target that answers
    ``FAIL`` to its first ``fault`` command (fault injection is optional,
    SPEC R-HOST-7): :class:`~duckybio.kit.errors.Unsupported` is raised then.
    :class:`~duckybio.kit._target.TargetBroken` propagates.
    """
    steps = vector.trace.steps
    run = VectorRun(target, bound)
    first_fault = next(
        (
            i
            for i, step in enumerate(steps)
            if not malformed(step) and isinstance(parse_command(step.command), Fault)
        ),
        None,
    )
    if first_fault is None:
        return run.take_all(steps)
    problems = run.take_all(steps[:first_fault])
    probe = steps[first_fault]
    if not problems and run.take(first_fault + 1, probe):
        raise Unsupported(f"the target does not support {probe.command!r} (R-HOST-7)")
    return problems + run.take_all(steps[first_fault + 1 :], first=first_fault + 2)


def steps_at(vector: Vector, latency: int) -> list[Step]:
    """The plain steps ``vector`` comes to on a device of exactly ``latency`` (a poll is
    ``latency`` clock steps, each between two STATUS reads; a probe's branch is busy
    when ``latency`` > 0; a malformed line is left out)."""
    branch = "busy" if latency else "idle"
    out: list[Step] = []
    for step in vector.trace.steps:
        if (step.when is not None and step.when != branch) or malformed(step):
            continue  # a malformed line changes nothing (R-HOST-9)
        plain = Step(command=step.command, expect=step.expect)
        if step.poll and latency:
            busy = Step(command=plain.command, expect=step.busy)
            out += [
                busy,
                *[s for _ in range(latency - 1) for s in (Step(command="clock_step"), busy)],
                Step(command="clock_step"),
                plain,
            ]
        elif step.busy is not None and latency:
            out.append(Step(command=plain.command, expect=step.busy))
        else:
            out.append(plain)
    return out
