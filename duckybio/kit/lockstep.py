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

from ..model import BioState, Command, MachineState, Transition
from ..spec import wire
from ..spec.regmap import BLOCK_SIZE, GUEST_SETTABLE, PAGE_SIZE, RESERVED_START, U32_MASK, Flag, Reg
from .abstraction import abstract
from .errors import Mismatch, TargetBroken, TargetCrashed
from .instance import Instance
from .model_target import ModelTarget
from .replay import execute
from .target import Target
from .trace import Step

U32 = st.integers(min_value=0, max_value=U32_MASK)

#: Every combination of the guest-settable STATUS bits.
STATUS_COMBOS = [v for v in range(GUEST_SETTABLE + 1) if v & ~GUEST_SETTABLE == 0]
#: The combinations, plus values with the read-only bits set.
STATUS_VALUES = [*STATUS_COMBOS, U32_MASK, int(Flag.RDY | Flag.ERR | Flag.BUSY),
                 int(Flag.READ | Flag.BUSY)]
COUNT_VALUES = [0, 1, 2, 3, 4, U32_MASK, 1 << 22]






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
        #: Whether Hypothesis runs this machine (False when a trace is replayed).
        self.in_test = True
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
        cls = type(self)
        line = wire.format_command(command)
        self.trace.append((line, expected if compare else None))
        cls.steps += 1
        try:
            observed = wire.format_answer(execute(self.target, command))
        except TargetBroken as exc:
            raise self._gone(exc) from None
        for out in self.model.outputs:
            if out.transition not in self.seen:
                self.seen.add(out.transition)
                cls.covered.add(out.transition)
                if self.in_test:
                    event(str(out.transition))
        self.model.outputs.clear()
        if compare and observed != expected and not Step(command=line, expect=expected).matches(
                observed):
            raise Mismatch(f"{line}: expected {expected}, observed {observed}")
        return expected

    def _write(self, offset: int, value: int) -> None:
        before = self.model.state.bio
        self._do(wire.Writel(self.instance.mmio_base + offset, value))
        if not before.busy and self.busy:
            self.busy_steps = 0
        if offset == Reg.STATUS and type(self).white_box is None:
            self._sync(before, starts=bool(value & (Flag.READ | Flag.WRITE)))

    def _read(self, offset: int) -> None:
        self._do(wire.Readl(self.instance.mmio_base + offset))

    def _sync(self, before: BioState, *, starts: bool = False) -> None:
        """Black box, after a STATUS write or a clock step: read STATUS and compare.

        Without ``exact_latency`` the model completes its command when the
        target has left BUSY.  When a command has just ended, the bytes it may
        have changed are compared too.
        """
        addr = self.instance.mmio_base + Reg.STATUS
        line = wire.format_command(wire.Readl(addr))
        try:
            observed = self.target.readl(addr)
        except TargetBroken as exc:
            self.trace.append((line, None))
            raise self._gone(exc) from None
        if not self.exact_latency and self.busy and not observed & Flag.BUSY:
            self.model.complete()
        expected = self.model.readl(addr)
        self.trace.append((line, wire.format_answer(wire.ok_number(expected))))
        type(self).steps += 1
        if observed != expected:
            raise Mismatch(f"{line}: expected {expected:#x}, observed {observed:#x}")
        if self.busy:
            if self.busy_steps >= self.busy_bound:
                raise Mismatch(f"command still BUSY after {self.busy_steps} clock steps "
                               f"(bound {self.busy_bound})")
        elif before.busy or starts:
            self._compare_effects(before.command or before)

    def _compare_effects(self, latched: Command | BioState) -> None:
        """After a command ended: its storage, and its DMA range in RAM."""
        data = self.model.state.storage(latched.sid)
        if latched.sid is None or data is None:
            return
        self._do(wire.StorageRead(latched.sid, 0, len(data)))
        length = latched.count * BLOCK_SIZE
        if latched.dma and length > 0 and self.model.config.is_ram_range(latched.addr, length):
            self._do(wire.Read(latched.addr, length))

    def _gone(self, exc: TargetBroken) -> BaseException:
        """A crash (the process exited) is shrunk; a hang or nonsense stops the run."""
        self.gone = True
        if getattr(self.target, "crashed", False):
            return TargetCrashed(f"target crashed: {exc}")
        return TargetGone(exc)

    @property
    def busy(self) -> bool:
        return self.model.state.bio.busy

    # --- setup ----------------------------------------------------------

    @initialize()
    def power_on(self) -> None:
        """Power on; fill every storage and RAM with distinct, non-repeating bytes.

        The contents are fixed, not drawn, so that shrinking cannot zero them:
        a wrong block, address, byte order or cursor shows in the first word.
        """
        inst = self.instance
        self._do(wire.Machine(inst.ram_size, inst.mmio_base))
        for shape in inst.storages:
            self._do(wire.Storage(shape.sid, shape.size))
            if shape.size:
                self._do(wire.StorageWrite(shape.sid, 0, pattern(shape.size, shape.sid)))
        self._do(wire.Write(0, pattern(inst.mmio_base, 0x5A)))
        upper = inst.mmio_base + PAGE_SIZE
        if upper < inst.ram_size:
            self._do(wire.Write(upper, pattern(inst.ram_size - upper, 0xA5)))

    # --- meaningful transactions --------------------------------------------

    @rule(
        reset=st.booleans(),
        sid=st.data(),
        block=st.data(),
        count=st.sampled_from(COUNT_VALUES[:5]),
        addr=st.data(),
        command=st.sampled_from([int(Flag.DMA | Flag.READ), int(Flag.DMA | Flag.WRITE),
                                 int(Flag.READ), int(Flag.WRITE)]),
        wait=st.booleans(),
    )
    def transaction(self, reset: bool, sid: st.DataObject, block: st.DataObject, count: int,
                    addr: st.DataObject, command: int, wait: bool) -> None:
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
        if wait:
            self._wait()

    @rule(data=st.data(), reset=st.booleans(), dma=st.booleans(), write=st.booleans(),
          words=st.integers(min_value=0, max_value=1024), stale=st.booleans())
    def valid_transaction(self, data: st.DataObject, reset: bool, dma: bool, write: bool,
                          words: int, stale: bool) -> None:
        """A command that succeeds: a real storage, blocks in range, ADDR in RAM.

        A PIO write first stages ``words`` words (at most the capacity); a PIO
        read is followed by DATA reads through the read buffer.  With
        ``stale``, a word is staged before a second COUNT write empties W.
        """
        inst = self.instance
        shape = data.draw(st.sampled_from(inst.storages))
        blocks = shape.size // BLOCK_SIZE
        count = data.draw(st.integers(min_value=0, max_value=min(blocks, 3)))
        block = data.draw(st.integers(min_value=0, max_value=blocks - count))
        length = count * BLOCK_SIZE
        spans = [(lo, hi) for lo, hi in ((0, inst.mmio_base), (inst.mmio_base + PAGE_SIZE,
                                                                inst.ram_size))
                 if hi - lo >= length]
        lo, hi = data.draw(st.sampled_from(spans))
        addr = data.draw(st.integers(min_value=lo, max_value=hi - length))
        if reset:
            self._write(Reg.STATUS, Flag.SRST)
        self._write(Reg.SID, shape.sid)
        self._write(Reg.BLOCK, block)
        if stale:  # words staged before a COUNT write are dropped
            self._write(Reg.COUNT, count)
            self._write(Reg.DATA, 0xDEADBEEF)
        self._write(Reg.COUNT, count)
        self._write(Reg.ADDR, addr)
        if write and not dma:
            for i in range(min(words, length // 4)):
                self._write(Reg.DATA, (0x01020304 * (i + 1)) & U32_MASK)
        command = (Flag.WRITE if write else Flag.READ) | (Flag.DMA if dma else 0)
        self._write(Reg.STATUS, command)
        self._read(Reg.STATUS)
        self._wait()
        if not write and not dma:
            for _ in range(min(words, length // 4 + 1)):
                self._read(Reg.DATA)

    @rule(data=st.data(), write=st.booleans())
    def dma_out_of_ram(self, data: st.DataObject, write: bool) -> None:
        """A DMA command that is right in every way but its RAM range.

        The range touches the MMIO page (by a word at either edge, or from
        inside) or runs past the end of RAM, by as little as one word.
        """
        inst = self.instance
        shape = data.draw(st.sampled_from([s for s in inst.storages if s.size >= BLOCK_SIZE]))
        count = data.draw(st.integers(min_value=1, max_value=min(shape.size // BLOCK_SIZE, 3)))
        length = count * BLOCK_SIZE
        base, end = inst.mmio_base, inst.ram_size
        addr = data.draw(st.sampled_from([
            base - length + 4, base - 4, base, base + 4, base + PAGE_SIZE - 4,
            end - length + 4, end, end + PAGE_SIZE,
        ]))
        self._write(Reg.STATUS, Flag.SRST)
        self._write(Reg.SID, shape.sid)
        self._write(Reg.BLOCK, 0)
        self._write(Reg.COUNT, count)
        self._write(Reg.ADDR, addr & U32_MASK)
        self._write(Reg.STATUS, Flag.DMA | (Flag.WRITE if write else Flag.READ))
        self._read(Reg.STATUS)
        self._wait()

    @rule(value=st.sampled_from(STATUS_VALUES))
    def write_status(self, value: int) -> None:
        self._write(Reg.STATUS, value)

    @rule(phase=st.sampled_from(["RDY", "ERR", "RDY|ERR"]), fail=st.booleans())
    def status_sweep(self, phase: str, fail: bool) -> None:
        """Every combination of the settable STATUS bits, each from ``phase``.

        Before each write the controller is brought to ``phase`` (SRST, an
        unknown SID for ERR, a successful empty read after it for RDY|ERR), a
        storage is selected and one word is staged; ``fail`` puts BLOCK past
        the end so that commands fail.
        """
        inst = self.instance
        shape = max(inst.storages, key=lambda s: s.size)
        for value in STATUS_COMBOS:
            self._write(Reg.STATUS, Flag.SRST)
            if phase != "RDY":
                self._write(Reg.SID, inst.unknown_sids()[0])
            if phase != "ERR":
                self._write(Reg.SID, shape.sid)
            if phase == "RDY|ERR":
                self._write(Reg.STATUS, Flag.READ)
                self._wait()
                if value == 0:  # the staging buffer's capacity is 0 here
                    self._write(Reg.DATA, value)
                    self._write(Reg.STATUS, Flag.READ)
                    self._wait()
                self._write(Reg.SID, shape.sid)
            self._write(RESERVED_START, value)
            self._write(Reg.BLOCK, U32_MASK if fail else 0)
            self._write(Reg.COUNT, 1)
            self._write(Reg.DATA, value)
            self._write(Reg.STATUS, value)
            self._read(Reg.STATUS)
            self._wait()

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

    @rule(n=st.integers(min_value=1, max_value=80))
    def read_data_burst(self, n: int) -> None:
        """``n`` DATA reads in a row: through the read buffer and past its end."""
        for _ in range(n):
            self._read(Reg.DATA)

    @rule(first=U32, n=st.integers(min_value=1, max_value=80))
    def write_data_burst(self, first: int, n: int) -> None:
        """``n`` DATA writes in a row: into the staging buffer and past its end."""
        for i in range(n):
            self._write(Reg.DATA, (first + i * 0x01010101) & U32_MASK)

    # --- anything at all ----------------------------------------------------

    @rule(offset=st.sampled_from([0, 4, 8, 12, 16, 20]) | st.integers(min_value=0,
                                                                      max_value=PAGE_SIZE - 1),
          value=U32)
    def random_write(self, offset: int, value: int) -> None:
        self._write(offset, value)

    @rule(offset=st.integers(min_value=0, max_value=PAGE_SIZE - 1))
    def random_read(self, offset: int) -> None:
        self._read(offset)

    # --- time and the host ------------------------------------------------------

    @rule(n=st.integers(min_value=1, max_value=3))
    def clock_step(self, n: int) -> None:
        for _ in range(n):
            self._tick()

    def _tick(self) -> None:
        before = self.model.state.bio
        if before.busy:
            self.busy_steps += 1
        self._do(wire.ClockStep(), compare=False)
        if type(self).white_box is None:
            self._sync(before)

    def _wait(self) -> None:
        """Poll like a driver: step the clock while the command is BUSY (bounded)."""
        for _ in range(max(self.latency, self.busy_bound) + 1):
            if not self.busy:
                return
            self._tick()
            self._read(Reg.STATUS)

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
            self.final_compare()
        finally:
            self.release()

    def final_compare(self) -> None:
        """All of RAM and every storage, when no command is in flight."""
        if self.trace and not self.busy and not self.gone:
            self._do(wire.Read(0, self.instance.mmio_base))
            upper = self.instance.mmio_base + PAGE_SIZE
            if upper < self.instance.ram_size:
                self._do(wire.Read(upper, self.instance.ram_size - upper))
            for sid, data in self.model.state.storages:
                self._do(wire.StorageRead(sid, 0, len(data)))

    def release(self) -> None:
        """Let the target go."""
        try:
            self.target.close()
        except TargetBroken as exc:
            raise TargetGone(exc) from None


def pattern(length: int, salt: int) -> bytes:
    """``length`` bytes in which no aligned 4-byte word repeats."""
    words = ((i * 0x9E3779B1 + salt * 0x85EBCA77) & U32_MASK for i in range((length + 3) // 4))
    return b"".join(w.to_bytes(4, "little") for w in words)[:length]


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
    return abstract
