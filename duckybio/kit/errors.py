"""Every error the conformance kit raises, under one base, :class:`KitError`.

- :class:`TargetError`: the device under test refused (``FAIL``) or broke.
- :class:`InputError`: a trace, vector file or ``--target`` argument that cannot
  be used; the message is one line, fit to print after ``duckybio:``.
- :class:`Mismatch`: the device disagrees with the model (an ``AssertionError``,
  so Hypothesis shrinks it like any failing check).
"""

from __future__ import annotations


class KitError(Exception):
    """Base of every error of the conformance kit."""


class TargetError(KitError):
    """Something the target under test did."""


class TargetRefused(TargetError):
    """The target answered ``FAIL``: a host access it is right to refuse (SPEC R-HOST-*)."""


class TargetBroken(TargetError):
    """The target crashed, hung past its timeout or broke the protocol (SPEC section 13)."""


def exited(exc: SystemExit) -> TargetBroken:
    """An in-process target that called ``sys.exit``: it failed, like a process that ended
    (exit 3), instead of ending the run with its status."""
    return TargetBroken(f"the target called sys.exit({exc.code!r})")


class InputError(KitError, ValueError):
    """A user-supplied file or argument that cannot be used; the message is one line."""


class TraceError(InputError):
    """A trace file or trace text that cannot be used."""


class TargetSpecError(InputError):
    """A ``--target`` argument that names nothing usable."""


class VectorError(InputError):
    """A golden-vector file or directory that cannot be used."""


class ScenarioError(KitError):
    """A scenario that cannot be recorded as a vector (a defect of the scenario)."""


class Unsupported(KitError):
    """The target declines an optional host command (``fault``, SPEC R-HOST-7)."""


class Mismatch(KitError, AssertionError):
    """The target disagrees with the model.

    The message's first line says what differed; ``detail`` may hold a short
    hexdump window.  ``what`` names what diverged and ``transition`` the
    model's transition class at the divergence: together they are the
    deviation's signature (SPEC section 18).
    """

    def __init__(self, message: str, *, what: str = "", transition: str = "",
                 detail: str = "", narrowed: tuple[str, str] | None = None) -> None:
        super().__init__(message)
        self.what = what
        self.transition = transition
        self.detail = detail
        #: A byte comparison cut to the bytes around the first difference: (command, answer).
        self.narrowed = narrowed

    @property
    def signature(self) -> str:
        """``<transition class>: <what diverged>`` (SPEC section 18)."""
        return f"{self.transition or 'power-on'}: {self.what or 'answer'}"


class TargetCrashed(Mismatch):
    """The target process died mid-sequence: a failure that is shrunk like any other."""


class TargetRaised(Mismatch):
    """An in-process target raised an exception while answering: its crash."""


__all__ = [
    "InputError",
    "KitError",
    "Mismatch",
    "ScenarioError",
    "TargetBroken",
    "TargetCrashed",
    "TargetError",
    "TargetRaised",
    "TargetRefused",
    "TargetSpecError",
    "TraceError",
    "Unsupported",
    "VectorError",
    "exited",
]
