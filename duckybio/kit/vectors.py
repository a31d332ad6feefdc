"""Golden test vectors: fixed wire sequences with the answers every conforming device gives.

A vector (:class:`~duckybio.kit._vector_file.Vector`, format
``duckybio-vector/2``) is a trace whose polls and probes let it run on a
device of any latency within a declared bound.  The files under
``spec/vectors/`` are generated from the scenarios
(:mod:`duckybio.kit._scenarios`) by playing each on the model at latencies 0
and 1 (:func:`~duckybio.kit._vector_record.record`); an implementer in any
language runs them with a line parser (see ``spec/vectors/README.md``).

Expected answers are only recorded where every conforming implementation
must give them: a ``clock_step`` answer is implementation-defined (recorded
as ``None``: any answer), a refusal is recorded as a bare ``FAIL`` (any
message), a scenario must not look at bytes the spec leaves unspecified (the
addressed blocks and DMA range of a command in flight, R-BSY-6), and an
answer that depends on whether a command is still in flight is read in the
branch of a probe.  Every vector starts with a ``machine`` command, so one
target may run them all in a row.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from ..spec.rules import SPEC_PATH, observable_ids
from ._scenarios import scenarios
from ._vector_file import VECTOR_FORMAT, Vector, VectorStep, VectorTrace
from ._vector_record import RECORD_LATENCIES, record
from ._vector_run import VectorRun, run_vector, steps_at
from .errors import VectorError

__all__ = [
    "DEFAULT_DIR",
    "RECORD_LATENCIES",
    "VECTOR_FORMAT",
    "Vector",
    "VectorRun",
    "VectorStep",
    "VectorTrace",
    "exercised_ids",
    "file_name",
    "generate_all",
    "load_all",
    "load_files",
    "record",
    "run_vector",
    "stale",
    "steps_at",
    "wire_observable_ids",
    "write_all",
]

#: The committed vectors, next to the specification.
DEFAULT_DIR: Final = SPEC_PATH.with_name("vectors")


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


def exercised_ids(vectors: list[Vector]) -> set[str]:
    """The rule and errata ids the ``vectors`` say they exercise."""
    return {rule for vector in vectors for rule in vector.trace.rules}


def wire_observable_ids() -> set[str]:
    """The rule and errata ids that vectors must exercise."""
    return observable_ids()


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
