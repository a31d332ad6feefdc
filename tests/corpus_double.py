"""The rule-violation corpus: one planted violation of a SPEC rule per device, and
conforming devices that take every freedom the SPEC leaves.

Every :class:`Violation` names the rule it breaks (an ``R-*`` id, ``C-<n>`` for
clarification n of SPEC section 11) and says, as a behaviour, what its device
does instead.  The device is the reference controller with that one behaviour
changed (:class:`CorpusBIO`, built on the planted-defect doubles
:class:`~multibug_double.MultiBugBIO` and
:class:`~duckybio.kit.errata_double.ErrataBIO`), or a host that answers one
host command wrongly (:class:`CorpusTarget`); it is checked as any other
target, black box, never as the reference.  ``latency`` is the device's own
latency: the exact bound it is checked at.

:data:`CONFORMING` are devices a check must pass at every bound from their
latency up: completing early, a latency that varies per command, a cursor left
where it was when R is empty (nothing can read it), R copied at completion.
``--target corpus_double:<name>`` names each (``-`` is ``_`` there).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Final

from multibug_double import MultiBugBIO
from planted import ReservedCrash

from duckybio.impl import Direction, InFlight
from duckybio.impl._machine import Machine
from duckybio.impl._memory import Memory
from duckybio.impl._rbuf import ReadBuffer
from duckybio.impl._storage import MemoryStorage, Storage
from duckybio.kit._target import Target
from duckybio.kit.errata_double import ErrataTarget
from duckybio.kit.errors import TargetRefused
from duckybio.spec.regmap import BLOCK_SIZE, DATA_INVALID, PAGE_SIZE, U32_MASK, WORD_SIZE, Flag, Reg
from duckybio.spec.wire import WIRE_MAX

RDY, ERR, BUSY = int(Flag.RDY), int(Flag.ERR), int(Flag.BUSY)
SRST, DMA, READ, WRITE = int(Flag.SRST), int(Flag.DMA), int(Flag.READ), int(Flag.WRITE)
#: The COUNT above which ``huge-count-refused`` refuses (blocks).
HUGE_COUNT: Final = 0x100000


class CorpusBIO(MultiBugBIO):
    """The reference controller with the one behaviour ``breaks`` names changed.

    ``errata`` and ``bugs`` plant errata and bugs of the older doubles instead;
    ``latencies`` (conforming doubles) gives each command its own latency, in turn.
    """

    def __init__(self, breaks: str, storages: Mapping[int, Storage], memory: Memory, *,
                 mmio_address: int, latency: int, errata: frozenset[str] = frozenset(),
                 bugs: frozenset[str] = frozenset(),
                 latencies: tuple[int, ...] = ()) -> None:
        super().__init__(bugs, storages, memory, mmio_address=mmio_address, latency=latency)
        self.planted = errata
        self.breaks = breaks
        self._latencies: Iterator[int] | None = (itertools.cycle(latencies) if latencies
                                                 else None)
        self._scratch: tuple[int, bytes] | None = None
        self._start_after_reset = False
        if breaks == "power-on-status-zero":
            self._flags = 0

    # --- guest accesses --------------------------------------------------------------

    def read_u32(self, offset: int) -> int:
        if self.breaks == "unaligned-read-status" and offset == 1:
            return self._flags
        return super().read_u32(offset)

    def write_u32(self, offset: int, value: int) -> None:
        busy = self._command is not None
        if self.breaks == "busy-block-latches" and busy and offset == Reg.BLOCK:
            self._block = value & U32_MASK
            return
        if self.breaks == "reserved-0x18-latches-addr" and offset == 0x18 and not busy:
            offset = int(Reg.ADDR)
        if self.breaks == "unaligned-write-rounds-down" and offset % 4 and offset < 0x18:
            offset -= offset % 4
        super().write_u32(offset, value)

    def tick(self) -> None:
        command = self._command
        if command is None:
            if self.breaks == "idle-step-clears-err":
                self._flags &= ~ERR
            return
        if (self.breaks == "pio-write-count-0-hangs" and command.op == "write"
                and not command.dma and command.count == 0):
            return
        super().tick()

    def reset(self) -> None:
        addr = self._addr
        super().reset()
        if self.breaks == "srst-zeroes-ram-at-addr" and self.memory.is_ram(addr, WORD_SIZE):
            self.memory.write(addr, bytes(WORD_SIZE))
        if self.breaks == "cursor-kept-when-r-empty":
            self._cursor = 0x40

    def _read_status(self) -> int:
        flags = super()._read_status()
        if self.breaks == "status-shows-dma" and self._dma:
            flags |= DMA
        if self.breaks == "busy-hides-err" and self._command is not None:
            flags &= ~ERR
        return flags

    def _read_data(self) -> int:
        underrun = self._cursor + WORD_SIZE > len(self._rbuf)
        if self.breaks == "underrun-keeps-rdy" and underrun:
            self._flags |= ERR
            return DATA_INVALID
        if self.breaks == "lazy-r":
            self._rbuf._win = None  # every word fetched from the storage as it is read
        value = super()._read_data()
        if self.breaks == "underrun-rewinds-cursor" and underrun:
            self._cursor = 0
        return value

    def _read_data_busy(self) -> int:
        return 0 if self.breaks == "busy-data-zero" else super()._read_data_busy()

    def _write_block(self, value: int) -> None:
        super()._write_block(value)
        if self.breaks == "block-write-empties-w":
            self._wbuf = bytearray()

    def _write_count(self, value: int) -> None:
        if self.breaks == "count-keeps-w":
            self._count = value
            return
        super()._write_count(value)
        if self.breaks == "huge-count-refused" and value > HUGE_COUNT:
            self._fail()

    def _write_data(self, value: int) -> None:
        overrun = len(self._wbuf) + WORD_SIZE > self._count * self.block_size
        if self.breaks == "overrun-keeps-rdy" and overrun:
            self._flags |= ERR
            return
        super()._write_data(value)
        if self.breaks == "overrun-empties-w" and overrun:
            self._wbuf = bytearray()

    def _write_status(self, value: int) -> None:
        if self.breaks == "status-err-bit-clears-err" and value & ERR:
            self._flags &= ~ERR
        if self.breaks == "srst-after-dma" and value & SRST and value & DMA:
            self._dma = True
            self.reset()
            value &= ~(SRST | DMA)
        super()._write_status(value)
        if self.breaks == "no-command-sets-rdy" and not value & (READ | WRITE):
            self._flags |= RDY

    def _write_status_busy(self, value: int) -> None:
        if self.breaks == "busy-srst-drops-command" and value & SRST:
            self.reset()
            return
        super()._write_status_busy(value)
        if self.breaks == "busy-srst-starts-read" and value & SRST and value & READ:
            self._start_after_reset = True

    # --- commands ------------------------------------------------------------------------

    def _start(self, op: Direction) -> None:
        if self.breaks == "start-clears-err":
            self._flags &= ~ERR
        if self._latencies is not None:
            self.latency = next(self._latencies)
        super()._start(op)
        c = self._command
        if c is None:
            return
        if self.breaks == "fail-shows-err-at-start" and self._fails(c):
            self._flags |= ERR
        length = c.count * self.block_size
        if (self.breaks == "busy-scratch-after-dma-range" and c.dma and c.op == "read"
                and not self._fails(c) and self.memory.is_ram(c.addr + length, WORD_SIZE)):
            at = c.addr + length
            self._scratch = (at, self.memory.read(at, WORD_SIZE))
            self.memory.write(at, bytes(WORD_SIZE))

    def _fails(self, c: InFlight) -> bool:
        """Whether ``c`` fails its checks (storage, bounds, DMA range)."""
        storage = self._lookup(c.sid) if c.sid is not None else None
        length = c.count * self.block_size
        return (storage is None or c.block * self.block_size + length > storage.size
                or (c.dma and not self.memory.is_ram(c.addr, length)))

    def _complete(self, command: InFlight) -> None:
        if self._scratch is not None:
            at, kept = self._scratch
            self.memory.write(at, kept)
            self._scratch = None
        staged = self._wbuf
        super()._complete(command)
        failed = not self._flags & RDY
        if self.breaks == "failure-keeps-w" and failed:
            self._wbuf = staged
        if self.breaks == "write-leaves-r-empty" and not failed and command.op == "write":
            self._rbuf = ReadBuffer()
        if self.breaks == "success-clears-err" and not failed:
            self._flags &= ~ERR
        if self.breaks == "eager-r" and not failed:
            self._rbuf.materialize()
        if self.breaks == "cursor-kept-when-r-empty" and not len(self._rbuf):
            self._cursor = 0x40
        if self._start_after_reset:
            self._start_after_reset = False
            self._start("read")

    def _run(self, c: InFlight) -> ReadBuffer | None:
        storage = self._lookup(c.sid) if c.sid is not None else None
        bs = self.block_size
        offset, length = c.block * bs, c.count * bs
        if storage is None:
            if self.breaks == "no-storage-count-0-succeeds" and c.count == 0:
                return ReadBuffer()
            return super()._run(c)
        in_ram = not c.dma or self.memory.is_ram(c.addr, length)
        in_bounds = offset + length <= storage.size
        b = self.breaks
        if b == "end-equality-out-of-bounds" and c.count and offset + length == storage.size:
            return None
        if b == "dma-ending-at-ram-end-fails" and c.dma and length and (
                c.addr + length == self.memory.size):
            return None
        if b == "count-0-dma-outside-ram-fails" and c.dma and not c.count and (
                not self.memory.is_ram(c.addr, 1)):
            return None
        if b == "pio-checks-addr" and not c.dma and not self.memory.is_ram(c.addr, length):
            return None
        if b == "fault-hits-count-0" and not c.count and in_bounds and in_ram and (
                storage.take_fault(c.op)):
            return None
        partial = min(length, storage.size - offset)
        if not in_bounds and in_ram and partial > 0 and c.dma:
            if b == "oob-dma-write-stores-in-bounds-blocks" and c.op == "write":
                storage.write_from(offset, self.memory.view(c.addr, partial))
            if b == "oob-dma-read-copies-in-bounds" and c.op == "read":
                storage.read_into(offset, self.memory.view(c.addr, partial))
        if (b == "io-error-zeroes-ram-after-dma-range" and c.dma and c.op == "read" and length
                and in_bounds and in_ram and storage.faults[c.op] > 0
                and self.memory.is_ram(c.addr + length, WORD_SIZE)):
            self.memory.write(c.addr + length, bytes(WORD_SIZE))
        staged = len(self._wbuf)
        kept = (storage.read(offset + bs, length - bs) if b == "dma-write-first-block-only"
                and c.dma and c.op == "write" and c.count > 1 and in_bounds else None)
        result = super()._run(c)
        if result is None:
            return None
        if kept is not None:
            storage.write_from(offset + bs, kept)
        if b == "pio-read-copies-to-ram" and c.op == "read" and not c.dma and length and (
                self.memory.is_ram(c.addr, length)):
            storage.read_into(offset, self.memory.view(c.addr, length))
        if b == "pio-write-pads-ff" and c.op == "write" and not c.dma and staged < length:
            storage.write_from(offset + staged, b"\xff" * (length - staged))
        return result


class CorpusTarget(ErrataTarget):
    """A target whose controller is :class:`CorpusBIO` and whose host breaks ``breaks``."""

    def __init__(self, breaks: str, latency: int, *, errata: frozenset[str] = frozenset(),
                 bugs: frozenset[str] = frozenset(), latencies: tuple[int, ...] = ()) -> None:
        self.breaks = breaks
        self.bugs = bugs
        self.latencies = latencies
        super().__init__(errata, latency)

    def _power_on(self, ram_size: int, mmio_base: int) -> Machine:
        if self.breaks == "ram-over-1-mib-refused" and ram_size > 1 << 20:
            raise TargetRefused(f"RAM of {ram_size:#x} bytes: at most 1 MiB here")
        if self.breaks == "ram-size-rounded":
            ram_size -= ram_size % PAGE_SIZE
        machine = super()._power_on(ram_size, mmio_base)
        old = machine.bio
        old.halt()
        machine.bio = CorpusBIO(self.breaks, machine.storages, machine.memory,
                                mmio_address=old.mmio_address, latency=self.latency,
                                errata=self.planted, bugs=self.bugs, latencies=self.latencies)
        machine.bio.boot()
        if self.breaks == "lazy-r":
            machine.bio.before_storage_write = _nothing  # type: ignore[method-assign]
        return machine

    def _sid(self, sid: int) -> int:
        return sid & U32_MASK if self.breaks == "sid-mod-2-32" else sid

    def storage(self, sid: int, size: int) -> None:
        sid = self._sid(sid)
        storages = self.machine_obj.storages
        if self.breaks == "reattach-replaces" and sid in storages:
            storages[sid] = MemoryStorage(sid, size)
            return
        super().storage(sid, size)

    def storage_write(self, sid: int, offset: int, data: bytes) -> None:
        sid = self._sid(sid)
        storage = self.machine_obj.storages.get(sid)
        if (self.breaks == "refused-storage-write-writes-prefix" and storage is not None
                and offset < storage.size < offset + len(data)):
            storage.write(offset, data[:storage.size - offset])
        super().storage_write(sid, offset, data)

    def storage_read(self, sid: int, offset: int, length: int) -> bytes:
        sid = self._sid(sid)
        storage = self.machine_obj.storages.get(sid)
        if (self.breaks == "empty-storage-read-past-end-accepted" and storage is not None
                and length == 0 and offset > storage.size):
            return b""
        if (self.breaks == "storage-read-past-end-padded" and storage is not None
                and offset <= storage.size < offset + length):
            inside = storage.read(offset, storage.size - offset)
            return inside + bytes(length - len(inside))
        return super().storage_read(sid, offset, length)

    def fault(self, sid: int, op: str, count: int) -> None:
        super().fault(self._sid(sid), op, min(count, 1) if self.breaks == "fault-count-one"
                      else count)

    def writel(self, addr: int, value: int) -> None:
        bio = self.machine_obj.bio
        if (self.breaks == "register-value-not-reduced" and addr - bio.mmio_address == Reg.BLOCK
                and bio.command is None):
            bio._block = value
            return
        memory = self.machine_obj.memory
        if self.breaks == "writel-ram-big-endian" and memory.is_ram(addr, WORD_SIZE):
            memory.write(addr, (value & U32_MASK).to_bytes(WORD_SIZE, "big"))
            return
        super().writel(addr, value)

    def write(self, addr: int, data: bytes) -> None:
        if (self.breaks == "empty-write-beyond-ram-refused" and not data
                and addr > self.machine_obj.memory.size):
            raise TargetRefused(f"write at {addr:#x} is beyond RAM")
        super().write(addr, data)

    def clock_step(self, ns: int | None = None) -> int:
        bio = self.machine_obj.bio
        busy = bio.command is not None
        if self.breaks == "clock-ns-does-not-step" and ns is not None:
            self.clock = min(WIRE_MAX, self.clock + max(ns, 1))
            return self.clock
        clock = super().clock_step(ns)
        if self.breaks == "clock-restarts-at-completion" and busy and bio.command is None:
            self.clock = clock = 0
        return clock


def _nothing(sid: int, offset: int, length: int) -> None:
    """A host storage write that does not keep R (``lazy-r``)."""


@dataclass(frozen=True, slots=True)
class Violation:
    """One planted violation: the rule it breaks, what the device does, its device.

    ``latency``: the device's own latency, the exact bound it is checked at.
    ``vectors``: whether the golden vectors can see it at all (a host behaviour
    no vector exercises, say, cannot).
    """

    name: str
    rule: str
    behaviour: str
    latency: int = 0
    errata: frozenset[str] = field(default_factory=frozenset)
    bugs: frozenset[str] = field(default_factory=frozenset)
    make: Callable[[], Target] | None = None

    def factory(self) -> Callable[[], Target]:
        """A factory of fresh devices with this violation planted."""
        if self.make is not None:
            return self.make
        name, latency, errata, bugs = self.name, self.latency, self.errata, self.bugs
        breaks = "" if errata or bugs else name
        return lambda: CorpusTarget(breaks, latency, errata=errata, bugs=bugs)


def _v(rule: str, name: str, behaviour: str, latency: int = 0) -> Violation:
    return Violation(name, rule, behaviour, latency)


def _erratum(rule: str, erratum: str, behaviour: str, latency: int = 0) -> Violation:
    return Violation(f"erratum-{erratum.lower()}", rule, behaviour, latency,
                     errata=frozenset({erratum}))


def _bug(rule: str, bug: str, behaviour: str) -> Violation:
    return Violation(f"bug-{bug}", rule, behaviour, bugs=frozenset({bug}))


#: Every planted violation, in the order of the rules they break.
VIOLATIONS: Final[tuple[Violation, ...]] = (
    _v("R-RST-1", "power-on-status-zero", "at power-on STATUS reads 0, not RDY"),
    _erratum("R-RST-2", "E7", "SRST leaves the selected storage selected"),
    _v("R-RST-3", "srst-zeroes-ram-at-addr", "SRST zeroes the RAM word at ADDR"),
    _v("R-RD-1", "status-shows-dma", "STATUS reads the DMA bit (0x20) while DMA mode is on"),
    _erratum("R-RD-2", "E9", "SID, BLOCK, COUNT and ADDR read back their latched values"),
    _bug("R-RD-3", "reserved", "the reserved offset 0x80 reads 0xDEAD"),
    _v("R-WR-1", "register-value-not-reduced",
       "a BLOCK write of a value of 2^32 or more keeps the bits above 32"),
    _bug("R-WR-2", "sid-rdy", "selecting an attached storage also sets RDY"),
    _erratum("R-WR-3", "E13", "an unknown SID sets ERR but leaves RDY set"),
    _v("R-WR-4", "block-write-empties-w", "a BLOCK write empties W"),
    _v("R-WR-5", "count-keeps-w", "a COUNT write leaves W as it is"),
    _v("R-WR-6", "reserved-0x18-latches-addr", "a write to reserved offset 0x18 latches ADDR"),
    _v("R-ST-1", "status-err-bit-clears-err", "a STATUS write with the ERR bit clears ERR"),
    _v("R-ST-2", "srst-after-dma", "SRST|DMA leaves DMA mode off (DMA before the reset)"),
    _erratum("R-ST-3", "E10", "DMA mode lasts one command"),
    _erratum("R-ST-4", "E11", "READ|WRITE performs a WRITE"),
    _v("R-ST-5", "no-command-sets-rdy", "a STATUS write without READ or WRITE sets RDY"),
    _v("R-CMD-1", "start-clears-err", "starting a command clears ERR"),
    _v("R-CMD-2", "no-storage-count-0-succeeds",
       "a command with no storage selected and COUNT 0 succeeds"),
    _v("R-CMD-3", "end-equality-out-of-bounds",
       "a command whose blocks end exactly at the storage's end fails"),
    _v("R-CMD-4", "dma-ending-at-ram-end-fails",
       "a DMA range that ends exactly at the end of RAM fails"),
    _erratum("R-CMD-5", "E8", "block + count and the byte offsets wrap at 2^32"),
    _v("R-CMD-6", "failure-keeps-w", "a failed command does not empty W"),
    _v("R-CMD-6", "oob-dma-write-stores-in-bounds-blocks",
       "an out-of-bounds DMA WRITE stores its in-bounds blocks before failing"),
    _v("R-CMD-7", "pio-read-copies-to-ram", "a PIO READ also copies the blocks to RAM at ADDR"),
    _v("R-CMD-8", "dma-write-first-block-only",
       "a DMA WRITE of several blocks stores only the first"),
    _v("R-CMD-9", "pio-write-pads-ff", "a PIO WRITE pads W with 0xFF bytes, not zeros"),
    _v("R-CMD-10", "lazy-r",
       "R is fetched at DATA-read time: a host storage-write between a command's completion "
       "and its DATA reads changes what DATA returns"),
    _v("R-CMD-11", "count-0-dma-outside-ram-fails",
       "a DMA command with COUNT 0 and ADDR outside RAM fails"),
    _erratum("R-CMD-12", "E15", "a storage I/O error crashes the device"),
    _bug("R-PIO-1", "data-be", "a DATA read returns the word big-endian"),
    _v("R-PIO-2", "underrun-keeps-rdy", "a DATA read past the end of R sets ERR but keeps RDY"),
    _erratum("R-PIO-3", "E1", "a DATA write scatters its bytes (E1)"),
    _v("R-PIO-4", "overrun-keeps-rdy",
       "a DATA write past the capacity of W sets ERR but keeps RDY"),
    _erratum("R-PIO-5", "E4", "DATA writes go into R at the read cursor"),
    _v("R-PIO-6", "huge-count-refused",
       f"a COUNT write above {HUGE_COUNT:#x} blocks sets ERR (W allocated up front)"),
    _v("R-BSY-1", "pio-write-count-0-hangs", "a PIO WRITE with COUNT 0 never completes", 2),
    _v("R-BSY-2", "busy-hides-err", "while BUSY, STATUS does not show a set ERR", 2),
    _v("R-BSY-3", "busy-block-latches", "while BUSY, a BLOCK write still latches", 2),
    _v("R-BSY-4", "busy-data-zero", "while BUSY, a DATA read returns 0", 2),
    _v("R-BSY-5", "busy-srst-drops-command",
       "SRST while BUSY resets at once: the command is dropped with no data effect", 2),
    _v("R-BSY-6", "busy-scratch-after-dma-range",
       "while a DMA READ is BUSY, the RAM word right after its DMA range reads 0", 2),
    _v("R-BSY-7", "idle-step-clears-err", "a clock step while idle clears ERR"),
    _v("R-INV-1", "success-clears-err", "a successful command clears ERR"),
    _erratum("R-INV-2", "E18", "while a WRITE is BUSY, STATUS also reads RDY", 2),
    _v("R-INV-3", "oob-dma-read-copies-in-bounds",
       "an out-of-bounds DMA READ copies its in-bounds blocks to RAM before failing"),
    Violation("reserved-crash", "R-INV-4", "a read of reserved offset 0x7C crashes the device",
              make=ReservedCrash),
    _v("R-HOST-1", "ram-size-rounded",
       "a RAM size that is not a multiple of the page size is accepted, rounded down"),
    _erratum("R-HOST-1", "E16", "MMIO base 0 means the default base; an unaligned base is "
             "truncated to its page"),
    _v("R-HOST-2", "sid-mod-2-32", "storage ids are taken modulo 2^32"),
    _v("R-HOST-3", "storage-read-past-end-padded",
       "a storage-read past the storage's end answers the bytes in range padded with zeros"),
    _v("R-HOST-3", "refused-storage-write-writes-prefix",
       "a refused storage-write past the end has written the bytes in range"),
    _v("R-HOST-4", "empty-write-beyond-ram-refused", "an empty RAM write beyond RAM is refused"),
    _v("R-HOST-5", "writel-ram-big-endian", "a writel to a RAM address stores big-endian"),
    _v("R-HOST-6", "clock-restarts-at-completion",
       "the clock restarts at 0 when a command completes", 2),
    _v("R-HOST-7", "fault-count-one", "a fault of N > 1 fails only the next command"),
    _v("R-HOST-10", "ram-over-1-mib-refused",
       "a machine of more than 1 MiB of RAM is refused (16 MiB must be accepted)"),
    _v("C-1", "fail-shows-err-at-start",
       "a failing command shows ERR from its start, while still BUSY", 2),
    _v("C-2", "busy-srst-starts-read", "SRST|READ while BUSY starts a READ after the reset", 2),
    _v("C-3", "io-error-zeroes-ram-after-dma-range",
       "an I/O error of a DMA READ zeroes the RAM word after its DMA range"),
    _v("C-4", "write-leaves-r-empty", "after a WRITE, R is empty (not the data written)"),
    _v("C-5", "underrun-rewinds-cursor", "a DATA read underrun rewinds the cursor to 0"),
    _v("C-5", "overrun-empties-w", "a DATA write overrun empties W"),
    _v("C-6", "clock-ns-does-not-step",
       "a clock_step with an NS argument advances the clock but does not step the device", 2),
    _v("C-7", "unaligned-write-rounds-down",
       "a write to an unaligned offset goes to the register below it"),
    _v("C-7", "unaligned-read-status", "a read of the unaligned offset 0x01 returns STATUS"),
    _v("C-8", "pio-checks-addr", "a PIO command fails when ADDR is outside RAM"),
    _v("C-9", "reattach-replaces", "attaching an id already attached replaces that storage"),
    _v("C-11", "fault-hits-count-0", "an injected fault fails a command with COUNT 0"),
    Violation("lazy-r-after-storage-write", "C-12",
              "R is fetched at DATA-read time: a host storage-write after completion changes "
              "what DATA reads return", make=lambda: CorpusTarget("lazy-r", 0)),
    _v("C-14", "empty-storage-read-past-end-accepted",
       "an empty storage-read past the storage's end is accepted"),
)

#: Rules and clarifications no wire sequence can observe, with the reason.
UNOBSERVABLE_HERE: Final[dict[str, str]] = {
    "R-HOST-8": "the text of an answer: these doubles answer in process, with values; the "
                "golden vectors compare the text over the wire (tests/rules/test_host.py plants "
                "upper-case digits and zero padding)",
    "R-HOST-9": "a malformed line never reaches an in-process double; the golden vectors and "
                "tests/rules/test_host.py send them over the wire",
    "C-13": "a sign makes a line malformed (R-HOST-9): over the wire only, as above",
    "C-10": "faults hit commands, never a DATA read: no wire sequence makes a lazily fetched "
            "R meet an I/O error",
}


@dataclass(frozen=True, slots=True)
class Conforming:
    """A device that takes a freedom of the SPEC: it must pass at ``latency`` and above."""

    name: str
    freedom: str
    latency: int
    latencies: tuple[int, ...] = ()
    breaks: str = ""

    def factory(self) -> Callable[[], Target]:
        breaks, latency, latencies = self.breaks, self.latency, self.latencies
        return lambda: CorpusTarget(breaks, latency, latencies=latencies)


#: Conforming devices a check must never fault.
CONFORMING: Final[tuple[Conforming, ...]] = (
    Conforming("early", "every command completes within its STATUS write (latency 0), "
               "checked with a larger bound", 0),
    Conforming("varying", "each command takes its own latency, 0 to 3 clock steps in turn",
               3, latencies=(2, 0, 3, 1, 1, 0, 2)),
    Conforming("cursor-kept-when-r-empty", "the cursor is left at 0x40 whenever R is empty "
               "(every DATA read then underruns anyway)", 0, breaks="cursor-kept-when-r-empty"),
    Conforming("eager-r", "R is copied from the storage at completion", 1, breaks="eager-r"),
)


def by_name(name: str) -> Violation:
    """The violation called ``name``."""
    for item in VIOLATIONS:
        if item.name == name:
            return item
    raise KeyError(name)


# ``module:callable`` names: corpus_double:lazy_r, ..., corpus_double:ok_varying
for _item in VIOLATIONS:
    globals()[_item.name.replace("-", "_")] = _item.factory()
for _ok in CONFORMING:
    globals()[f"ok_{_ok.name.replace('-', '_')}"] = _ok.factory()

assert BLOCK_SIZE % WORD_SIZE == 0
__all__ = ["CONFORMING", "VIOLATIONS", "Conforming", "CorpusBIO", "CorpusTarget", "Violation",
           "by_name"]
