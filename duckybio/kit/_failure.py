"""One failure, one value: what a run met, from detection through shrinking to report.

The harness signals a disagreement with an exception (a
:class:`~.errors.Mismatch`: Hypothesis needs a failing test to raise); the
moment it is caught it becomes a :class:`Failure`, and search, shrinking,
localization and the report pass that value along (SPEC section 18):

    search -> Failure -> shrink -> Failure -> localize -> Failure -> Deviation

A failure is immutable and complete: its signature (the transition class of
the divergent step and what diverged), its first line and hexdump window,
its kind, the operations that met it (ending with the divergent one) and the
harness configuration it was met under (the machine its sequence powered on).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ._runlog import HarnessConfig, Operation
from .errors import Mismatch, TargetCrashed

#: What kind of divergence a failure is.
Kind = Literal["value", "crash", "hang", "internal"]


def kind_of(signature: str) -> Kind:
    """The kind of divergence a signature names."""
    what = signature.rpartition(": ")[2]
    if what.startswith("crash"):
        return "crash"
    if what.startswith("hang"):
        return "hang"
    return "internal" if what == "internal state" else "value"


def describe(exc: BaseException) -> str:
    """The first line of an error, with its type unless it is an assertion or a crash."""
    if isinstance(exc, TargetCrashed):
        return str(exc)
    text = str(exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    return line if isinstance(exc, AssertionError) else f"{type(exc).__name__}: {line}"


@dataclass(frozen=True, slots=True)
class Failure:
    """A divergence met on a sequence: where, what, and the sequence that met it.

    ``message``: the failure line (what the last step observed); ``detail``:
    a short hexdump window; ``trace``: the operations sent, with the model's
    answers, ending with the divergent one; ``config``: the harness it was
    met under; ``narrowed``: the divergent byte read cut to the bytes around
    its first difference (command, answer), for a clean reproducer.
    """

    signature: str
    message: str
    trace: tuple[Operation, ...]
    config: HarnessConfig
    detail: str = ""
    narrowed: tuple[str, str] | None = None

    @classmethod
    def of(cls, mismatch: Mismatch, trace: tuple[Operation, ...] | list[Operation],
           config: HarnessConfig) -> Failure:
        """The value of a disagreement the harness raised, met on ``trace``."""
        lines = str(mismatch).strip().splitlines()
        return cls(signature=mismatch.signature,
                   message=lines[0] if lines else type(mismatch).__name__,
                   trace=tuple(trace), config=config, detail=mismatch.detail,
                   narrowed=mismatch.narrowed)

    @property
    def kind(self) -> Kind:
        """A value, a crash, a hang, or a difference of internal state."""
        return kind_of(self.signature)

    def on(self, trace: tuple[Operation, ...] | list[Operation],
           config: HarnessConfig | None = None) -> Failure:
        """The same divergence, met on another (shrunk or cut) ``trace``."""
        return Failure(self.signature, self.message, tuple(trace), config or self.config,
                       self.detail, self.narrowed)


__all__ = ["Failure", "Kind", "describe", "kind_of"]
