"""Immutable states of the device: the controller and the bytes it moves.

States are named tuples: immutable, compared and hashed field by field in C,
and copied with one change by ``_replace`` (the explorer hashes and copies
millions of them).
"""

from __future__ import annotations

import enum
from typing import NamedTuple

from ..spec.regmap import Flag
from ._config import ModelConfig

_RDY = int(Flag.RDY)


class Op(enum.Enum):
    """Direction of a command."""

    READ = "read"
    WRITE = "write"


class Command(NamedTuple):
    """An in-flight command: the registers latched when it started."""

    op: Op
    sid: int | None
    block: int
    count: int  # type: ignore[assignment]  # a field, not tuple.count
    addr: int
    dma: bool
    ticks_left: int


class BioState(NamedTuple):
    """The controller's state (SPEC.md section 3, "State").

    ``flags`` holds only RDY, ERR and BUSY; BUSY is set exactly when
    ``command`` is not ``None``.  ``rbuf``/``cursor`` are the read buffer R
    and its cursor, ``wbuf`` the staging buffer W, ``reset_pending`` an SRST
    written while BUSY that takes effect when the command completes.
    """

    flags: int = _RDY
    sid: int | None = None
    block: int = 0
    count: int = 0  # type: ignore[assignment]  # a field, not tuple.count
    addr: int = 0
    dma: bool = False
    rbuf: bytes = b""
    cursor: int = 0
    wbuf: bytes = b""
    command: Command | None = None
    reset_pending: bool = False

    @property
    def busy(self) -> bool:
        return self.command is not None


#: The controller after power-on and after SRST.
RESET_BIO = BioState()


class MachineState(NamedTuple):
    """The controller, RAM and the attached storages, all immutable.

    ``storages`` maps storage ids to their contents, sorted by id so that
    equal states are equal tuples (canonical and hashable).  ``faults``
    holds the injected I/O errors still to come (R-HOST-7) as sorted
    ``(sid, direction, count)`` with ``count > 0``.
    """

    bio: BioState
    ram: bytes
    storages: tuple[tuple[int, bytes], ...] = ()
    faults: tuple[tuple[int, Op, int], ...] = ()

    def pending_faults(self, sid: int, op: Op) -> int:
        """How many commands of direction ``op`` on ``sid`` an injected fault still fails."""
        for key, direction, count in self.faults:
            if key == sid and direction is op:
                return count
        return 0

    def with_faults(self, sid: int, op: Op, count: int) -> MachineState:
        """This state with ``count`` faults pending for ``op`` commands on ``sid``."""
        items = {(k, d): c for k, d, c in self.faults}
        items[sid, op] = count
        faults = tuple(sorted(((k, d, c) for (k, d), c in items.items() if c > 0),
                              key=lambda f: (f[0], f[1].value)))
        return MachineState(self.bio, self.ram, self.storages, faults)

    def storage(self, sid: int | None) -> bytes | None:
        """The contents of storage ``sid``, or ``None`` when none is attached."""
        for key, data in self.storages:
            if key == sid:
                return data
        return None

    def with_storage(self, sid: int, data: bytes) -> MachineState:
        """This state with storage ``sid`` holding ``data`` (attached if new)."""
        items = dict(self.storages)
        items[sid] = data
        return MachineState(self.bio, self.ram, tuple(sorted(items.items())), self.faults)

    def with_ram(self, addr: int, data: bytes) -> MachineState:
        """This state with ``data`` written to RAM at ``addr``."""
        if not data:
            return self
        ram = self.ram[:addr] + data + self.ram[addr + len(data):]
        return MachineState(self.bio, ram, self.storages, self.faults)


def power_on(config: ModelConfig) -> MachineState:
    """The machine at power-on: zeroed RAM, zero-filled storages, BIO in reset."""
    storages = tuple(sorted((s.sid, bytes(s.size)) for s in config.storages))
    return MachineState(RESET_BIO, bytes(config.ram_size), storages)
