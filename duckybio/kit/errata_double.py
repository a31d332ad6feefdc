"""A test double of the BIO that plants the errata of SPEC section 14, one at a time or all.

:func:`errata_factory` returns a target factory (``() -> Target``) whose
device behaves like the original where an erratum says it did, and like the
specification everywhere else.  For the errata the specification keeps (E9,
E10, E11, E13) the planted defect is the opposite: a device that does not
keep them.  E18 (BUSY never observable) is planted into a device with latency 1
(:data:`LATENCY`): while a WRITE command is BUSY, STATUS still reads RDY too, as
a device written without BUSY in mind would have it.  ``module:callable``
names for ``duckybio check --target`` are the attributes ``e1`` ... ``e18``
(those in :data:`PLANTABLE`) and ``every`` (all of them at once) of the
module ``duckybio.kit.errata_double:e5`` ... (and of ``errata_double`` in the tests).
A run names a deviation after the erratum whose double fails the same way
(:mod:`._errata`).

:data:`NOT_ON_THE_WIRE` lists the errata no wire sequence can observe, with
the reason.  E16 is about machine geometry (MMIO base 0, an unaligned base):
the default ``check`` sees it in its host-edge sequence, the golden vectors
in theirs.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Collection, Mapping
from typing import Final

from ..impl import BlockIO, Direction, InFlight, Machine, Memory, ReadBuffer, Storage
from ..spec.regmap import DEFAULT_MMIO_ADDRESS, U32_MASK, WORD_SIZE, Flag, Reg
from ..spec.rules import ERRATA_IDS, UNOBSERVABLE
from ._reference_target import ReferenceTarget
from ._target import Target
from .errors import TargetRefused

_U32 = struct.Struct("<I")

#: Errata that no wire sequence can observe, and why.
NOT_ON_THE_WIRE: Final[dict[str, str]] = {
    **{e: reason for e, reason in UNOBSERVABLE.items() if e.startswith("E")},
    "E12": "per-byte copying has the same data effect; it is a matter of speed",
}
#: Errata this double can plant.
PLANTABLE: Final[tuple[str, ...]] = tuple(e for e in ERRATA_IDS if e not in NOT_ON_THE_WIRE)
#: Planted errata that only the golden vectors (which vary the machine) can see: none since
#: the check sends ``machine`` at the edges of its geometry (E16 included).
VECTORS_ONLY: Final[frozenset[str]] = frozenset()
#: The latency of a double with E18 planted (check it with ``--latency 1``); else 0.
LATENCY: Final = 1


def latency_of(errata: Collection[str]) -> int:
    """The latency of the double planting ``errata``: 1 with E18, else 0."""
    return LATENCY if "E18" in errata else 0


#: Planted errata the default lockstep check must find.
CHECKABLE: Final[tuple[str, ...]] = tuple(e for e in PLANTABLE if e not in VECTORS_ONLY)


class ErrataBIO(BlockIO):
    """The reference controller with the errata in ``planted`` put back."""

    def __init__(self, planted: Collection[str], storages: Mapping[int, Storage],
                 memory: Memory, *, mmio_address: int, latency: int) -> None:
        super().__init__(storages, memory, mmio_address=mmio_address, latency=latency)
        self.planted = frozenset(planted)
        self._fresh = True  # E3: no command since the last reset
        self._pending: InFlight | None = None  # E18: completes on the next clock step

    def has(self, erratum: str) -> bool:
        return erratum in self.planted

    def read_u32(self, offset: int) -> int:
        """Dispatch to this class's handlers (the base dispatches to its own)."""
        if self.has("E9") and self._command is None:
            latched = {int(Reg.SID): self._sid or 0, int(Reg.BLOCK): self._block,
                       int(Reg.COUNT): self._count, int(Reg.ADDR): self._addr}
            if offset in latched:
                return latched[offset] & U32_MASK
        if offset == Reg.STATUS:
            return self._read_status()
        if offset == Reg.DATA:
            return self._read_data() if self._command is None else self._read_data_busy()
        return 0

    def write_u32(self, offset: int, value: int) -> None:
        """Dispatch to this class's handlers (the base dispatches to its own)."""
        value &= U32_MASK
        if self._command is not None:
            if offset == Reg.STATUS:
                self._write_status_busy(value)
            return
        handler = {int(Reg.STATUS): self._write_status, int(Reg.SID): self._write_sid,
                   int(Reg.BLOCK): self._write_block, int(Reg.COUNT): self._write_count,
                   int(Reg.ADDR): self._write_addr, int(Reg.DATA): self._write_data}.get(offset)
        if handler is not None:
            handler(value)

    def reset(self) -> None:
        sid = self._sid
        super().reset()
        self._fresh = True
        if self.has("E7"):  # reset cleared the other name; the storage stays selected
            self._sid = sid

    def _read_data(self) -> int:
        if self.has("E3") and self._fresh:
            raise TypeError("'NoneType' object is not subscriptable")
        if self.has("E2") and self._cursor + WORD_SIZE > len(self._rbuf):
            raise IndexError("bytearray index out of range")
        return super()._read_data()

    def _write_sid(self, value: int) -> None:
        if self.has("E13") and self._lookup(value) is None:
            self._sid = None
            self._flags |= int(Flag.ERR)  # RDY is not cleared
            return
        super()._write_sid(value)

    def _write_data(self, value: int) -> None:
        if self.has("E3") and self._fresh:
            raise TypeError("'NoneType' object does not support item assignment")
        if self.has("E4"):  # written into R at the read index; the buffer never grows
            data = bytearray(self._rbuf.to_bytes())
            if self._cursor + WORD_SIZE <= len(data):
                data[self._cursor:self._cursor + WORD_SIZE] = _U32.pack(value)
                self._cursor += WORD_SIZE
                self._rbuf = ReadBuffer(bytes(data))
            return
        if self.has("E1") and len(self._wbuf) + WORD_SIZE <= self._count * self.block_size:
            word = _U32.pack(value)
            i = len(self._wbuf)
            self._wbuf += bytes(WORD_SIZE)
            self._wbuf[i] = word[0]
            self._wbuf[i + 1] = word[3]  # bytes 1, 2 and 3 all went to i + 1
            return
        super()._write_data(value)

    def _write_status(self, value: int) -> None:
        if self.has("E11") and value & Flag.READ and value & Flag.WRITE:
            value &= ~int(Flag.READ)  # READ|WRITE performs a WRITE
        super()._write_status(value)

    def _start(self, op: Direction) -> None:
        super()._start(op)
        if self.has("E18") and op == "write" and self._command is not None:
            self._flags |= int(Flag.RDY)  # BUSY was never thought of: RDY stays set

    def _complete(self, command: InFlight) -> None:
        stale = (self._rbuf, self._cursor)
        super()._complete(command)
        self._fresh = False
        failed = not self._flags & Flag.RDY
        if self.has("E14") and failed:  # the previous buffer stays, index reset to 0
            self._rbuf, self._cursor = stale[0], 0
        if self.has("E10"):  # DMA mode lasted one command
            self._dma = False

    def _run(self, c: InFlight) -> ReadBuffer | None:
        storage = self._lookup(c.sid) if c.sid is not None else None
        if storage is None:
            return super()._run(c)
        bs = self.block_size
        if self.has("E8"):  # u32 arithmetic: the bound check wraps
            end = (((c.block + c.count) & U32_MASK) * bs) & U32_MASK
            offset, length = (c.block * bs) & U32_MASK, (c.count * bs) & U32_MASK
            if end <= storage.size and offset + length > storage.size:
                return ReadBuffer()  # "in bounds": an empty transfer
            if end <= storage.size and length == 0:
                return ReadBuffer()
        offset, length = c.block * bs, c.count * bs
        if (self.has("E15") and offset + length <= storage.size and length > 0
                and not (c.dma and not self.memory.is_ram(c.addr, length))
                and storage.take_fault(c.op)):
            raise OSError(5, "Input/output error")  # not caught: the VM crashes
        if self.has("E6") and c.dma and offset + length <= storage.size \
                and not self.memory.is_ram(c.addr, length):
            raise IndexError(f"DMA at {c.addr:#x} is outside RAM")
        if (self.has("E5") and c.op == "write" and not c.dma
                and offset + length <= storage.size and length > 0):
            staged = bytes(self._wbuf)  # committed unpadded
            if staged:
                storage.write_from(offset, staged)
            return ReadBuffer(staged)
        return super()._run(c)


class ErrataTarget(ReferenceTarget):
    """The reference target with :class:`ErrataBIO` as its controller.

    With E16 planted, an MMIO base of 0 becomes the default base and an
    unaligned base is truncated to its page, as in the original.
    """

    def __init__(self, planted: Collection[str], latency: int | None = None) -> None:
        unknown = set(planted) - set(PLANTABLE)
        if unknown:
            raise ValueError(f"cannot plant {sorted(unknown)}")
        self.planted = frozenset(planted)
        super().__init__(latency=latency_of(planted) if latency is None else latency)

    def _power_on(self, ram_size: int, mmio_base: int) -> Machine:
        if "E16" in self.planted:
            mmio_base = (mmio_base or DEFAULT_MMIO_ADDRESS) & ~0xFF
        machine = super()._power_on(ram_size, mmio_base)
        machine.bio.halt()
        try:
            machine.bio = ErrataBIO(self.planted, machine.storages, machine.memory,
                                    mmio_address=mmio_base, latency=self.latency)
        except ValueError as exc:
            raise TargetRefused(str(exc)) from None
        machine.bio.boot()
        return machine


def errata_factory(*errata: str, latency: int | None = None) -> Callable[[], Target]:
    """A factory of fresh targets with ``errata`` planted (none: a conforming device).

    Its latency is ``latency``, by default :func:`latency_of` the errata:
    declare it to the check.
    """
    planted = frozenset(errata)
    ErrataTarget(planted, latency)  # refuse an unknown erratum now, not in the middle of a run

    def make() -> Target:
        return ErrataTarget(planted, latency)
    return make


def all_errata_factory() -> Callable[[], Target]:
    """A factory of targets with every plantable erratum at once."""
    return errata_factory(*PLANTABLE)


def without(*errata: str) -> Callable[[], Target]:
    """Every plantable erratum except ``errata``."""
    return errata_factory(*(e for e in PLANTABLE if e not in errata))


__all__ = ["CHECKABLE", "LATENCY", "NOT_ON_THE_WIRE", "PLANTABLE", "VECTORS_ONLY", "ErrataBIO",
           "ErrataTarget", "all_errata_factory", "errata_factory", "latency_of", "without"]


# ``module:callable`` names for the command line: duckybio.kit.errata_double:e5, ...:every
for _erratum in PLANTABLE:
    globals()[_erratum.lower()] = errata_factory(_erratum)
every = all_errata_factory()  # --target duckybio.kit.errata_double:every
