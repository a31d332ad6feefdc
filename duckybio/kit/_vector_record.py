"""Record a scenario as a golden vector that runs at every latency within a bound.

A scenario is played twice on the model: with latency 0 (every command
completes within the STATUS write that starts it) and with latency 1 (every
command is in flight until the next clock step).  A device of any latency
within a bound, even one that varies per command, behaves between a start
and the next clock step like one of the two, and a clock step is taken only
inside a poll (:meth:`~duckybio.kit._scenario.Session.wait`).  The two logs are
merged step by step: a plain step must answer the same in both, a probe reads
BUSY in the second only, a poll ends with the same answer and the same model
state in both; the steps of a probe's branch come from the play that took it.
Anything else is a :class:`ScenarioError`: the vector would depend on the
latency.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from ..spec.regmap import Flag
from ..spec.wire import Answer, ClockStep, Command, Fail, format_answer, format_command
from ._model_target import ModelTarget
from ._replay import unspecified
from ._scenario import Branch, Entry, Session
from ._scenarios import VectorScenario
from ._vector_file import Vector, VectorStep, VectorTrace
from .errors import Mismatch, ScenarioError

__all__ = ["RECORD_LATENCIES", "record"]

#: The latencies a scenario is played with: completed at the start, in flight until a step.
RECORD_LATENCIES: Final = (0, 1)


def _play(item: VectorScenario, latency: int) -> tuple[list[Entry], bool]:
    """The entries of ``item`` played on the model with ``latency``; whether it went BUSY."""
    model = ModelTarget(latency)
    busy_seen = False

    def guard(number: int, command: Command) -> None:
        nonlocal busy_seen
        flying = model.state.bio.command is not None
        busy_seen |= flying
        if unspecified(model, command):
            raise ScenarioError(
                f"{item.name} step {number}: {format_command(command)} touches "
                "bytes a command in flight leaves unspecified"
            )
        if flying and isinstance(command, ClockStep) and not session.polling:
            raise ScenarioError(
                f"{item.name} step {number}: a clock step outside a poll while "
                "a command is in flight depends on the latency"
            )

    session = Session(model, latency, guard, snapshot=lambda: model.state)
    try:
        item.play(session)
    except Mismatch as exc:
        raise ScenarioError(f"{item.name} {exc} (latency {latency})") from None
    busy_seen |= model.state.bio.command is not None
    return session.entries, busy_seen


def _expect(command: Command | str, answer: Answer) -> str | None:
    """The expectation of a plain step: clock answers open, refusals any ``FAIL``."""
    if isinstance(command, ClockStep):
        return None
    if isinstance(answer, Fail):
        return "FAIL"
    return format_answer(answer)


def _line(command: Command | str) -> str:
    """The wire line of ``command`` (a string is a malformed line, sent as it is)."""
    return command if isinstance(command, str) else format_command(command)


def _plain(entry: Entry, when: Branch | None = None) -> VectorStep:
    return VectorStep(
        command=_line(entry.command), expect=_expect(entry.command, entry.answer), when=when
    )


def _busy(answer: Answer) -> bool:
    value = answer.value if not isinstance(answer, Fail) else None
    return value is not None and bool(int(value, 16) & Flag.BUSY)


def _joined(name: str, number: int, done: Entry, flying: Entry) -> VectorStep:
    """The step of ``done`` (latency 0) and ``flying`` (latency 1), taken at the same point."""
    line = _line(done.command)
    if done.command != flying.command or done.kind != flying.kind:
        raise ScenarioError(
            f"{name} step {number}: {line} at latency 0 but {_line(flying.command)} at latency 1"
        )
    if done.kind == "probe":
        if _busy(done.answer) or not _busy(flying.answer):
            raise ScenarioError(
                f"{name} step {number}: the probe reads "
                f"{format_answer(flying.answer)} at latency 1: no command in "
                "flight"
            )
        return VectorStep(
            command=line, expect=format_answer(done.answer), busy=format_answer(flying.answer)
        )
    at_zero, at_one = _expect(done.command, done.answer), _expect(flying.command, flying.answer)
    if at_zero != at_one:
        raise ScenarioError(
            f"{name} step {number}: {line} answers {at_zero} at latency 0 and "
            f"{at_one} at latency 1: take it in a branch (Session.in_flight)"
        )
    if done.kind == "poll":
        if done.snapshot != flying.snapshot:
            raise ScenarioError(
                f"{name} step {number}: the state after this poll depends on the latency"
            )
        if flying.busy is not None:
            return VectorStep(
                command=line, expect=at_zero, busy=format_answer(flying.busy), poll=True
            )
    return _plain(done)


def merge(name: str, done: Sequence[Entry], flying: Sequence[Entry]) -> list[VectorStep]:
    """The steps of a vector from the entries at latency 0 (``done``) and 1 (``flying``)."""
    steps: list[VectorStep] = []
    i = j = 0
    while i < len(done) or j < len(flying):
        if j < len(flying) and flying[j].when == "busy":
            steps.append(_plain(flying[j], "busy"))
            j += 1
        elif i < len(done) and done[i].when == "idle":
            steps.append(_plain(done[i], "idle"))
            i += 1
        elif i < len(done) and j < len(flying):
            steps.append(_joined(name, len(steps) + 1, done[i], flying[j]))
            i += 1
            j += 1
        else:
            raise ScenarioError(
                f"{name}: the play at latency {0 if i < len(done) else 1} has "
                f"more steps than the other (from step {len(steps) + 1})"
            )
    return steps


def record(item: VectorScenario) -> Vector:
    """Play ``item`` on the model at latencies 0 and 1 and merge the two into a vector.

    :class:`ScenarioError` if the scenario looks at unspecified bytes, gets an
    answer other than one it pins, depends on the latency outside a probe's
    branch, or never goes BUSY although it is a scenario of the BUSY rules.
    """
    done, _ = _play(item, RECORD_LATENCIES[0])
    flying, busy_seen = _play(item, RECORD_LATENCIES[1])
    if item.busy and not busy_seen:
        raise ScenarioError(f"{item.name} is about BUSY but no command is ever in flight")
    trace = VectorTrace(
        name=item.name,
        description=item.description,
        rules=list(item.rules),
        steps=merge(item.name, done, flying),
    )
    return Vector(trace=trace)
