"""The pure model driven as a :class:`~duckybio.kit._target.Target`."""

from __future__ import annotations

from dataclasses import replace

from ..model import (
    Command,
    CommandEnd,
    Complete,
    Event,
    MachineState,
    ModelConfig,
    Op,
    Output,
    Read,
    StorageSpec,
    Tick,
    Write,
    host_fault,
    host_write_ram,
    host_write_storage,
    power_on,
    step,
)
from ..spec.regmap import PAGE_SIZE, U32_MASK, WORD_SIZE, Flag, Reg
from ..spec.wire import FAULT_OPS, WIRE_MAX
from .errors import TargetRefused


class ModelTarget:
    """An imperative shell that holds the model's current state.

    ``latency`` is the number of clock steps a command stays BUSY.  Every
    step's :class:`~duckybio.model.Output` is appended to ``outputs`` so that
    callers can see which transitions ran.
    """

    def __init__(self, latency: int = 0) -> None:
        self.latency = latency
        self.config = ModelConfig(ram_size=0, mmio_base=0, latency=latency)
        self.state: MachineState = power_on(self.config)
        self.clock = 0
        self.outputs: list[Output] = []
        #: Commands an injected fault failed (R-HOST-7), latched registers; the caller clears it.
        self.faulted: list[Command] = []

    def machine(self, ram_size: int, mmio_base: int) -> None:
        try:
            config = ModelConfig(ram_size=ram_size, mmio_base=mmio_base, latency=self.latency)
            state = power_on(config)
        except ValueError as exc:
            raise TargetRefused(str(exc)) from None
        except (MemoryError, OverflowError):
            raise TargetRefused(f"cannot allocate {ram_size:#x} bytes of RAM") from None
        self.config, self.state = config, state
        self.clock = 0

    def storage(self, sid: int, size: int) -> None:
        if self.state.storage(sid) is not None:
            raise TargetRefused(f"storage {sid} is already attached")
        specs = (*self.config.storages, StorageSpec(sid, size))
        try:
            config = replace(self.config, storages=specs)
            state = self.state.with_storage(sid, bytes(size))
        except ValueError as exc:
            raise TargetRefused(str(exc)) from None
        except (MemoryError, OverflowError):
            raise TargetRefused(f"storage {sid}: cannot allocate {size:#x} bytes") from None
        self.config, self.state = config, state

    def storage_write(self, sid: int, offset: int, data: bytes) -> None:
        try:
            self.state = host_write_storage(self.state, sid, offset, data)
        except ValueError as exc:
            raise TargetRefused(str(exc)) from None

    def storage_read(self, sid: int, offset: int, length: int) -> bytes:
        data = self.state.storage(sid)
        if data is None:
            raise TargetRefused(f"no storage with id {sid}")
        if offset < 0 or length < 0 or offset + length > len(data):
            raise TargetRefused(f"storage {sid}: range [{offset:#x}, +{length:#x}) is past its "
                                f"end (size {len(data):#x})")
        return data[offset:offset + length]

    def _mmio_offset(self, addr: int) -> int | None:
        offset = addr - self.config.mmio_base
        return offset if 0 <= offset < PAGE_SIZE else None

    def step(self, event: Event) -> int | None:
        """Apply one device event; return what a read returns."""
        before = self.state.bio
        self.state, out = step(self.config, self.state, event)
        self.outputs.append(out)
        if out.transition.outcome.end is CommandEnd.IO_ERROR:
            latched = before.command
            if latched is None and isinstance(event, Write) and event.offset == Reg.STATUS:
                value = event.value
                latched = Command(Op.READ if value & Flag.READ else Op.WRITE, before.sid,
                                  before.block, before.count, before.addr,
                                  before.dma or bool(value & Flag.DMA), 0)
            if latched is not None:
                self.faulted.append(latched)
        return out.value

    def writel(self, addr: int, value: int) -> None:
        offset = self._mmio_offset(addr)
        if offset is not None:
            self.step(Write(offset, value))
            return
        self.write(addr, (value & U32_MASK).to_bytes(WORD_SIZE, "little"))

    def readl(self, addr: int) -> int:
        offset = self._mmio_offset(addr)
        if offset is not None:
            value = self.step(Read(offset))
            assert value is not None
            return value
        return int.from_bytes(self.read(addr, WORD_SIZE), "little")

    def write(self, addr: int, data: bytes) -> None:
        try:
            self.state = host_write_ram(self.config, self.state, addr, data)
        except ValueError as exc:
            raise TargetRefused(str(exc)) from None

    def read(self, addr: int, length: int) -> bytes:
        if length < 0 or not self.config.is_ram_range(addr, length):
            raise TargetRefused(f"RAM read [{addr:#x}, +{length:#x}) is not RAM")
        return self.state.ram[addr:addr + length]

    def clock_step(self, ns: int | None = None) -> int:
        self.step(Tick())
        self.clock = min(WIRE_MAX, self.clock + (ns if ns is not None and ns > 0 else 1))
        return self.clock

    def fault(self, sid: int, op: str, count: int) -> None:
        """Inject I/O errors into the next ``count`` ``op`` commands on ``sid`` (R-HOST-7)."""
        if op not in FAULT_OPS:
            raise TargetRefused(f"fault direction must be read or write, not {op!r}")
        try:
            self.state = host_fault(self.state, sid, Op(op), count)
        except ValueError as exc:
            raise TargetRefused(str(exc)) from None

    def complete(self) -> None:
        """Complete the in-flight command now (for targets that finish early)."""
        self.step(Complete())

    def close(self) -> None:
        pass
