"""The implementation driven as a :class:`~duckybio.kit._target.Target`."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path
from typing import Final

from ..impl import FileBackedStorage, Machine, MachineError, MemoryStorage, Storage
from ..spec.regmap import BLOCK_SIZE, U32_MASK
from ..spec.wire import FAULT_OPS, WIRE_MAX
from .errors import TargetRefused

__all__ = ["ReferenceTarget", "create_image"]

#: How a storage file in a storage directory is opened: never through a symbolic link,
#: never blocking (a FIFO would wait for a writer), never as a terminal, not inherited.
_IMAGE_FLAGS: Final = (os.O_RDWR | os.O_CREAT | os.O_NOCTTY | getattr(os, "O_NOFOLLOW", 0)
                       | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))


def _kind(mode: int) -> str | None:
    """Why a file of ``mode`` cannot be a storage file, or ``None`` for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "a directory" if stat.S_ISDIR(mode) else "not a regular file"


def create_image(path: Path, size: int, sid: int) -> None:
    """Make ``path`` a zero-filled storage file of ``size`` bytes (SPEC section 17).

    Only a regular file with no other name, or no file, is used: a symbolic
    link (dangling or not), a hard link, a FIFO, a device or a directory is
    refused with :class:`TargetRefused` and left as it is, so that no file
    outside the storage directory is ever changed and nothing blocks.
    """
    def refuse(why: str) -> TargetRefused:
        return TargetRefused(f"storage {sid}: cannot use {path}: {why}")

    with contextlib.suppress(FileNotFoundError):
        why = _kind(os.lstat(path).st_mode)
        if why is not None:  # refused before it is opened: opening a device may act
            raise refuse(why)
    try:
        fd = os.open(path, _IMAGE_FLAGS, 0o666)
    except OSError as exc:
        raise refuse("a symbolic link" if exc.errno == errno.ELOOP
                     else exc.strerror or str(exc)) from None
    try:  # checked again on what was opened: the name may have changed meanwhile
        st = os.fstat(fd)
        why = _kind(st.st_mode)
        if why is not None:
            raise refuse(why)
        if st.st_nlink != 1:
            raise refuse(f"it has {st.st_nlink} names (a hard link)")
        os.ftruncate(fd, 0)
        os.ftruncate(fd, size)
    except (OSError, OverflowError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise TargetRefused(f"storage {sid}: cannot create {path}: {reason}") from None
    finally:
        os.close(fd)


class ReferenceTarget:
    """A :class:`Machine` with in-memory storages, one method per wire command.

    ``latency`` is the number of clock steps a command stays BUSY (0: it
    completes within the STATUS write that starts it).  Host accesses the
    machine refuses raise :class:`TargetRefused`.  With ``storage_dir``,
    every storage is a file there (``<sid>.img``, created zero-filled) and,
    with ``durable``, synced after every command that writes it (SPEC
    section 17).  The clock saturates at 2**64 - 1 (R-HOST-6).
    """

    def __init__(self, latency: int = 0, block_size: int = BLOCK_SIZE, *,
                 storage_dir: Path | None = None, durable: bool = False) -> None:
        self.latency = latency
        self.block_size = block_size
        self.storage_dir = storage_dir
        self.durable = durable
        self.clock = 0
        self._machine = self._power_on(0, 0)

    @property
    def machine_obj(self) -> Machine:
        """The machine currently powered on."""
        return self._machine

    def _power_on(self, ram_size: int, mmio_base: int) -> Machine:
        if not 0 <= mmio_base <= U32_MASK:
            raise TargetRefused(f"MMIO base {mmio_base:#x} is not a u32 address")
        try:
            machine = Machine(ram_size, mmio_address=mmio_base, latency=self.latency,
                              block_size=self.block_size)
            machine.boot()
        except (ValueError, MachineError) as exc:
            raise TargetRefused(str(exc)) from None
        return machine

    def machine(self, ram_size: int, mmio_base: int) -> None:
        fresh = self._power_on(ram_size, mmio_base)
        self._machine.halt()
        self._machine = fresh
        self.clock = 0

    def storage(self, sid: int, size: int) -> None:
        if sid in self._machine.storages:
            raise TargetRefused(f"storage id {sid} is already attached")
        try:
            self._machine.attach(self._new_storage(sid, size))
        except (ValueError, MachineError) as exc:
            raise TargetRefused(str(exc)) from None

    def _new_storage(self, sid: int, size: int) -> Storage:
        if self.storage_dir is None:
            return MemoryStorage(sid, size)
        if not 0 <= sid <= U32_MASK:
            raise TargetRefused(f"storage id {sid} is not a u32")
        path = self.storage_dir / f"{sid}.img"
        create_image(path, size, sid)
        return FileBackedStorage(sid, os.fspath(path), durable=self.durable)

    def fault(self, sid: int, op: str, count: int) -> None:
        """Inject I/O errors into the next ``count`` ``op`` commands on ``sid`` (R-HOST-7)."""
        storage = self._machine.storages.get(sid)
        if storage is None:
            raise TargetRefused(f"no storage with id {sid}")
        if op not in FAULT_OPS:
            raise TargetRefused(f"fault direction must be read or write, not {op!r}")
        storage.inject_fault("read" if op == "read" else "write", count)

    def storage_write(self, sid: int, offset: int, data: bytes) -> None:
        try:
            self._machine.storage_write(sid, offset, data)
        except (ValueError, MachineError) as exc:
            raise TargetRefused(str(exc)) from None

    def storage_read(self, sid: int, offset: int, length: int) -> bytes:
        try:
            return self._machine.storage_read(sid, offset, length)
        except (ValueError, MachineError) as exc:
            raise TargetRefused(str(exc)) from None

    def writel(self, addr: int, value: int) -> None:
        try:
            self._machine.memory.write_u32(addr, value)
        except ValueError as exc:
            raise TargetRefused(str(exc)) from None

    def readl(self, addr: int) -> int:
        try:
            return self._machine.memory.read_u32(addr)
        except ValueError as exc:
            raise TargetRefused(str(exc)) from None

    def write(self, addr: int, data: bytes) -> None:
        try:
            self._machine.memory.write(addr, data)
        except ValueError as exc:
            raise TargetRefused(str(exc)) from None

    def read(self, addr: int, length: int) -> bytes:
        try:
            return self._machine.memory.read(addr, length)
        except ValueError as exc:
            raise TargetRefused(str(exc)) from None

    def clock_step(self, ns: int | None = None) -> int:
        self._machine.clock_step()
        self.clock = min(WIRE_MAX, self.clock + (ns if ns is not None and ns > 0 else 1))
        return self.clock

    def close(self) -> None:
        self._machine.halt()
