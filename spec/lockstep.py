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
from typing import ClassVar

from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from ..model import Command, MachineState, Transition
from . import wire
from .instance import Instance
from .model_target import ModelTarget
from .regmap import BLOCK_SIZE, GUEST_SETTABLE, PAGE_SIZE, U32_MASK, Flag, Reg
from .replay import execute
from .target import Target, TargetBroken
from .trace import Step

U32 = st.integers(min_value=0, max_value=U32_MASK)

#: STATUS values a driver writes, plus the odd ones.
STATUS_VALUES = [
    int(Flag.SRST), int(Flag.DMA | Flag.READ), int(Flag.DMA | Flag.WRITE), int(Flag.READ),
    int(Flag.WRITE), int(Flag.READ | Flag.WRITE), int(Flag.DMA), 0,
    int(Flag.SRST | Flag.DMA | Flag.READ), int(Flag.SRST | Flag.WRITE), GUEST_SETTABLE,
]
COUNT_VALUES = [0, 1, 2, 3, 4, U32_MASK, 1 << 22]


class Mismatch(AssertionError):
    """The target disagrees with the model."""


class TargetGone(BaseException):
    """The target broke (crash, hang, nonsense): stop at once, nothing to shrink.

    A ``BaseException`` so that Hypothesis does not take it for a failing
    example and start shrinking against a dead process.
    """

    def __init__(self, broken: TargetBroken) -> None:
        super().__init__(str(broken))
        self.broken = broken


#: Model latency that never ends by itself: completion follows the target.
OPEN_LATENCY = 1 << 40


class LockstepMachine(RuleBasedStateMachine):
    """Drive the model and a target with the same operations; compare after each.

    Subclasses (see :func:`lockstep_machine`) set the class attributes.  With
    ``exact_latency`` the model completes a command after exactly ``latency``
    clock steps, as the reference implementation does.  Otherwise the model
    follows the target: after every STATUS write and clock step the harness
    reads STATUS, and when the target has left BUSY the model completes its
    command too; a command still BUSY after ``busy_bound`` clock steps is a
    nonconformance.  Bytes the spec leaves open (while BUSY) are never compared.
    """

    instance: ClassVar[Instance] = Instance()
    latency: ClassVar[int] = 0
    exact_latency: ClassVar[bool] = True
    busy_bound: ClassVar[int] = 0
    target_factory: ClassVar[Callable[[], Target]]
    white_box: ClassVar[Callable[[Target], MachineState] | None] = None
    #: Every transition class the model took, over all runs of this class.
    covered: ClassVar[set[Transition]]
    #: The steps of the run in progress (after a failure: of the failing run).
    last_trace: ClassVar[list[tuple[str, str | None]]]
    last_target: ClassVar[Target | None] = None
    runs: ClassVar[int]
    steps: ClassVar[int]
    on_progress: ClassVar[Callable[[int, int], None] | None] = None

    def __init__(self) -> None:
        super().__init__()
        cls = type(self)
        self.model = ModelTarget(latency=cls.latency if cls.exact_latency else OPEN_LATENCY)
        #: (command line, model's answer or None) per operation; see :meth:`steps`.
        self.trace: list[tuple[str, str | None]] = []
        cls.last_trace = self.trace
        self.busy_steps = 0
        self.gone = False
        self.seen: set[Transition] = set()
        cls.runs += 1
        if cls.on_progress is not None:
            cls.on_progress(cls.runs, cls.steps)
        try:
            self.target = cls.target_factory()
        except TargetBroken as exc:
            raise TargetGone(exc) from None
        cls.last_target = self.target

    # --- plumbing ---------------------------------------------------------

    def _do(self, command: wire.Command, *, compare: bool = True) -> str:
        """Send ``command`` to both; record it; compare answers; the model's answer."""
        expected = wire.format_answer(execute(self.model, command))
        try:
            observed = wire.format_answer(execute(self.target, command))
        except TargetBroken as exc:
            raise self._gone(exc) from None
        cls = type(self)
        line = wire.format_command(command)
        step = (line, expected if compare else None)
        self.trace.append(step)
        cls.steps += 1
        for out in self.model.outputs:
            if out.transition not in self.seen:
                self.seen.add(out.transition)
                cls.covered.add(out.transition)
                event(str(out.transition))
        self.model.outputs.clear()
        if compare and observed != expected and not Step(command=line, expect=expected).matches(
                observed):
            raise Mismatch(f"{line}: expected {expected}, observed {observed}")
        return expected

    def _write(self, offset: int, value: int) -> None:
        idle = not self.busy
        self._do(wire.Writel(self.instance.mmio_base + offset, value))
        if idle and self.busy:
            self.busy_steps = 0
        if offset == Reg.STATUS and not self.exact_latency:
            self._sync()

    def _read(self, offset: int) -> None:
        self._do(wire.Readl(self.instance.mmio_base + offset))

    def _sync(self) -> None:
        """Read STATUS; let the model complete when the target has completed."""
        addr = self.instance.mmio_base + Reg.STATUS
        was_busy = self.busy
        try:
            observed = self.target.readl(addr)
        except TargetBroken as exc:
            raise self._gone(exc) from None
        if was_busy and not observed & Flag.BUSY:
            command = self.model.state.bio.command
            self.model.complete()
            self._compare_effects(command)
        expected = self.model.readl(addr)
        line = wire.format_command(wire.Readl(addr))
        self.trace.append((line, wire.format_answer(wire.ok_number(expected))))
        type(self).steps += 1
        if observed != expected:
            raise Mismatch(f"{line}: expected {expected:#x}, observed {observed:#x}")
        if self.busy and self.busy_steps >= self.busy_bound:
            raise Mismatch(f"command still BUSY after {self.busy_steps} clock steps "
                           f"(bound {self.busy_bound})")

    def _compare_effects(self, command: Command | None) -> None:
        """After a completion: the storage and the DMA range it may have changed."""
        if command is None or self.model.state.storage(command.sid) is None:
            return
        assert command.sid is not None
        size = len(self.model.state.storage(command.sid) or b"")
        self._do(wire.StorageRead(command.sid, 0, size))
        length = command.count * BLOCK_SIZE
        if command.dma and length > 0 and self.model.config.is_ram_range(command.addr, length):
            self._do(wire.Read(command.addr, length))

    def _gone(self, exc: TargetBroken) -> TargetGone:
        self.gone = True
        return TargetGone(exc)

    @property
    def busy(self) -> bool:
        return self.model.state.bio.busy

    # --- setup ----------------------------------------------------------

    @initialize(
        contents=st.lists(st.binary(min_size=1, max_size=64), min_size=0, max_size=3),
    )
    def power_on(self, contents: list[bytes]) -> None:
        inst = self.instance
        self._do(wire.Machine(inst.ram_size, inst.mmio_base))
        for shape in inst.storages:
            self._do(wire.Storage(shape.sid, shape.size))
        # Seed the first storage and the start of RAM with some non-zero bytes.
        first = inst.storages[0] if inst.storages else None
        offset = 0
        for chunk in contents:
            if first is not None and offset + len(chunk) <= first.size:
                self._do(wire.StorageWrite(first.sid, offset, chunk))
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

    @precondition(lambda self: self.latency > 0 or self.busy_bound > 0)
    @rule(n=st.integers(min_value=1, max_value=3))
    def clock_step(self, n: int) -> None:
        for _ in range(n):
            if self.busy:
                self.busy_steps += 1
            self._do(wire.ClockStep(), compare=False)
            if not self.exact_latency:
                self._sync()

    @precondition(lambda self: not self.busy)
    @rule(data=st.data(), payload=st.binary(min_size=1, max_size=64))
    def host_write_ram(self, data: st.DataObject, payload: bytes) -> None:
        """The host puts bytes in RAM (outside any command), e.g. for a DMA write."""
        inst = self.instance
        spans = [(0, inst.mmio_base), (inst.mmio_base + PAGE_SIZE, inst.ram_size)]
        lo, hi = data.draw(st.sampled_from([s for s in spans if s[1] - s[0] >= len(payload)]))
        addr = data.draw(st.integers(min_value=lo, max_value=hi - len(payload)))
        self._do(wire.Write(addr, payload))

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
        """Compare all of RAM and every storage (when idle), then let the target go."""
        try:
            if self.trace and not self.busy and not self.gone:
                self._do(wire.Read(0, self.instance.mmio_base))
                upper = self.instance.mmio_base + PAGE_SIZE
                if upper < self.instance.ram_size:
                    self._do(wire.Read(upper, self.instance.ram_size - upper))
                for sid, data in self.model.state.storages:
                    self._do(wire.StorageRead(sid, 0, len(data)))
        finally:
            try:
                self.target.close()
            except TargetBroken as exc:
                raise TargetGone(exc) from None


def as_steps(trace: list[tuple[str, str | None]]) -> list[Step]:
    """The recorded operations as trace steps."""
    return [Step(command=line, expect=expect) for line, expect in trace]


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


def lockstep_machine(
    target_factory: Callable[[], Target],
    *,
    instance: Instance | None = None,
    latency: int = 0,
    white_box: bool = False,
    exact_latency: bool = True,
    busy_bound: int = 0,
    name: str = "Lockstep",
) -> type[LockstepMachine]:
    """A fresh ``LockstepMachine`` subclass bound to one target and instance."""
    attrs: dict[str, object] = {
        "instance": instance or Instance(),
        "latency": latency,
        "exact_latency": exact_latency,
        "busy_bound": busy_bound,
        "target_factory": staticmethod(target_factory),
        "white_box": staticmethod(_abstraction()) if white_box else None,
        "covered": set(),
        "last_trace": [],
        "runs": 0,
        "steps": 0,
    }
    return type(name, (LockstepMachine,), attrs)


def _abstraction() -> Callable[[Target], MachineState]:
    from .abstraction import abstract  # needs the reference implementation

    return abstract
