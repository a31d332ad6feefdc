"""Lockstep check: the model and an implementation driven by the same MMIO ops.

``LockstepMachine`` is a Hypothesis ``RuleBasedStateMachine``.  Its rules are
biased toward meaningful transactions (a whole driver sequence, register
values at and around every boundary) and also include fully random accesses
(any offset of the page, any u32).  After every operation it compares what
the model and the target return; after every rule its invariants compare
everything else: with ``white_box`` the abstraction of the implementation's
state must equal the model's state, RAM and storage bytes must be equal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from ..model import MachineState, Transition
from .abstraction import abstract
from .instance import Instance
from .model_target import ModelTarget
from .regmap import GUEST_SETTABLE, PAGE_SIZE, U32_MASK, Flag, Reg
from .target import Target

U32 = st.integers(min_value=0, max_value=U32_MASK)

#: STATUS values a driver writes, plus the odd ones.
STATUS_VALUES = [
    int(Flag.SRST), int(Flag.DMA | Flag.READ), int(Flag.DMA | Flag.WRITE), int(Flag.READ),
    int(Flag.WRITE), int(Flag.READ | Flag.WRITE), int(Flag.DMA), 0,
    int(Flag.SRST | Flag.DMA | Flag.READ), int(Flag.SRST | Flag.WRITE), GUEST_SETTABLE,
]
COUNT_VALUES = [0, 1, 2, 3, 4, U32_MASK, 1 << 22]


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One operation of a run, with what the model and the target answered."""

    op: str
    expected: int | None = None
    observed: int | None = None

    def __str__(self) -> str:
        if self.expected is None:
            return self.op
        return f"{self.op} -> expected {self.expected:#010x}, observed {self.observed:#010x}"


class Mismatch(AssertionError):
    """The target disagrees with the model."""


class LockstepMachine(RuleBasedStateMachine):
    """Drive the model and a target with the same operations; compare after each.

    Subclasses (see :func:`lockstep_machine`) set the class attributes.
    """

    instance: ClassVar[Instance] = Instance()
    latency: ClassVar[int] = 0
    target_factory: ClassVar[Callable[[], Target]]
    white_box: ClassVar[Callable[[Target], MachineState] | None] = None
    #: Every transition class the model took, over all runs of this class.
    covered: ClassVar[set[Transition]]
    #: The operations of the run in progress (after a failure: of the failing run).
    last_trace: ClassVar[list[TraceStep]]
    runs: ClassVar[int]
    steps: ClassVar[int]
    on_progress: ClassVar[Callable[[int, int], None] | None] = None

    def __init__(self) -> None:
        super().__init__()
        cls = type(self)
        self.model = ModelTarget(latency=cls.latency)
        self.target = cls.target_factory()
        self.trace: list[TraceStep] = []
        cls.last_trace = self.trace
        cls.runs += 1
        if cls.on_progress is not None:
            cls.on_progress(cls.runs, cls.steps)

    # --- plumbing ---------------------------------------------------------

    def _note(self, op: str, expected: int | None = None, observed: int | None = None) -> None:
        self.trace.append(TraceStep(op, expected, observed))
        type(self).steps += 1
        for out in self.model.outputs:
            type(self).covered.add(out.transition)
            event(str(out.transition))
        self.model.outputs.clear()

    def _write(self, offset: int, value: int) -> None:
        base = self.instance.mmio_base
        self.model.writel(base + offset, value)
        self.target.writel(base + offset, value)
        self._note(f"write {_reg_name(offset)} {value:#x}")

    def _read(self, offset: int) -> None:
        base = self.instance.mmio_base
        expected = self.model.readl(base + offset)
        observed = self.target.readl(base + offset)
        self._note(f"read {_reg_name(offset)}", expected, observed)
        if expected != observed:
            raise Mismatch(f"read {_reg_name(offset)}: expected {expected:#010x}, "
                           f"observed {observed:#010x}")

    @property
    def busy(self) -> bool:
        return self.model.state.bio.busy

    # --- setup ----------------------------------------------------------

    @initialize(
        contents=st.lists(st.binary(min_size=1, max_size=64), min_size=0, max_size=3),
    )
    def power_on(self, contents: list[bytes]) -> None:
        inst = self.instance
        for t in (self.model, self.target):
            t.machine(inst.ram_size, inst.mmio_base)
            for s in inst.storages:
                t.storage(s.sid, s.size)
        self._note(f"machine {inst.ram_size:#x} {inst.mmio_base:#x}")
        # Seed the first storage and the start of RAM with some non-zero bytes.
        first = inst.storages[0] if inst.storages else None
        offset = 0
        for chunk in contents:
            if first is not None and offset + len(chunk) <= first.size:
                self.model.storage_write(first.sid, offset, chunk)
                self.target.storage_write(first.sid, offset, chunk)
                self._note(f"storage-write {first.sid:#x} {offset:#x} 0x{chunk.hex()}")
            offset += 1000

    # --- meaningful transactions --------------------------------------------

    @rule(
        reset=st.booleans(),
        sid=st.data(),
        block=st.data(),
        count=st.sampled_from(COUNT_VALUES[:5]),
        addr=st.data(),
        command=st.sampled_from([int(Flag.DMA | Flag.READ), int(Flag.DMA | Flag.WRITE),
                                 int(Flag.READ), int(Flag.WRITE)]),
    )
    def transaction(self, reset: bool, sid: st.DataObject, block: st.DataObject, count: int,
                    addr: st.DataObject, command: int) -> None:
        """A whole driver sequence: SRST, SID, BLOCK, COUNT, ADDR, command, STATUS."""
        inst = self.instance
        if reset:
            self._write(Reg.STATUS, Flag.SRST)
        self._write(Reg.SID, sid.draw(st.sampled_from(inst.sids() + inst.unknown_sids()[:1])))
        self._write(Reg.BLOCK, block.draw(st.sampled_from(inst.interesting_blocks())))
        self._write(Reg.COUNT, count)
        self._write(Reg.ADDR, addr.draw(st.sampled_from(inst.interesting_addrs())))
        self._write(Reg.STATUS, command)
        self._read(Reg.STATUS)

    @rule(value=st.sampled_from(STATUS_VALUES) | U32)
    def write_status(self, value: int) -> None:
        self._write(Reg.STATUS, value)

    @rule(data=st.data())
    def write_sid(self, data: st.DataObject) -> None:
        inst = self.instance
        self._write(Reg.SID, data.draw(st.sampled_from(inst.sids() + inst.unknown_sids()) | U32))

    @rule(data=st.data())
    def write_block(self, data: st.DataObject) -> None:
        self._write(Reg.BLOCK, data.draw(st.sampled_from(self.instance.interesting_blocks()) | U32))

    @rule(value=st.sampled_from(COUNT_VALUES) | U32)
    def write_count(self, value: int) -> None:
        self._write(Reg.COUNT, value)

    @rule(data=st.data())
    def write_addr(self, data: st.DataObject) -> None:
        self._write(Reg.ADDR, data.draw(st.sampled_from(self.instance.interesting_addrs()) | U32))

    @rule()
    def read_status(self) -> None:
        self._read(Reg.STATUS)

    @rule(n=st.integers(min_value=1, max_value=300))
    def read_data_burst(self, n: int) -> None:
        """``n`` DATA reads in a row: through the read buffer and past its end."""
        for _ in range(n):
            self._read(Reg.DATA)

    @rule(first=U32, n=st.integers(min_value=1, max_value=300))
    def write_data_burst(self, first: int, n: int) -> None:
        """``n`` DATA writes in a row: into the staging buffer and past its end."""
        for i in range(n):
            self._write(Reg.DATA, (first + i * 0x01010101) & U32_MASK)

    # --- anything at all ----------------------------------------------------

    @rule(offset=st.integers(min_value=0, max_value=PAGE_SIZE - 1), value=U32)
    def random_write(self, offset: int, value: int) -> None:
        self._write(offset, value)

    @rule(offset=st.integers(min_value=0, max_value=PAGE_SIZE - 1))
    def random_read(self, offset: int) -> None:
        self._read(offset)

    # --- time and the host ------------------------------------------------------

    @precondition(lambda self: self.latency > 0)
    @rule(n=st.integers(min_value=1, max_value=3))
    def clock_step(self, n: int) -> None:
        for _ in range(n):
            self.model.clock_step()
            self.target.clock_step()
            self._note("clock_step")

    @precondition(lambda self: not self.busy)
    @rule(data=st.data(), payload=st.binary(min_size=1, max_size=64))
    def host_write_ram(self, data: st.DataObject, payload: bytes) -> None:
        """The host puts bytes in RAM (outside any command), e.g. for a DMA write."""
        inst = self.instance
        spans = [(0, inst.mmio_base), (inst.mmio_base + PAGE_SIZE, inst.ram_size)]
        lo, hi = data.draw(st.sampled_from([s for s in spans if s[1] - s[0] >= len(payload)]))
        addr = data.draw(st.integers(min_value=lo, max_value=hi - len(payload)))
        self.model.write(addr, payload)
        self.target.write(addr, payload)
        self._note(f"write {addr:#x} {len(payload):#x} 0x{payload.hex()}")

    # --- invariants -----------------------------------------------------------

    @invariant()
    def states_agree(self) -> None:
        """White box: the abstraction of the implementation equals the model."""
        abstraction = type(self).white_box
        if abstraction is None or not self.trace:
            return
        observed = abstraction(self.target)
        expected = self.model.state
        if observed != expected:
            raise Mismatch(describe_difference(expected, observed))

    def teardown(self) -> None:
        self.target.close()


def describe_difference(expected: MachineState, observed: MachineState) -> str:
    """One line per field where the two states differ."""
    lines: list[str] = []
    for name in expected.bio.__slots__:
        e, o = getattr(expected.bio, name), getattr(observed.bio, name)
        if e != o:
            lines.append(f"bio.{name}: model {_short(e)}, implementation {_short(o)}")
    if expected.ram != observed.ram:
        first = next(i for i, (a, b) in enumerate(zip(expected.ram, observed.ram, strict=False))
                     if a != b) if len(expected.ram) == len(observed.ram) else 0
        lines.append(f"RAM differs (first at {first:#x})")
    if expected.storages != observed.storages:
        lines.append("storage contents differ")
    return "state mismatch: " + "; ".join(lines)


def _short(value: object) -> str:
    if isinstance(value, bytes):
        return f"<{len(value)} bytes {value[:8].hex()}...>" if len(value) > 8 else value.hex()
    if isinstance(value, int) and not isinstance(value, bool):
        return hex(value)
    return repr(value)


def _reg_name(offset: int) -> str:
    try:
        return Reg(offset).name
    except ValueError:
        return f"{offset:#04x}"


def lockstep_machine(
    target_factory: Callable[[], Target],
    *,
    instance: Instance | None = None,
    latency: int = 0,
    white_box: bool = False,
    name: str = "Lockstep",
) -> type[LockstepMachine]:
    """A fresh ``LockstepMachine`` subclass bound to one target and instance."""
    attrs: dict[str, object] = {
        "instance": instance or Instance(),
        "latency": latency,
        "target_factory": staticmethod(target_factory),
        "white_box": staticmethod(abstract) if white_box else None,
        "covered": set(),
        "last_trace": [],
        "runs": 0,
        "steps": 0,
    }
    return type(name, (LockstepMachine,), attrs)
