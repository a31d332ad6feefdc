"""The BIO controller: registers, flag protocol, commands, DMA and PIO.

:class:`BlockIO` is the device behind one MMIO page.  Guest accesses arrive
through :meth:`BlockIO.read_u32` / :meth:`BlockIO.write_u32` and are
dispatched by offset through tables, one per activity (idle or busy).  A
command latches its registers when it starts and runs -- checks and data
effects -- when it completes: within the starting STATUS write when
``latency`` is 0, else on the ``latency``-th :meth:`BlockIO.tick`.  Nothing a
guest does makes these methods raise: storage failures fail the command.

Data moves without copies: a DMA read fills a view of RAM straight from the
storage, a DMA write stores a view of RAM.  The read buffer R is a lazy
reference to the storage range of the last successful command (see
:mod:`._rbuf`); call :meth:`BlockIO.before_storage_write` before the host
changes a storage so that R keeps its contents.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Final, Literal

from ..spec.regmap import (
    BLOCK_SIZE,
    DATA_INVALID,
    DEFAULT_IRQ,
    DEFAULT_MMIO_ADDRESS,
    GUEST_SETTABLE,
    U32_MASK,
    WORD_SIZE,
    Flag,
    Reg,
)
from ._memory import Memory
from ._rbuf import WINDOW, ReadBuffer
from ._storage import Storage, StorageIOError

__all__ = ["BlockIO", "Direction", "InFlight", "StorageLookup"]

Direction = Literal["read", "write"]
StorageLookup = Callable[[int], Storage | None]

RDY: Final = int(Flag.RDY)
ERR: Final = int(Flag.ERR)
BUSY: Final = int(Flag.BUSY)
SRST: Final = int(Flag.SRST)
DMA: Final = int(Flag.DMA)
READ: Final = int(Flag.READ)
WRITE: Final = int(Flag.WRITE)
_U32 = struct.Struct("<I")
_ZEROS: Final = bytes(WINDOW)


@dataclass(frozen=True, slots=True)
class InFlight:
    """The command in flight: the registers latched when it started."""

    op: Direction
    sid: int | None
    block: int
    count: int
    addr: int
    dma: bool
    ticks_left: int


class BlockIO:
    """The block-IO controller on the MMIO page at ``mmio_address``.

    ``storages`` maps ids to storages (a mapping or a lookup function); it
    is consulted on every SID write and command, so storages attached later
    are seen.  ``irq`` is recorded and never raised.
    """

    def __init__(
        self,
        storages: Mapping[int, Storage] | StorageLookup,
        memory: Memory,
        *,
        mmio_address: int = DEFAULT_MMIO_ADDRESS,
        irq: int = DEFAULT_IRQ,
        latency: int = 0,
        block_size: int = BLOCK_SIZE,
    ) -> None:
        if block_size <= 0 or block_size % WORD_SIZE:
            raise ValueError(f"block size must be a positive multiple of {WORD_SIZE}, "
                             f"not {block_size}")
        if latency < 0:
            raise ValueError(f"latency must be >= 0, not {latency}")
        if mmio_address < 0 or mmio_address % memory.page_size:
            raise ValueError(f"MMIO address {mmio_address:#x} is not page aligned")
        self._lookup: StorageLookup = (
            storages.get if isinstance(storages, Mapping) else storages)
        self.memory = memory
        self.mmio_address = mmio_address
        self.irq = irq
        self.latency = latency
        self.block_size = block_size
        self._flags = RDY
        self._sid: int | None = None
        self._block = 0
        self._count = 0
        self._addr = 0
        self._dma = False
        self._rbuf = ReadBuffer()
        self._cursor = 0
        self._wbuf = bytearray()
        self._command: InFlight | None = None
        self._reset_pending = False
        self._booted = False

    # --- life cycle -------------------------------------------------------------

    def boot(self) -> None:
        """Map the controller's page into memory."""
        if not self._booted:
            self.memory.register_mmio(self.mmio_address, self)
            self._booted = True

    def halt(self) -> None:
        """Unmap the controller's page; idempotent."""
        if self._booted:
            self.memory.unregister_mmio(self.mmio_address)
            self._booted = False

    def reset(self) -> None:
        """The power-on state: RDY, nothing selected, registers 0, buffers empty."""
        self._flags = RDY
        self._sid = None
        self._block = self._count = self._addr = 0
        self._dma = False
        self._rbuf = ReadBuffer()
        self._cursor = 0
        self._wbuf = bytearray()
        self._command = None
        self._reset_pending = False

    # --- guest accesses -----------------------------------------------------------

    def read_u32(self, offset: int) -> int:
        """A guest read at ``offset``: STATUS, DATA, or 0 for any other offset."""
        table = _IDLE_READS if self._command is None else _BUSY_READS
        handler = table.get(offset)
        return handler(self) if handler is not None else 0

    def write_u32(self, offset: int, value: int) -> None:
        """A guest write of ``value`` (mod 2**32) at ``offset``."""
        table = _IDLE_WRITES if self._command is None else _BUSY_WRITES
        handler = table.get(offset)
        if handler is not None:
            handler(self, value & U32_MASK)

    def tick(self) -> None:
        """One step of virtual time: the in-flight command completes on its last tick."""
        command = self._command
        if command is None:
            return
        if command.ticks_left > 1:
            self._command = replace(command, ticks_left=command.ticks_left - 1)
        else:
            self._complete(command)

    # --- host hook ------------------------------------------------------------------

    def before_storage_write(self, sid: int, offset: int, length: int) -> None:
        """Call before the host changes ``[offset, offset + length)`` of storage ``sid``."""
        storage = self._lookup(sid)
        if storage is not None and self._rbuf.overlaps(storage, offset, length):
            self._rbuf.materialize()

    # --- observation -------------------------------------------------------------------

    @property
    def flags(self) -> int:
        return self._flags

    @property
    def selected_sid(self) -> int | None:
        return self._sid

    @property
    def block(self) -> int:
        return self._block

    @property
    def count(self) -> int:
        return self._count

    @property
    def addr(self) -> int:
        return self._addr

    @property
    def dma(self) -> bool:
        return self._dma

    @property
    def cursor(self) -> int:
        return self._cursor

    @property
    def reset_pending(self) -> bool:
        return self._reset_pending

    @property
    def busy(self) -> bool:
        return self._command is not None

    @property
    def command(self) -> InFlight | None:
        return self._command

    def read_buffer(self) -> bytes:
        """The contents of R (``StorageIOError`` if its storage cannot be read)."""
        return self._rbuf.to_bytes()

    def staged(self) -> bytes:
        """The contents of W."""
        return bytes(self._wbuf)

    # --- register handlers -------------------------------------------------------------

    def _fail(self) -> None:
        self._flags = (self._flags | ERR) & ~(RDY | BUSY)

    def _read_status(self) -> int:
        return self._flags

    def _read_data(self) -> int:
        pos = self._cursor
        if pos + WORD_SIZE > len(self._rbuf):
            self._fail()
            return DATA_INVALID
        try:
            value = self._rbuf.word(pos)
        except StorageIOError:
            self._fail()
            return DATA_INVALID
        self._cursor = pos + WORD_SIZE
        return value

    def _read_data_busy(self) -> int:
        return DATA_INVALID

    def _write_sid(self, value: int) -> None:
        if self._lookup(value) is not None:
            self._sid = value
        else:
            self._sid = None
            self._flags = (self._flags | ERR) & ~RDY

    def _write_block(self, value: int) -> None:
        self._block = value

    def _write_count(self, value: int) -> None:
        self._count = value
        self._wbuf = bytearray()

    def _write_addr(self, value: int) -> None:
        self._addr = value

    def _write_data(self, value: int) -> None:
        if len(self._wbuf) + WORD_SIZE > self._count * self.block_size:
            self._fail()
            return
        self._wbuf += _U32.pack(value)

    def _write_status(self, value: int) -> None:
        value &= GUEST_SETTABLE
        if value & SRST:
            self.reset()
        if value & DMA:
            self._dma = True
        if value & READ:
            self._start("read")
        elif value & WRITE:
            self._start("write")

    def _write_status_busy(self, value: int) -> None:
        if value & SRST:
            self._reset_pending = True

    # --- commands --------------------------------------------------------------------------

    def _start(self, op: Direction) -> None:
        command = InFlight(op, self._sid, self._block, self._count, self._addr, self._dma,
                           self.latency)
        self._command = command
        self._flags = (self._flags | BUSY) & ~RDY
        if self.latency == 0:
            self._complete(command)

    def _complete(self, command: InFlight) -> None:
        """Run ``command`` to its end, then apply a deferred reset."""
        result = self._run(command)
        self._command = None
        self._cursor = 0
        self._wbuf = bytearray()
        if result is None:
            self._fail()
            self._rbuf = ReadBuffer()
        else:
            self._flags = (self._flags & ~BUSY) | RDY
            self._rbuf = result
        if self._reset_pending:
            self.reset()

    def _run(self, c: InFlight) -> ReadBuffer | None:
        """The data effect of ``c``; R on success, ``None`` when it fails."""
        storage = self._lookup(c.sid) if c.sid is not None else None
        if storage is None:
            return None
        offset, length = c.block * self.block_size, c.count * self.block_size
        if offset + length > storage.size:
            return None
        if c.dma and not self.memory.is_ram(c.addr, length):
            return None
        if length == 0:
            return ReadBuffer()
        if storage.take_fault(c.op):  # an injected I/O error (R-HOST-7, R-CMD-12)
            return None
        try:
            if c.op == "read":
                if c.dma:
                    storage.read_into(offset, self.memory.view(c.addr, length))
            else:
                if c.dma:
                    storage.write_from(offset, self.memory.view(c.addr, length))
                else:
                    self._write_staged(storage, offset, length)
                storage.flush()
        except StorageIOError:
            return None
        return ReadBuffer.of_storage(storage, offset, length)

    def _write_staged(self, storage: Storage, offset: int, length: int) -> None:
        """Store W padded with zeros to ``length``, in block-aligned writes, in order.

        Every write starts on a block boundary and covers whole blocks (SPEC
        section 17): the whole staged blocks, then the last staged block with
        its padding, then zero blocks in bounded chunks.
        """
        bs = self.block_size
        staged = len(self._wbuf)
        whole = staged - staged % bs
        if whole:
            storage.write_from(offset, memoryview(self._wbuf)[:whole])
        pos, end = offset + whole, offset + length
        if whole < staged:
            tail = bytearray(self._wbuf[whole:])
            tail += bytes(bs - len(tail))
            storage.write_from(pos, tail)
            pos += bs
        step = max(bs, len(_ZEROS) - len(_ZEROS) % bs)
        zeros = memoryview(_ZEROS if step <= len(_ZEROS) else bytes(step))
        while pos < end:
            chunk = min(step, end - pos)
            storage.write_from(pos, zeros[:chunk])
            pos += chunk


# Dispatch by offset, one table per activity.  Unbound functions at class level:
# an instance holding bound methods of itself would be a reference cycle, and a
# discarded machine would keep its RAM until the garbage collector ran.
_IDLE_READS: Final[dict[int, Callable[[BlockIO], int]]] = {
    int(Reg.STATUS): BlockIO._read_status,
    int(Reg.DATA): BlockIO._read_data,
}
_BUSY_READS: Final[dict[int, Callable[[BlockIO], int]]] = {
    int(Reg.STATUS): BlockIO._read_status,
    int(Reg.DATA): BlockIO._read_data_busy,
}
_IDLE_WRITES: Final[dict[int, Callable[[BlockIO, int], None]]] = {
    int(Reg.STATUS): BlockIO._write_status,
    int(Reg.SID): BlockIO._write_sid,
    int(Reg.BLOCK): BlockIO._write_block,
    int(Reg.COUNT): BlockIO._write_count,
    int(Reg.ADDR): BlockIO._write_addr,
    int(Reg.DATA): BlockIO._write_data,
}
_BUSY_WRITES: Final[dict[int, Callable[[BlockIO, int], None]]] = {
    int(Reg.STATUS): BlockIO._write_status_busy,
}
