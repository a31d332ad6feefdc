"""The implementation driven as a :class:`~duckybio.kit.target.Target`."""

from __future__ import annotations

from ..impl.errors import MachineError
from ..impl.machine import Machine
from ..impl.storage import MemoryStorage
from ..spec.regmap import BLOCK_SIZE, U32_MASK
from .errors import TargetRefused

__all__ = ["ReferenceTarget"]


class ReferenceTarget:
    """A :class:`Machine` with in-memory storages, one method per wire command.

    ``latency`` is the number of clock steps a command stays BUSY (0: it
    completes within the STATUS write that starts it).  Host accesses the
    machine refuses raise :class:`TargetRefused`.
    """

    def __init__(self, latency: int = 0, block_size: int = BLOCK_SIZE) -> None:
        self.latency = latency
        self.block_size = block_size
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
        try:
            self._machine.attach(MemoryStorage(sid, size))
        except (ValueError, MachineError) as exc:
            raise TargetRefused(str(exc)) from None

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
        self.clock += ns if ns is not None and ns > 0 else 1
        return self.clock

    def close(self) -> None:
        self._machine.halt()
