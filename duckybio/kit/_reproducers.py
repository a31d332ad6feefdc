"""Save a run's reproducers: ``trace.json``, ``repro.c`` and ``test_repro.py`` per deviation.

:func:`save_reproducers` is the kit's, so that the command line, the pytest
plugin and library users save the same files: each new deviation in its own
folder ``OUT/NN-<signature slug>`` (with ``single``, the first one directly
in ``OUT``).  It returns the report with every saved deviation's ``folder``
set (reports are immutable) and a one-line error per file it could not write.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ._jsonfile import dump_json
from ._repro import render_c, render_pytest
from ._run import CheckReport
from .trace import Trace


@dataclass(frozen=True, slots=True)
class Saved:
    """The report with its deviations' folders, and what could not be written."""

    report: CheckReport
    errors: list[str]


def save_reproducers(report: CheckReport, out: Path, target: str | None, *,
                     single: bool = False) -> Saved:
    """Save every new deviation's reproducer under ``out`` (``single``: the first, in ``out``)."""
    errors: list[str] = []
    deviations = list(report.deviations)
    for number, deviation in enumerate(deviations, 1):
        if deviation.known or not deviation.trace:
            continue
        folder = out if single else out / f"{number:02}-{slug(deviation.signature)}"
        errors += write_files(folder, deviation.reproducer(report.target), target)
        deviations[number - 1] = deviation.model_copy(update={"folder": str(folder)})
        if single:
            break
    return Saved(report.model_copy(update={"deviations": deviations}), errors)


def write_files(folder: Path, trace: Trace, target: str | None) -> list[str]:
    """Write ``trace`` as ``trace.json``, ``repro.c`` and ``test_repro.py`` into ``folder``."""
    files = {
        folder / "trace.json": dump_json(trace, 1),
        folder / "repro.c": render_c(trace),
        folder / "test_repro.py": render_pytest(trace, target),
    }
    errors: list[str] = []
    for path, text in files.items():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8", "surrogateescape"))  # a path's bytes back
        except OSError as exc:
            errors.append(f"cannot write {path}: {exc.strerror or exc}")
    return errors


def slug(text: str) -> str:
    """``text`` as a folder name: lower case, runs of other characters as one ``-``."""
    out = "".join(c if c.isalnum() else "-" for c in text.lower())
    return "-".join(part for part in out.split("-") if part)[:60]
