"""Block storages: an in-memory one and one backed by a regular file.

A storage is a flat array of ``size`` bytes.  The controller moves data with
:meth:`Storage.read_into` and :meth:`Storage.write_from`, which work on
buffers (memoryviews of RAM) without intermediate copies and turn every
failure into :class:`StorageIOError`.  :meth:`Storage.read` and
:meth:`Storage.write` are host accesses that refuse ranges past the end with
``ValueError``.
"""

from __future__ import annotations

import contextlib
import os
import stat
from abc import ABC, abstractmethod
from typing import Literal

from ..spec.regmap import U32_MASK
from ._errors import StorageConfigError, StorageIOError, StorageOpenError

__all__ = [
    "FileBackedStorage",
    "MemoryStorage",
    "Storage",
    "StorageConfigError",
    "StorageIOError",
    "StorageOpenError",
]

Buffer = bytes | bytearray | memoryview
#: The direction of a command, as fault injection names it (SPEC section 12, R-HOST-7).
Direction = Literal["read", "write"]


class Storage(ABC):
    """A storage with id ``sid`` (a u32) holding ``size`` bytes."""

    sid: int
    size: int

    def __init__(self, sid: int, size: int) -> None:
        if not 0 <= sid <= U32_MASK:
            raise StorageConfigError(f"storage id {sid} is not a u32")
        if size < 0:
            raise StorageConfigError(f"storage {sid}: size must be >= 0, not {size}")
        self.sid = sid
        self.size = size
        #: Injected faults still to come, per direction (R-HOST-7).
        self.faults: dict[Direction, int] = {"read": 0, "write": 0}

    def inject_fault(self, op: Direction, count: int) -> None:
        """The next ``count`` commands of direction ``op`` on this storage fail (R-HOST-7)."""
        if count < 0:
            raise ValueError(f"fault count must be >= 0, not {count}")
        self.faults[op] = count

    def take_fault(self, op: Direction) -> bool:
        """Whether an injected fault fails this command (and use it up)."""
        if self.faults[op] <= 0:
            return False
        self.faults[op] -= 1
        return True

    def flush(self) -> None:  # noqa: B027 - durability is optional; memory has none
        """Make completed writes durable, if this storage promises it (SPEC section 17)."""

    @abstractmethod
    def boot(self) -> None:
        """Make the storage ready for I/O."""

    @abstractmethod
    def halt(self) -> None:
        """Release whatever :meth:`boot` acquired; idempotent."""

    @abstractmethod
    def read_into(self, offset: int, buf: memoryview) -> None:
        """Fill ``buf`` entirely from ``offset``; :class:`StorageIOError` on failure."""

    @abstractmethod
    def write_from(self, offset: int, data: Buffer) -> None:
        """Store ``data`` at ``offset``; :class:`StorageIOError` on failure."""

    def _check_range(self, offset: int, length: int) -> None:
        if offset < 0 or length < 0 or offset + length > self.size:
            raise ValueError(
                f"storage {self.sid}: range [{offset:#x}, +{length:#x}) is past its end "
                f"(size {self.size:#x})")

    def read(self, offset: int, length: int) -> bytes:
        """Host read of ``length`` bytes at ``offset`` (``ValueError`` past the end)."""
        self._check_range(offset, length)
        buf = bytearray(length)
        self.read_into(offset, memoryview(buf))
        return bytes(buf)

    def write(self, offset: int, data: Buffer) -> None:
        """Host write of ``data`` at ``offset`` (``ValueError`` past the end)."""
        self._check_range(offset, len(data))
        self.write_from(offset, data)


class MemoryStorage(Storage):
    """A storage held in a ``bytearray``, zero-filled unless ``data`` is given."""

    def __init__(self, sid: int, size: int, data: bytes | None = None) -> None:
        super().__init__(sid, size)
        if data is not None and len(data) != size:
            raise StorageConfigError(
                f"storage {sid}: initial data has {len(data)} bytes, not {size}")
        try:
            self.data = bytearray(data) if data is not None else bytearray(size)
        except (MemoryError, OverflowError):
            raise StorageConfigError(f"storage {sid}: cannot allocate {size:#x} bytes") from None
        self._view = memoryview(self.data)

    def boot(self) -> None:
        """Nothing to acquire: memory is always ready."""

    def halt(self) -> None:
        """Nothing to release."""

    def read_into(self, offset: int, buf: memoryview) -> None:
        end = offset + len(buf)
        if offset < 0 or end > self.size:
            raise StorageIOError(f"storage {self.sid}: read past its end")
        buf[:] = self._view[offset:end]

    def write_from(self, offset: int, data: Buffer) -> None:
        end = offset + len(data)
        if offset < 0 or end > self.size:
            raise StorageIOError(f"storage {self.sid}: write past its end")
        self._view[offset:end] = data


class FileBackedStorage(Storage):
    """A storage whose bytes live in a regular file.

    The size is the file's size when the storage is created; it must be a
    regular file (not a FIFO or a device).  :meth:`boot` opens the file
    read-write, :meth:`halt` closes it.  Reads go straight into the caller's
    buffer (``os.preadv``); writes use ``os.pwrite`` and reach the operating
    system before :meth:`write_from` returns (no user-space buffering).  With
    ``durable``, :meth:`flush` runs ``fdatasync`` (SPEC section 17).  I/O
    before boot, after halt, on a file that has shrunk below the storage's
    size or has been deleted raises :class:`StorageIOError`: the file is never
    grown back and data is never written into a file that no name reaches.
    """

    def __init__(self, sid: int, path: str | os.PathLike[str], *, durable: bool = False) -> None:
        self.path = os.fspath(path)
        try:
            st = os.stat(self.path)
        except OSError as exc:
            raise StorageConfigError(
                f"storage {sid}: cannot use {self.path!r}: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise StorageConfigError(f"storage {sid}: cannot use {self.path!r}: {exc}") from None
        if not stat.S_ISREG(st.st_mode):
            raise StorageConfigError(f"storage {sid}: {self.path!r} is not a regular file")
        super().__init__(sid, st.st_size)
        self.durable = durable
        self._fd: int | None = None

    def boot(self) -> None:
        if self._fd is not None:
            return
        try:
            self._fd = os.open(self.path, os.O_RDWR | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            raise StorageOpenError(
                f"storage {self.sid}: cannot open {self.path!r} read-write: "
                f"{exc.strerror or exc}") from None

    def halt(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)

    def _fileno(self, end: int) -> int:
        """The open file, checked: still named, and not shrunk below ``end`` behind the device."""
        if self._fd is None:
            raise StorageIOError(f"storage {self.sid}: not booted")
        try:
            st = os.fstat(self._fd)
        except OSError as exc:
            raise StorageIOError(
                f"storage {self.sid}: cannot stat: {exc.strerror or exc}") from None
        if st.st_nlink == 0:
            raise StorageIOError(f"storage {self.sid}: its file {self.path!r} was deleted")
        if st.st_size < end:
            raise StorageIOError(f"storage {self.sid}: its file {self.path!r} shrank to "
                                 f"{st.st_size} bytes (storage size {self.size})")
        return self._fd

    def flush(self) -> None:
        """``fdatasync`` the file when ``durable`` (SPEC section 17)."""
        if self.durable and self._fd is not None:
            try:
                os.fdatasync(self._fd)
            except OSError as exc:
                raise StorageIOError(
                    f"storage {self.sid}: fdatasync failed: {exc.strerror or exc}") from None

    def read_into(self, offset: int, buf: memoryview) -> None:
        fd = self._fileno(offset + buf.nbytes)
        view = buf.cast("B") if buf.format != "B" or buf.ndim != 1 else buf
        done, total = 0, len(view)
        try:
            while done < total:
                got = os.preadv(fd, [view[done:]], offset + done)
                if got <= 0:
                    raise StorageIOError(
                        f"storage {self.sid}: short read at {offset + done:#x} "
                        f"({total - done} bytes missing)")
                done += got
        except OSError as exc:
            raise StorageIOError(
                f"storage {self.sid}: read failed: {exc.strerror or exc}") from None

    def write_from(self, offset: int, data: Buffer) -> None:
        view = memoryview(data).cast("B")
        fd = self._fileno(offset + len(view))
        done, total = 0, len(view)
        try:
            while done < total:
                put = os.pwrite(fd, view[done:], offset + done)
                if put <= 0:
                    raise StorageIOError(f"storage {self.sid}: write made no progress")
                done += put
        except OSError as exc:
            raise StorageIOError(
                f"storage {self.sid}: write failed: {exc.strerror or exc}") from None
