"""Helpers for the mutant tests: source mutation of the controller, probed checks.

:func:`mutant_block_io` reads ``impl/bio.py``, applies one exact textual
replacement (the original text must occur exactly once, so that a change of
the source breaks the test loudly instead of silently testing nothing) and
executes the result as a fresh module inside the ``duckybio.impl`` package.
:func:`using_block_io` makes :class:`~duckybio.kit.reference_target.ReferenceTarget`
build its machines with a given controller class while it is active.
:func:`probed` wraps a lockstep machine so that a run also tells in which
generated sequence the first disagreement showed up.  :func:`flipped_status`
is a buggy Python target for ``--target mutation:flipped_status``.
"""

from __future__ import annotations

import functools
import importlib.util
import itertools
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Final

import pytest
from hypothesis.stateful import invariant

import duckybio.impl.bio
import duckybio.impl.machine
from duckybio.kit.lockstep import LockstepMachine
from duckybio.kit.reference_target import ReferenceTarget
from duckybio.kit.run import CheckReport
from duckybio.kit.target import Target
from duckybio.kit.trace import Step
from duckybio.spec.regmap import Flag, Reg

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


#: The methods through which every exchange with the target goes.
_WATCHED: Final = ("_do", "_sync")


def probed(machine: type[LockstepMachine]) -> type[LockstepMachine]:
    """``machine``, also recording the sequence number of its first disagreement.

    After a run, :func:`first_failure` tells how many sequences were generated
    up to and including the first one that failed (``None``: none failed).
    Every exchange with the target goes through :data:`_WATCHED` or the
    white-box invariant, so an exception leaving one of them is the first
    sign of a failure.
    """
    namespace: dict[str, object] = {"first_failure": None}
    for name in _WATCHED:
        method = getattr(machine, name, None)
        assert callable(method), f"LockstepMachine.{name} is gone: update the probe"
        namespace[name] = _watch(method)
    # Hypothesis calls the function an invariant marker holds: mark the wrapper itself.
    namespace["states_agree"] = invariant()(_watch(machine.states_agree))
    probe: type[LockstepMachine] = type(f"Probed{machine.__name__}", (machine,), namespace)
    return probe


def _watch(method: Callable[..., object]) -> Callable[..., object]:
    @functools.wraps(method, updated=())  # not the Hypothesis markers in __dict__
    def watched(self: LockstepMachine, *args: object, **kwargs: object) -> object:
        try:
            return method(self, *args, **kwargs)
        except BaseException:  # a mismatch, an escaping error, or the target gone
            cls = type(self)
            if getattr(cls, "first_failure", None) is None:
                setattr(cls, "first_failure", cls.runs)  # noqa: B010 - set on the probe class
            raise
    return watched


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


def processes_with(marker: str) -> list[str]:
    """Command lines of running processes (other than zombies) that contain ``marker``."""
    listing = subprocess.run(["ps", "-eo", "stat=,args="], capture_output=True, text=True,
                             check=True, timeout=30).stdout
    found = []
    for line in listing.splitlines():
        state, _, args = line.strip().partition(" ")
        if marker in args and not state.startswith("Z") and "ps -eo" not in args:
            found.append(args.strip())
    return found


class FlippedStatus(ReferenceTarget):
    """The reference implementation with one bug: STATUS reads have ERR inverted."""

    def readl(self, addr: int) -> int:
        value = super().readl(addr)
        if addr == self.machine_obj.bio.mmio_address + Reg.STATUS:
            value ^= Flag.ERR
        return value


def flipped_status() -> Target:
    """A factory for ``--target mutation:flipped_status``."""
    return FlippedStatus()
