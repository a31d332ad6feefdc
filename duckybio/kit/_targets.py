"""Turn a ``--target`` argument into a factory of targets, and own their lifetime.

``module:callable`` names a Python factory (called with no arguments, it
returns a :class:`~duckybio.kit._target.Target`); anything else is a command
line, started as an out-of-process target speaking the wire protocol.  No
argument means the bundled reference implementation, in process.

Every front end holds a :class:`TargetSpec` in a ``with`` block (or uses
:meth:`TargetSpec.open` for a single target): on leaving it, every target
process is sent ``quit`` and then its process group is killed (SPEC section
13: no target process outlives the run).
"""

from __future__ import annotations

import importlib
import os
import re
import shlex
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType

from ._printable import printable
from ._reference_target import ReferenceTarget
from ._target import Target
from ._wire_client import WireTarget
from .errors import InputError, TargetSpecError

_FACTORY = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_][\w.]*")


@dataclass(frozen=True, slots=True)
class TargetSpec:
    """A resolved ``--target``: a description, a factory and the declared latency.

    ``latency`` is the reference implementation's own latency when
    ``in_process_reference``; for any other target it is the latency the
    user declared (``--latency``): the default busy bound of a check and the
    latency of the golden vectors that apply.
    """

    description: str
    factory: Callable[[], Target]
    in_process_reference: bool = False
    latency: int = 0

    def close(self) -> None:
        """Quit and end any process the factory keeps running."""
        if isinstance(self.factory, SharedProcess):
            self.factory.close()

    def __enter__(self) -> TargetSpec:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @contextmanager
    def open(self) -> Iterator[Target]:
        """One target from the factory, closed (and the spec with it) on leaving.

        :class:`~duckybio.kit.errors.TargetBroken` propagates from the start
        as from the body.
        """
        with self:
            target = self.factory()
            try:
                yield target
            finally:
                target.close()


def resolve_target(text: str | None, *, latency: int = 0, timeout: float = 10.0,
                   reuse: bool = True) -> TargetSpec:
    """The target ``text`` names; :class:`TargetSpecError` when it names nothing.

    ``latency`` is the reference implementation's latency (no ``text``) or
    the latency declared for the target; ``timeout`` bounds every exchange
    with a target process.

    A command line's process is shared by all sequences unless ``reuse`` is
    false, when every sequence starts its own (slower, but a device that
    corrupts its own memory cannot carry a fault from one sequence into the
    next).
    """
    if text is None:
        return TargetSpec(f"reference implementation (latency {latency})",
                          lambda: ReferenceTarget(latency=latency), in_process_reference=True,
                          latency=latency)
    text = text.strip()
    if names_python_object(text):
        return TargetSpec(text, _import_factory(text), latency=latency)
    argv = split_command(text, "target", TargetSpecError)
    shown = printable(shlex.join(argv))  # a report's name of it: any path, shown safely
    if not reuse:
        return TargetSpec(shown, lambda: WireTarget(argv, timeout=timeout), latency=latency)
    return TargetSpec(shown, SharedProcess(argv, timeout), latency=latency)


class SharedProcess:
    """A factory of wire targets that share one running process.

    Every sequence starts with ``machine``, which powers on a fresh machine,
    so the process is started once and handed out again and again; a new one
    is started only when the last one broke.  :meth:`close` ends it.
    """

    def __init__(self, argv: list[str], timeout: float) -> None:
        self.argv = argv
        self.timeout = timeout
        self.live: WireTarget | None = None

    def __call__(self) -> Target:
        if self.live is None or not self.live.usable:
            self.close()
            self.live = WireTarget(self.argv, timeout=self.timeout)
        return _Lease(self.live)

    def close(self) -> None:
        if self.live is not None:
            live, self.live = self.live, None
            live.close()


class _Lease:
    """A shared :class:`WireTarget` whose ``close`` leaves the process running."""

    def __init__(self, target: WireTarget) -> None:
        self._target = target
        self.machine = target.machine
        self.storage = target.storage
        self.storage_write = target.storage_write
        self.storage_read = target.storage_read
        self.writel = target.writel
        self.readl = target.readl
        self.write = target.write
        self.read = target.read
        self.clock_step = target.clock_step
        self.fault = target.fault
        self.pipeline = target.pipeline
        self.submit = target.submit
        self.collect = target.collect

    @property
    def in_flight(self) -> int:
        return self._target.in_flight

    @property
    def transcript(self) -> list[str]:
        return self._target.transcript

    @property
    def crashed(self) -> bool:
        return self._target.crashed

    def stderr_tail(self) -> str:
        return self._target.stderr_tail()

    def close(self) -> None:
        """Leave the process to the next sequence (it is ended by its owner)."""


def split_command(text: str, what: str, error: type[InputError]) -> list[str]:
    """The argv of the ``what`` command line ``text``; ``error`` with one line if there is none."""
    try:
        argv = shlex.split(text)
    except ValueError as exc:
        raise error(f"cannot parse {what} command {text!r}: {exc}") from None
    if not argv:
        raise error(f"the {what} command is empty")
    return argv


def names_python_object(text: str) -> bool:
    """Whether ``text`` has the shape ``module:attr`` (else it is a command line)."""
    return _FACTORY.fullmatch(text) is not None


def import_object(text: str, error: type[InputError] = TargetSpecError) -> object:
    """The object ``module:attr`` names (the current directory first on the path).

    Anything that cannot be imported or found raises ``error`` with one line.
    """
    module_name, _, attr = text.partition(":")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # like ``python -m``: the current project first
    try:
        module = importlib.import_module(module_name)
    except (Exception, SystemExit) as exc:  # any import failure is the user's to fix
        raise error(f"cannot import {module_name}: {type(exc).__name__}: {exc}") from None
    obj: object = module
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise error(f"{module_name} has no attribute {attr}") from None
    if not callable(obj):
        raise error(f"{text} is not callable")
    return obj


def _import_factory(text: str) -> Callable[[], Target]:
    obj = import_object(text)
    assert callable(obj)
    factory: Callable[[], object] = obj

    def make() -> Target:
        target = factory()
        if not isinstance(target, Target):
            raise TargetSpecError(f"{text}() returned {type(target).__name__}, not a Target")
        return target

    return make
