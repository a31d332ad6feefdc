"""The interface through which the conformance kit drives any implementation.

It mirrors the wire protocol (SPEC.md section 13) one method per command, so
an in-process device, a user's ``module:callable`` factory and an out-of-process
program over stdin/stdout are all driven the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Protocol, runtime_checkable

from ..spec.wire import Command

#: The ``FAIL`` message of a target that does not inject faults (SPEC section 13).
UNSUPPORTED: Final = "unsupported: fault injection"


@runtime_checkable
class Target(Protocol):
    """A Ducky machine with a BIO, as the harness sees it.

    ``machine`` powers on a fresh machine (zeroed RAM at 0, no storages, BIO
    in reset at ``mmio_base``); ``storage`` attaches a zero-filled storage.
    ``readl``/``writel`` are 32-bit little-endian CPU accesses to the MMIO
    page or RAM; ``read``/``write`` are host accesses to RAM only, and
    ``storage_read``/``storage_write`` host accesses to a storage's bytes.
    A host access outside RAM or past a storage's end raises
    :class:`TargetRefused`.  ``clock_step`` advances virtual time by one step
    (``ns`` is advisory) and returns the virtual clock in nanoseconds.
    """

    def machine(self, ram_size: int, mmio_base: int) -> None: ...

    def storage(self, sid: int, size: int) -> None: ...

    def storage_write(self, sid: int, offset: int, data: bytes) -> None: ...

    def storage_read(self, sid: int, offset: int, length: int) -> bytes: ...

    def writel(self, addr: int, value: int) -> None: ...

    def readl(self, addr: int) -> int: ...

    def write(self, addr: int, data: bytes) -> None: ...

    def read(self, addr: int, length: int) -> bytes: ...

    def clock_step(self, ns: int | None = None) -> int: ...

    def close(self) -> None: ...


@runtime_checkable
class Pipelined(Protocol):
    """A target that takes commands without waiting for their answers (out of process).

    ``submit`` sends commands; ``collect(n)`` returns the answer lines of the
    ``n`` oldest submitted, in order, normalized like
    :func:`~._replay.execute` returns them (a refusal is a ``FAIL`` answer); an
    answer equal to its ``expect`` line may be returned as it is, unchecked.
    ``in_flight`` counts the commands submitted and not collected.  When the
    target breaks, :class:`~.errors.TargetBroken` is raised; one that carries
    an ``answers`` list tells which came before.
    """

    @property
    def in_flight(self) -> int: ...

    def submit(self, commands: Sequence[Command],
               expect: Sequence[str | None] | None = None,
               lines: Sequence[str | None] | None = None) -> None: ...

    def collect(self, count: int) -> list[str]: ...


@runtime_checkable
class LineTarget(Protocol):
    """A target reached over the wire that takes a command line as it is.

    ``line(text)`` sends ``text`` (even a malformed line) and returns the
    answer line exactly as the target wrote it, so that a golden vector can
    compare answers character by character (SPEC R-HOST-8, R-HOST-9).
    """

    def line(self, text: str) -> str: ...


@runtime_checkable
class FaultTarget(Protocol):
    """A target that can inject storage I/O errors (R-HOST-7; optional).

    ``fault(sid, op, count)``: the next ``count`` commands of direction
    ``op`` (``"read"`` or ``"write"``) on storage ``sid`` fail with an I/O
    error; 0 cancels.  An unknown ``sid`` raises :class:`TargetRefused`.
    """

    def fault(self, sid: int, op: str, count: int) -> None: ...
