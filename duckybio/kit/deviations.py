"""Deviations found by a run, and the allow file of known ones (SPEC section 18).

A deviation is identified by its signature: the model's transition class at
the first divergence (event and outcome, without the phase) and what
diverged (a register value, RAM or storage bytes and where, a crash, a hang).
:class:`Deviation` is one found deviation with its shrunk reproducer;
:class:`AllowFile` is a file of signatures, each with a reason, that a run
reports as known instead of failing on them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .errors import InputError
from .jsonfile import load_json
from .trace import Step, Trace


class Deviation(BaseModel):
    """One distinct deviation: its signature, failure line and shrunk reproducer.

    ``known``: the allow file lists it (``reason`` says why); ``occurrences``:
    how many generated sequences it ended.
    """

    model_config = ConfigDict(extra="forbid")

    signature: str
    failure: str
    detail: str = ""
    known: bool = False
    reason: str = ""
    occurrences: int = 1
    trace: list[Step] = []
    folder: str = ""

    def reproducer(self, target: str) -> Trace:
        """The shrunk sequence as a replayable trace."""
        return Trace(name=f"{self.signature} on {target}", description=self.failure,
                     steps=self.trace)


class AllowedDeviation(BaseModel):
    """One known deviation: its signature and why it is accepted."""

    model_config = ConfigDict(extra="forbid")

    signature: str = Field(min_length=1)
    reason: str = Field(min_length=1)


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

    @classmethod
    def of(cls, deviations: list[Deviation], reason: str) -> AllowFile:
        """An allow file listing ``deviations`` (known ones keep their reason)."""
        return cls(allowed=[AllowedDeviation(signature=d.signature,
                                             reason=d.reason or reason)
                            for d in deviations])

    def to_json(self) -> str:
        return self.model_dump_json(indent=2) + "\n"
