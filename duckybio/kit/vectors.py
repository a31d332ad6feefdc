"""Golden test vectors: fixed wire sequences with the answers the model gives.

A vector is a :class:`~duckybio.kit.trace.Trace` (wire command lines, each
with its expected answer) plus the latency it was recorded with.  The files
under ``spec/vectors/`` are generated from the scenarios
(:mod:`duckybio.kit.scenarios`) by running each on
:class:`~duckybio.kit.model_target.ModelTarget` with that latency; an
implementer in any language replays them with a line parser (see
``spec/vectors/README.md``).

Expected answers are only recorded where every conforming implementation
must give them: a ``clock_step`` answer is implementation-defined (recorded
as ``None``: any answer), a refusal is recorded as a bare ``FAIL`` (any
message), and a scenario must not look at bytes the spec leaves unspecified
(the addressed blocks and DMA range of a command in flight, R-BSY-6) —
recording refuses such a scenario.

A vector with latency 0 is for targets that complete a command within the
STATUS write that starts it; a vector with latency N > 0 is for targets that
complete it on exactly the N-th clock step after the start (like ``duckybio
serve --latency N``).  Every vector starts with a ``machine`` command, so one
target may run them all in a row.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..spec.rules import SPEC_PATH, observable_ids
from ..spec.wire import (
    ClockStep,
    Command,
    Fail,
    Fault,
    Machine,
    WireError,
    format_answer,
    format_command,
    parse_command,
)
from .errors import Mismatch, ScenarioError, Unsupported, VectorError
from .jsonfile import load_json
from .model_target import ModelTarget
from .replay import replay_steps, unspecified
from .scenario import Exchange, Session
from .scenarios import Scenario, scenarios
from .target import Target
from .trace import Step, Trace

__all__ = [
    "DEFAULT_DIR",
    "VECTOR_FORMAT",
    "Vector",
    "exercised_ids",
    "file_name",
    "generate_all",
    "load_all",
    "load_files",
    "record",
    "run_vector",
    "stale",
    "wire_observable_ids",
    "write_all",
]

#: The format tag of a vector file.
VECTOR_FORMAT: Final = "duckybio-vector/1"
#: The committed vectors, next to the specification.
DEFAULT_DIR: Final = SPEC_PATH.with_name("vectors")


# --- the file format -------------------------------------------------------------

class Vector(BaseModel):
    """One golden test vector: a trace and the latency it needs."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["duckybio-vector/1"] = VECTOR_FORMAT
    latency: int = Field(ge=0)
    trace: Trace

    @model_validator(mode="after")
    def _commands_parse(self) -> Vector:
        steps = self.trace.steps
        if not steps:
            raise ValueError("a vector needs at least one step")
        for number, step in enumerate(steps, 1):
            try:
                command = parse_command(step.command)
            except WireError as exc:
                raise ValueError(f"step {number}: {exc}") from None
            if number == 1 and not isinstance(command, Machine):
                raise ValueError("the first step must be a machine command")
        return self

    def to_json(self) -> str:
        """The file text of this vector."""
        return self.model_dump_json(indent=1) + "\n"

    @classmethod
    def load(cls, path: Path) -> Vector:
        """Read a vector file; :class:`VectorError` with one line on any problem."""
        return load_json(cls, path, VectorError, "vector")


def file_name(name: str) -> str:
    """The file name of the vector called ``name``."""
    return f"{name}.json"


def load_all(directory: Path) -> list[Vector]:
    """Every ``*.json`` vector of ``directory``, by file name.

    :class:`VectorError` if the directory has none or any of them is bad.
    """
    return [vector for _, vector in load_files(directory)]


def load_files(directory: Path) -> list[tuple[Path, Vector]]:
    """Every ``*.json`` vector of ``directory`` with its file, by file name.

    :class:`VectorError` if the directory has none or any of them is bad.
    """
    if not directory.is_dir():
        raise VectorError(f"vector directory {directory} does not exist")
    files = [(path, Vector.load(path)) for path in sorted(directory.glob("*.json"))]
    if not files:
        raise VectorError(f"no vector files (*.json) in {directory}")
    return files


def run_vector(target: Target, vector: Vector) -> list[str]:
    """Replay ``vector`` on ``target``: one line per answer that differs (none: pass).

    A line names the step (numbered from 1) and its command and says what
    differs: the first differing byte of a byte string (see
    :func:`~duckybio.kit.replay.replay_steps`).

    A vector that injects faults is not applicable to a target that answers
    ``FAIL`` to its first ``fault`` command (fault injection is optional,
    SPEC R-HOST-7): :class:`~duckybio.kit.errors.Unsupported` is raised then.
    :class:`~duckybio.kit.target.TargetBroken` propagates.
    """
    steps = vector.trace.steps
    first_fault = next((i for i, step in enumerate(steps)
                        if isinstance(parse_command(step.command), Fault)), None)
    if first_fault is None:
        return replay_steps(target, steps)
    problems = replay_steps(target, steps[:first_fault])
    probe = steps[first_fault]
    if not problems and replay_steps(target, [probe], first=first_fault + 1):
        raise Unsupported(f"the target does not support {probe.command!r} (R-HOST-7)")
    return problems + replay_steps(target, steps[first_fault + 1:], first=first_fault + 2)


def exercised_ids(vectors: list[Vector]) -> set[str]:
    """The rule and errata ids the ``vectors`` say they exercise."""
    return {rule for vector in vectors for rule in vector.trace.rules}


def wire_observable_ids() -> set[str]:
    """The rule and errata ids that vectors must exercise."""
    return observable_ids()


# --- recording -------------------------------------------------------------------

def _step(exchange: Exchange) -> Step:
    """The vector step of one exchange: clock answers open, refusals any ``FAIL``."""
    expect: str | None = format_answer(exchange.answer)
    if isinstance(exchange.command, ClockStep):
        expect = None
    elif isinstance(exchange.answer, Fail):
        expect = "FAIL"
    return Step(command=format_command(exchange.command), expect=expect)


def record(item: Scenario) -> Vector:
    """Run ``item`` on the model and keep its answers.

    :class:`ScenarioError` if the scenario looks at unspecified bytes, gets an
    answer other than one it pins, or never goes BUSY although it needs a latency.
    """
    model = ModelTarget(item.latency)
    busy_seen = False

    def guard(number: int, command: Command) -> None:
        nonlocal busy_seen
        busy_seen |= model.state.bio.command is not None
        if unspecified(model, command):
            raise ScenarioError(f"{item.name} step {number}: {format_command(command)} touches "
                                "bytes a command in flight leaves unspecified")

    session = Session(model, item.latency, guard)
    try:
        item.play(session)
    except Mismatch as exc:
        raise ScenarioError(f"{item.name} {exc}") from None
    busy_seen |= model.state.bio.command is not None
    if item.latency and not busy_seen:
        raise ScenarioError(f"{item.name} needs latency {item.latency} but is never BUSY")
    trace = Trace(name=item.name, description=item.description, rules=list(item.rules),
                  steps=[_step(exchange) for exchange in session.log])
    return Vector(latency=item.latency, trace=trace)


def generate_all() -> dict[str, Vector]:
    """Every vector, recorded from the model, by name."""
    return {item.name: record(item) for item in scenarios()}


# --- the committed files -----------------------------------------------------------

def _obsolete(directory: Path, names: set[str]) -> list[Path]:
    """Vector files in ``directory`` that no scenario generates any more."""
    found: list[Path] = []
    for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
        if path.name in names:
            continue
        try:
            Vector.load(path)
        except VectorError:
            continue
        found.append(path)
    return found


def write_all(directory: Path) -> list[str]:
    """Write every vector into ``directory`` and remove obsolete vector files; the
    file names written or removed."""
    directory.mkdir(parents=True, exist_ok=True)
    vectors = generate_all()
    names = {file_name(name) for name in vectors}
    changed: list[str] = []
    for name, vector in vectors.items():
        path = directory / file_name(name)
        text = vector.to_json()
        if not path.is_file() or path.read_text("utf-8") != text:
            path.write_text(text, "utf-8")
            changed.append(path.name)
    for path in _obsolete(directory, names):
        path.unlink()
        changed.append(path.name)
    return changed


def stale(directory: Path) -> list[str]:
    """File names in ``directory`` that differ from what :func:`write_all` would write
    (missing, different, or obsolete)."""
    vectors = generate_all()
    out: list[str] = []
    for name, vector in vectors.items():
        path = directory / file_name(name)
        try:
            current = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            current = None
        if current != vector.to_json():
            out.append(path.name)
    out += [path.name for path in _obsolete(directory, {file_name(n) for n in vectors})]
    return sorted(out)
