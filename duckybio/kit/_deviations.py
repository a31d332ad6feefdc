"""Deviations found by a run, and the allow file of known ones (SPEC section 18).

A deviation is identified by its signature: the transition class of the
first step at which device and model diverge, found by replaying the shrunk
reproducer while observing after every step (localization), and what
diverged there (a register value, RAM or storage bytes and where, a crash,
a hang).  :class:`Deviation` is the one value a failure is from detection
to report: signature, failure line, kind, clean reproducer, status, the
deviations folded under it as its consequences, the erratum of the original
device it matches.  :class:`AllowFile` lists known deviations, each with a
reason and its clean reproducer, which a run replays first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ._failure import Failure, Kind
from ._jsonfile import dump_json, load_json
from ._power_on import as_steps
from .errors import InputError
from .trace import Step, Trace

#: ``new``: not in the allow file; ``known``: listed, and its reproducer still fails so.
Status = Literal["new", "known"]


class Deviation(BaseModel):
    """One distinct deviation, immutable: what a run reports of one bug.

    ``trace``: its clean reproducer (every step compared, the only
    divergence the last); ``status``: new or known (the allow file lists it
    and its reproducer still fails so; ``reason`` says why it is accepted);
    ``occurrences``: how many sequences met it or one of its
    ``consequences`` (signatures met only after it, which no sequence
    reproduces without passing through it); ``erratum``: the erratum of the
    original device (SPEC section 14) whose planted double fails the same
    way; ``folder``: where its reproducer files were saved.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    signature: str
    failure: str
    detail: str = ""
    kind: Kind = "value"
    status: Status = "new"
    reason: str = ""
    occurrences: int = 1
    trace: list[Step] = []
    consequences: list[str] = []
    erratum: str | None = None
    folder: str = ""

    @classmethod
    def of(cls, failure: Failure, *, reason: str = "", occurrences: int = 1,
           consequences: tuple[str, ...] = (), erratum: str | None = None) -> Deviation:
        """The report of ``failure`` (shrunk and localized): known when it has a ``reason``."""
        return cls(signature=failure.signature, failure=failure.message, detail=failure.detail,
                   kind=failure.kind, status="known" if reason else "new", reason=reason,
                   occurrences=occurrences, trace=as_steps(failure.trace),
                   consequences=list(consequences), erratum=erratum)

    @property
    def known(self) -> bool:
        """Whether the allow file lists it."""
        return self.status == "known"

    def reproducer(self, target: str) -> Trace:
        """The clean reproducer as a replayable trace."""
        return Trace(name=f"{self.signature} on {target}", description=self.failure,
                     steps=self.trace)


class AllowedDeviation(BaseModel):
    """One known deviation: its signature, why it is accepted, its clean reproducer.

    A run replays ``trace`` first: still failing with ``signature``, the
    deviation is known; passing, it is fixed.  An entry without a trace is
    matched by signature alone and is never reported fixed.  ``erratum``: the
    erratum of the original device it matches; a deviation a run meets that
    matches the same erratum is known too, as another face of this one.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    signature: str = Field(min_length=1)
    reason: str = Field(min_length=1)
    trace: list[Step] = []
    erratum: str | None = None


class AllowFile(BaseModel):
    """Known deviations that do not fail a run (``--allow``)."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["duckybio-allow/1"] = "duckybio-allow/1"
    allowed: list[AllowedDeviation] = []

    @classmethod
    def load(cls, path: Path) -> AllowFile:
        """Read an allow file; :class:`~.errors.InputError` with one line on any problem."""
        allow = load_json(cls, path, InputError, "allow file")
        seen: set[str] = set()
        for item in allow.allowed:
            if item.signature in seen:
                raise InputError(f"allow file {path}: signature listed twice: "
                                 f"{item.signature!r}")
            seen.add(item.signature)
        return allow

    def reasons(self) -> dict[str, str]:
        """The reason of every allowed signature."""
        return {item.signature: item.reason for item in self.allowed}

    def merged(self, deviations: list[Deviation], reason: str) -> AllowFile:
        """This file and ``deviations``, each signature once.

        A listed signature keeps its reason; its reproducer is renewed from
        the run where the run has one.  New deviations get ``reason``.
        """
        found = {d.signature: d for d in deviations}
        out = [item.model_copy(update={"trace": found[item.signature].trace})
               if item.signature in found and found[item.signature].trace else item
               for item in self.allowed]
        listed = {item.signature for item in out}
        out += [AllowedDeviation(signature=d.signature, reason=d.reason or reason,
                                 trace=d.trace, erratum=d.erratum)
                for d in deviations if d.signature not in listed]
        return AllowFile(allowed=out)

    @classmethod
    def of(cls, deviations: list[Deviation], reason: str) -> AllowFile:
        """An allow file listing ``deviations`` (known ones keep their reason)."""
        return cls().merged(deviations, reason)

    def to_json(self) -> str:
        return dump_json(self, 2)


def _by_erratum(rows: list[Deviation]) -> list[Deviation]:
    """Deviations that match the same erratum as one: the first (known ones first)
    with the others among its consequences."""
    merged: list[Deviation] = []
    index: dict[str, int] = {}
    for d in sorted(rows, key=lambda d: not d.known):
        at = index.get(d.erratum) if d.erratum else None
        if at is None:
            if d.erratum:
                index[d.erratum] = len(merged)
            merged.append(d)
            continue
        first = merged[at]
        merged[at] = first.model_copy(update={
            "occurrences": first.occurrences + d.occurrences,
            "consequences": [*first.consequences, d.signature, *d.consequences]})
    return merged


def in_report_order(rows: list[Deviation]) -> list[Deviation]:
    """``rows`` as a report lists them: those matching one erratum folded into one (the
    others among its consequences), new ones first, known ones last."""
    rows = _by_erratum(rows)
    return [d for d in rows if not d.known] + [d for d in rows if d.known]
