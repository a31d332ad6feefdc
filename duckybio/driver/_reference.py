"""A small reference driver for the BIO, written against any :class:`Target`.

It performs each operation the way the original FORTH block driver does
(SPEC section 15), one MMIO access at a time through ``target.writel`` and
``target.readl``:

1. write SRST to STATUS and wait until the controller is idle and reads RDY;
2. write SID, BLOCK, COUNT (and ADDR for DMA), reading STATUS after each and
   failing if ERR is set;
3. start the command by a STATUS write (``DMA|READ``, ``DMA|WRITE``, ``READ``
   or ``WRITE``);
4. poll STATUS until ``(RDY or ERR) and not BUSY``, stepping the clock with
   ``target.clock_step()`` between polls, at most ``poll_bound`` steps;
5. fail if ERR is set.

Every operation starts with SRST.  That is how the driver recovers from an
earlier failure (SRST is the only way to clear the sticky ERR flag), and it
is required for PIO: the DMA bit of STATUS switches DMA mode on and only SRST
switches it off, so a PIO command issued after a DMA one without an SRST in
between would still run as DMA.

Register offsets and flag bits come from :mod:`duckybio.spec.regmap` only.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from ..kit import Target
from ..kit.errors import KitError, TargetRefused
from ..spec.regmap import BLOCK_SIZE, U32_MASK, WORD_SIZE, Flag, Reg

__all__ = [
    "BioDriver",
    "BioError",
    "CommandError",
    "DeviceTimeout",
    "Operation",
    "StorageSelectError",
]

_RDY, _ERR, _BUSY = int(Flag.RDY), int(Flag.ERR), int(Flag.BUSY)


class Operation(BaseModel):
    """The register values of one driver operation (``addr`` ``None``: PIO)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    op: Literal["read", "write"]
    sid: int
    block: int
    count: int
    addr: int | None = None

    def describe(self) -> str:
        """One line naming the operation and its register values."""
        mode = "PIO" if self.addr is None else f"DMA ADDR={self.addr:#x}"
        return (f"{self.op} SID={self.sid:#x} BLOCK={self.block:#x} "
                f"COUNT={self.count:#x} {mode}")


class BioError(KitError):
    """Base class of every error the driver reports about the device."""


class StorageSelectError(BioError):
    """Writing ``sid`` to SID set ERR: no storage with that id is attached."""

    def __init__(self, sid: int, status: int) -> None:
        super().__init__(f"storage {sid:#x} is not attached (STATUS={status:#x})")
        self.sid = sid
        self.status = status


class CommandError(BioError):
    """ERR was set during ``operation``; ``stage`` says after which access.

    ``status`` is the STATUS value read when ERR was seen.  Typical causes:
    the blocks lie past the end of the storage, or the DMA range is not RAM.
    """

    def __init__(self, operation: Operation, stage: str, status: int) -> None:
        super().__init__(f"{operation.describe()}: ERR after {stage} (STATUS={status:#x})")
        self.operation = operation
        self.stage = stage
        self.status = status


class DeviceTimeout(BioError):
    """STATUS still read BUSY after ``poll_bound`` clock steps."""

    def __init__(self, what: str, poll_bound: int, status: int) -> None:
        super().__init__(f"{what}: still BUSY after {poll_bound} clock steps "
                         f"(STATUS={status:#x})")
        self.poll_bound = poll_bound
        self.status = status


def _check_u32(name: str, value: int) -> None:
    if not 0 <= value <= U32_MASK:
        raise ValueError(f"{name} {value:#x} does not fit in a 32-bit register")


class BioDriver:
    """Drive the BIO at ``mmio_base`` of ``target``, block by block.

    ``poll_bound`` is the number of clock steps a command (or a deferred
    SRST) may stay BUSY before :class:`DeviceTimeout` is raised; a device that
    completes within the STATUS write needs 0.  Caller errors (a value that
    does not fit in a register, data that is not whole blocks) raise
    :class:`ValueError`; device errors raise a :class:`BioError`.
    """

    def __init__(self, target: Target, mmio_base: int, *, poll_bound: int = 1000) -> None:
        if poll_bound < 0:
            raise ValueError(f"poll_bound must be >= 0, not {poll_bound}")
        self.target = target
        self.mmio_base = mmio_base
        self.poll_bound = poll_bound

    # --- register access --------------------------------------------------

    def _write(self, reg: Reg, value: int) -> None:
        self.target.writel(self.mmio_base + reg, value)

    def _read(self, reg: Reg) -> int:
        return self.target.readl(self.mmio_base + reg)

    def status(self) -> int:
        """The current STATUS value (only RDY, ERR and BUSY can be set)."""
        return self._read(Reg.STATUS)

    def _wait(self, what: str) -> int:
        """Poll STATUS until ``(RDY or ERR) and not BUSY``; return it."""
        steps = 0
        while True:
            status = self.status()
            if status & (_RDY | _ERR) and not status & _BUSY:
                return status
            if steps >= self.poll_bound:
                raise DeviceTimeout(what, self.poll_bound, status)
            self.target.clock_step()
            steps += 1

    def _latch(self, operation: Operation, reg: Reg, value: int) -> None:
        """Write one setup register and fail if STATUS then shows ERR."""
        self._write(reg, value)
        status = self.status()
        if status & _ERR:
            if reg is Reg.SID:
                raise StorageSelectError(value, status)
            raise CommandError(operation, reg.name, status)

    # --- operations -------------------------------------------------------

    def reset(self) -> None:
        """Write SRST and wait until the controller is idle with only RDY set.

        An SRST written while a command is in flight is deferred until it
        completes, so this also waits out a command left BUSY earlier.
        """
        self._write(Reg.STATUS, Flag.SRST)
        status = self._wait("SRST")
        if status != _RDY:
            raise BioError(f"SRST left STATUS={status:#x}, expected {_RDY:#x}")

    def _setup(self, operation: Operation) -> None:
        """SRST, then SID, BLOCK, COUNT and (DMA) ADDR, checking ERR after each."""
        self.reset()
        self._latch(operation, Reg.SID, operation.sid)
        self._latch(operation, Reg.BLOCK, operation.block)
        self._latch(operation, Reg.COUNT, operation.count)
        if operation.addr is not None:
            self._latch(operation, Reg.ADDR, operation.addr)

    def _run(self, operation: Operation, command: Flag) -> None:
        """Start ``command`` by a STATUS write, wait for it, fail on ERR."""
        self._write(Reg.STATUS, command)
        status = self._wait(operation.describe())
        if status & _ERR:
            raise CommandError(operation, "the command", status)

    def _check(self, operation: Operation, stage: str) -> None:
        status = self.status()
        if status & _ERR:
            raise CommandError(operation, stage, status)

    def read_blocks(self, sid: int, block: int, count: int, *, addr: int | None = None) -> bytes:
        """Read ``count`` blocks from ``block`` of storage ``sid``.

        With ``addr``: DMA into RAM at ``addr`` (``DMA|READ``), then return
        the RAM bytes read back by a host read.  Without: a PIO ``READ``, then
        ``count * BLOCK_SIZE / 4`` DATA reads, then a STATUS check.
        """
        operation = _operation("read", sid, block, count, addr)
        self._setup(operation)
        if addr is not None:
            self._run(operation, Flag.DMA | Flag.READ)
            return self._host_read(operation, addr, count * BLOCK_SIZE)
        self._run(operation, Flag.READ)
        words = [self._read(Reg.DATA) for _ in range(count * BLOCK_SIZE // WORD_SIZE)]
        self._check(operation, "the DATA reads")
        return b"".join(word.to_bytes(WORD_SIZE, "little") for word in words)

    def write_blocks(self, sid: int, block: int, data: bytes, *, addr: int | None = None) -> None:
        """Write ``data`` (whole blocks) to storage ``sid`` from ``block`` on.

        With ``addr``: after the register setup the driver copies ``data``
        into RAM at ``addr`` by a host write, then runs ``DMA|WRITE`` from
        there; the bytes stay in RAM afterwards.  Without: a PIO write -- COUNT,
        ``len(data) / 4`` DATA writes, a STATUS check, then ``WRITE``.
        """
        if len(data) % BLOCK_SIZE:
            raise ValueError(f"data must be whole blocks of {BLOCK_SIZE} bytes, "
                             f"got {len(data)} bytes")
        operation = _operation("write", sid, block, len(data) // BLOCK_SIZE, addr)
        if addr is not None:
            self._setup(operation)
            self._host_write(operation, addr, data)
            self._run(operation, Flag.DMA | Flag.WRITE)
            return
        self._setup(operation)
        view = memoryview(data)
        for offset in range(0, len(data), WORD_SIZE):
            self._write(Reg.DATA, int.from_bytes(view[offset:offset + WORD_SIZE], "little"))
        self._check(operation, "the DATA writes")
        self._run(operation, Flag.WRITE)

    # --- host RAM access --------------------------------------------------

    def _host_read(self, operation: Operation, addr: int, length: int) -> bytes:
        try:
            return self.target.read(addr, length)
        except TargetRefused as exc:
            raise BioError(f"{operation.describe()}: RAM read-back refused: {exc}") from None

    def _host_write(self, operation: Operation, addr: int, data: bytes) -> None:
        try:
            self.target.write(addr, data)
        except TargetRefused as exc:
            raise BioError(f"{operation.describe()}: RAM is not writable there: {exc}") from None


def _operation(op: Literal["read", "write"], sid: int, block: int, count: int,
               addr: int | None) -> Operation:
    """The operation, after checking every register value fits in 32 bits."""
    _check_u32("SID", sid)
    _check_u32("BLOCK", block)
    _check_u32("COUNT", count)
    if addr is not None:
        _check_u32("ADDR", addr)
    return Operation(op=op, sid=sid, block=block, count=count, addr=addr)
