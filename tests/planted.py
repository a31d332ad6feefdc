"""Devices with one planted defect each, in process or served over the wire.

``python tests/planted.py NAME`` serves the device ``NAME`` on stdin/stdout
(the wire protocol), so that a defect that kills the device kills a process.

- ``reserved-crash``: the device dies when the reserved offset
  :data:`CRASH_OFFSET` of its MMIO page is read (R-RD-3 says it reads 0).
- ``stale-rbuf``: after a failed command, DATA reads return the read buffer
  of the last successful command (erratum E14; R-CMD-10 empties it).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from duckybio.impl._bio import BlockIO
from duckybio.kit._reference_target import ReferenceTarget
from duckybio.kit._target import Target
from duckybio.kit._wire_server import serve_stdio
from duckybio.spec.regmap import PAGE_SIZE, Flag

#: The reserved offset whose read kills ``reserved-crash``.
CRASH_OFFSET = 0x7C


class DeviceCrashed(RuntimeError):
    """What an in-process ``reserved-crash`` raises where a process would die."""


class ReservedCrash(ReferenceTarget):
    """Dies on a read of :data:`CRASH_OFFSET`; ``exit`` ends the process instead of raising."""

    def __init__(self, *, exit: bool = False) -> None:
        super().__init__()
        self.base = 0
        self.exit = exit

    def machine(self, ram_size: int, mmio_base: int) -> None:
        super().machine(ram_size, mmio_base)
        self.base = mmio_base

    def readl(self, addr: int) -> int:
        if addr - self.base == CRASH_OFFSET:
            if self.exit:
                os._exit(70)
            raise DeviceCrashed(f"read of reserved offset {CRASH_OFFSET:#x}")
        return super().readl(addr)


class StaleReadBuffer(ReferenceTarget):
    """A failed command leaves the read buffer of the last successful one (E14)."""

    def machine(self, ram_size: int, mmio_base: int) -> None:
        super().machine(ram_size, mmio_base)
        _keep_read_buffer_on_failure(self.machine_obj.bio)


def _keep_read_buffer_on_failure(bio: BlockIO) -> None:
    complete = bio._complete

    def stale(command: object) -> None:
        kept = bio._rbuf
        complete(command)  # type: ignore[arg-type]
        if not bio.flags & Flag.RDY:  # the command failed
            bio._rbuf = kept

    bio._complete = stale  # type: ignore[method-assign]


#: Every planted defect: a fresh in-process device by name.
PLANTED: dict[str, Callable[[], Target]] = {
    "reserved-crash": ReservedCrash,
    "stale-rbuf": StaleReadBuffer,
}

assert CRASH_OFFSET < PAGE_SIZE


def main(argv: list[str]) -> int:
    """Serve the planted device named by ``argv[0]`` over the wire protocol."""
    if len(argv) != 1 or argv[0] not in PLANTED:
        print(f"usage: planted.py {{{','.join(PLANTED)}}}", file=sys.stderr)
        return 2
    name = argv[0]
    return serve_stdio((lambda: ReservedCrash(exit=True)) if name == "reserved-crash"
                       else PLANTED[name])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
