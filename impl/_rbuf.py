"""The BIO read buffer R: the data of the last successful command, kept lazily.

After a successful command, R equals the bytes of the addressed storage range
(a READ transfers them, a WRITE has just stored them).  Instead of copying
them, :class:`ReadBuffer` remembers ``(storage, offset, length)`` and reads
through a bounded window when the guest reads the data port, so a DATA read
never allocates in proportion to COUNT.  Before anything else changes that
storage range, the owner calls :meth:`ReadBuffer.materialize` to take a copy.
"""

from __future__ import annotations

import struct
from typing import Final

from ..spec.regmap import WORD_SIZE
from ._storage import Storage

__all__ = ["WINDOW", "ReadBuffer"]

#: Bytes of a lazily referenced range read at once for the data port.
WINDOW: Final = 64 * 1024

_U32 = struct.Struct("<I")


class ReadBuffer:
    """R: owned bytes, or a lazy reference to a storage range."""

    __slots__ = ("_data", "_length", "_offset", "_storage", "_win", "_win_start")

    def __init__(self, data: bytes = b"") -> None:
        self._data: bytes | None = data
        self._storage: Storage | None = None
        self._offset = 0
        self._length = len(data)
        self._win: bytearray | None = None
        self._win_start = 0

    @classmethod
    def of_storage(cls, storage: Storage, offset: int, length: int) -> ReadBuffer:
        """R referring to ``storage[offset:offset + length]``, read on demand."""
        buf = cls()
        buf._data = None
        buf._storage = storage
        buf._offset = offset
        buf._length = length
        return buf

    def __len__(self) -> int:
        return self._length

    def overlaps(self, storage: Storage, offset: int, length: int) -> bool:
        """Whether a change of ``storage[offset:offset + length]`` would change R."""
        return (self._storage is storage and self._data is None and length > 0
                and offset < self._offset + self._length and self._offset < offset + length)

    def materialize(self) -> None:
        """Copy the referenced bytes now (raises ``StorageIOError`` on failure)."""
        if self._data is None:
            self._data = self.to_bytes()
            self._storage = None
            self._win = None

    def to_bytes(self) -> bytes:
        """The contents of R (raises ``StorageIOError`` if a lazy read fails)."""
        if self._data is not None:
            return self._data
        assert self._storage is not None
        out = bytearray(self._length)
        self._storage.read_into(self._offset, memoryview(out))
        return bytes(out)

    def word(self, pos: int) -> int:
        """The little-endian word at ``pos``; requires ``pos + WORD_SIZE <= len(self)``."""
        if self._data is not None:
            value: int = _U32.unpack_from(self._data, pos)[0]
            return value
        win = self._win
        rel = pos - self._win_start
        if win is None or rel < 0 or rel + WORD_SIZE > len(win):
            win = self._load(pos)
            rel = 0
        value = _U32.unpack_from(win, rel)[0]
        return value

    def _load(self, pos: int) -> bytearray:
        assert self._storage is not None
        size = min(WINDOW, self._length - pos)
        win = self._win
        if win is None or len(win) != size:
            win = bytearray(size)
        self._win = None
        self._storage.read_into(self._offset + pos, memoryview(win))
        self._win, self._win_start = win, pos
        return win
