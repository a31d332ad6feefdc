"""Helpers for the mutant tests: source mutation of the controller, reference targets.

:func:`mutant_block_io` reads ``impl/_bio.py``, applies one exact textual
replacement (the original text must occur exactly once, so that a change of
the source breaks the test loudly instead of silently testing nothing) and
executes the result as a fresh module inside the ``duckybio.impl`` package.
:func:`using_block_io` makes :class:`~duckybio.kit._reference_target.ReferenceTarget`
build its machines with a given controller class while it is active.
:func:`reference_spec` is the reference target built on whatever controller
is in use.  :func:`flipped_status` is a buggy Python target for ``--target
mutation:flipped_status``.
"""

from __future__ import annotations

import importlib.util
import itertools
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Final

import pytest

import duckybio.impl._bio
import duckybio.impl._machine
from duckybio.kit._reference_target import ReferenceTarget
from duckybio.kit._run import CheckReport
from duckybio.kit._target import Target
from duckybio.kit._targets import TargetSpec
from duckybio.kit.trace import Step
from duckybio.spec.regmap import Flag, Reg

#: The reference controller's source file.
BIO_SOURCE: Final = Path(duckybio.impl._bio.__file__).resolve()

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
    assert block_io is not duckybio.impl._bio.BlockIO
    return block_io


@contextmanager
def using_block_io(block_io: type) -> Iterator[None]:
    """While active, every new reference machine gets a ``block_io`` controller."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(duckybio.impl._machine, "BlockIO", block_io)
        yield


def mmio_operations(trace: list[Step]) -> list[Step]:
    """The guest operations of a trace: MMIO accesses and clock steps."""
    return [s for s in trace if s.command.split()[0] in MMIO_COMMANDS]


def reference_spec(description: str, latency: int) -> TargetSpec:
    """The in-process reference target at ``latency`` (checked white box)."""
    return TargetSpec(description, lambda: ReferenceTarget(latency=latency),
                      in_process_reference=True, latency=latency)


def summary(name: str, report: CheckReport) -> str:
    """One line for the test log: outcome, sequences until found, time, trace size."""
    return (f"{name}: exit {report.exit_code}, first failing sequence {report.first_failure}, "
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


def processes_gone(marker: str, seconds: float = 10.0) -> bool:
    """Whether every process whose command line contains ``marker`` ends within ``seconds``."""
    deadline = time.monotonic() + seconds
    while processes_with(marker):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


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
