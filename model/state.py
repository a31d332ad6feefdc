"""Immutable states of the device: the controller and the bytes it moves.

States are named tuples: immutable, compared and hashed field by field in C,
and copied with one change by ``_replace`` (the explorer hashes and copies
millions of them).
"""

from __future__ import annotations

import enum
from typing import NamedTuple

from ..spec.regmap import Flag
from .config import ModelConfig

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
    equal states are equal tuples (canonical and hashable).
    """

    bio: BioState
    ram: bytes
    storages: tuple[tuple[int, bytes], ...] = ()

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
        return MachineState(self.bio, self.ram, tuple(sorted(items.items())))

    def with_ram(self, addr: int, data: bytes) -> MachineState:
        """This state with ``data`` written to RAM at ``addr``."""
        if not data:
            return self
        ram = self.ram[:addr] + data + self.ram[addr + len(data):]
        return MachineState(self.bio, ram, self.storages)


def power_on(config: ModelConfig) -> MachineState:
    """The machine at power-on: zeroed RAM, zero-filled storages, BIO in reset."""
    storages = tuple(sorted((s.sid, bytes(s.size)) for s in config.storages))
    return MachineState(RESET_BIO, bytes(config.ram_size), storages)
