"""Helpers for the mutant tests: source mutation of the controller, probed checks.

:func:`mutant_block_io` reads ``impl/bio.py``, applies one exact textual
replacement (the original text must occur exactly once, so that a change of
the source breaks the test loudly instead of silently testing nothing) and
executes the result as a fresh module inside the ``duckybio.impl`` package.
:func:`using_block_io` makes :class:`~duckybio.impl.target.ReferenceTarget`
build its machines with a given controller class while it is active.
:func:`probed` wraps a lockstep machine so that a run also tells in which
generated sequence the first disagreement showed up.
"""

from __future__ import annotations

import importlib.util
import itertools
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import ClassVar, Final

import pytest

import duckybio.impl.bio
import duckybio.impl.machine
from duckybio.spec import wire
from duckybio.spec.checkrun import CheckReport
from duckybio.spec.lockstep import LockstepMachine
from duckybio.spec.trace import Step

#: The reference controller's source file.
BIO_SOURCE: Final = Path(duckybio.impl.bio.__file__).resolve()

#: Wire commands that are guest MMIO operations or clock steps (the rest is host set-up).
MMIO_COMMANDS: Final = frozenset({"writel", "readl", "clock_step"})

_serial = itertools.count()


@dataclass(frozen=True, slots=True)
class Mutation:
    """One planted bug: replace ``old`` (which must occur once) by ``new``.

    ``latency`` is the reference latency the bug needs to show (e.g. 2 for a
    bug in the handling of writes while BUSY).
    """

    name: str
    description: str
    old: str
    new: str
    latency: int = 0


def mutated_source(old: str, new: str, source: str | None = None) -> str:
    """``source`` (default: the controller's) with the one occurrence of ``old`` replaced."""
    text = BIO_SOURCE.read_text() if source is None else source
    found = text.count(old)
    assert found == 1, (f"expected exactly one occurrence of {old!r} in {BIO_SOURCE.name}, "
                        f"found {found}: the mutation no longer fits the source")
    return text.replace(old, new)


def load_module(source: str, label: str) -> ModuleType:
    """Execute ``source`` as a fresh module of the ``duckybio.impl`` package."""
    name = f"duckybio.impl._mutant_{label.replace('-', '_')}_{next(_serial)}"
    spec = importlib.util.spec_from_loader(name, loader=None, origin=str(BIO_SOURCE))
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "duckybio.impl"
    module.__file__ = str(BIO_SOURCE)
    sys.modules[name] = module  # dataclasses look their module up while it executes
    try:
        exec(compile(source, f"<{name}>", "exec"), module.__dict__)
    finally:
        del sys.modules[name]
    return module


def mutant_block_io(mutation: Mutation | None) -> type:
    """The ``BlockIO`` class of the source with ``mutation`` applied (``None``: unmutated)."""
    if mutation is None:
        module = load_module(BIO_SOURCE.read_text(), "control")
    else:
        module = load_module(mutated_source(mutation.old, mutation.new), mutation.name)
    block_io: type = module.BlockIO
    assert block_io is not duckybio.impl.bio.BlockIO
    return block_io


@contextmanager
def using_block_io(block_io: type) -> Iterator[None]:
    """While active, every new reference machine gets a ``block_io`` controller."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(duckybio.impl.machine, "BlockIO", block_io)
        yield


def probed(machine: type[LockstepMachine]) -> type[LockstepMachine]:
    """``machine``, also recording the sequence number of its first disagreement.

    After a run, ``first_failure`` (read it with :func:`first_failure`) is the
    number of sequences generated up to and including the first one that
    failed, or ``None``.  Every exchange with the target goes through
    ``_do``, ``_sync`` or ``states_agree``, so those are the places to watch.
    """

    class Probe(machine):  # type: ignore[valid-type,misc]
        first_failure: ClassVar[int | None] = None

        def _note(self) -> None:
            cls = type(self)
            if cls.first_failure is None:
                cls.first_failure = cls.runs

        def _do(self, command: wire.Command, *, compare: bool = True) -> str:
            try:
                answer: str = super()._do(command, compare=compare)
            except Exception:
                self._note()
                raise
            return answer

        def _sync(self) -> None:
            try:
                super()._sync()
            except Exception:
                self._note()
                raise

        def states_agree(self) -> None:
            try:
                super().states_agree()
            except Exception:
                self._note()
                raise

    for name in ("_do", "_sync", "states_agree"):
        assert callable(getattr(LockstepMachine, name, None)), f"LockstepMachine.{name} is gone"
    Probe.__name__ = Probe.__qualname__ = f"Probed{machine.__name__}"
    return Probe


def first_failure(machine: type[LockstepMachine]) -> int | None:
    """The sequence in which a :func:`probed` machine first disagreed, or ``None``."""
    value: int | None = getattr(machine, "first_failure", None)
    return value


def mmio_operations(trace: list[Step]) -> list[Step]:
    """The guest operations of a trace: MMIO accesses and clock steps."""
    return [s for s in trace if s.command.split()[0] in MMIO_COMMANDS]


def summary(name: str, report: CheckReport, found: int | None) -> str:
    """One line for the test log: outcome, sequences until found, time, trace size."""
    return (f"{name}: exit {report.exit_code}, first failing sequence {found}, "
            f"{report.examples} sequences in all, {report.seconds:.1f} s, trace "
            f"{len(report.trace)} steps ({len(mmio_operations(report.trace))} MMIO)")
