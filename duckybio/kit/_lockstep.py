"""Lockstep check: the Hypothesis rules that generate MMIO sequences.

:class:`LockstepMachine` is a Hypothesis ``RuleBasedStateMachine`` whose
rules drive a :class:`~._harness.Harness` (which compares the model and the
target after every operation).  The rules are biased toward meaningful
transactions (a whole driver sequence, register values at and around every
boundary) and also include fully random accesses (any offset of the page,
any u32).  After every rule the white-box invariant compares the whole
state; at the end of every sequence all of RAM and every storage are
compared.  :func:`lockstep_class` binds the machine to one run.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from ..spec import wire
from ..spec.regmap import BLOCK_SIZE, GUEST_SETTABLE, PAGE_SIZE, RESERVED_START, U32_MASK, Flag, Reg
from ._edges import host_edges, wide
from ._harness import Harness
from ._runlog import HarnessConfig, RunLog

U32 = st.integers(min_value=0, max_value=U32_MASK)

#: Every combination of the guest-settable STATUS bits.
STATUS_COMBOS = [v for v in range(GUEST_SETTABLE + 1) if v & ~GUEST_SETTABLE == 0]
#: The combinations, plus values with the read-only bits set.
STATUS_VALUES = [*STATUS_COMBOS, U32_MASK, int(Flag.RDY | Flag.ERR | Flag.BUSY),
                 int(Flag.READ | Flag.BUSY)]
COUNT_VALUES = [0, 1, 2, 3, 4, U32_MASK, 1 << 22]
#: NS arguments of a clock step (advisory, clarification 6); ``None``: none.
CLOCK_NS = [None, None, 0, 1, 1000]
#: What happens between a successful PIO read and the DATA accesses of ``data_flow``.
DATA_FLOW_AFTER = ["none", "fail-block", "fail-sid", "fail-dma", "srst", "count"]


class LockstepMachine(RuleBasedStateMachine):
    """One generated sequence of rules, carried out by ``harness``.

    Hypothesis instantiates it with no arguments: use :func:`lockstep_class`.
    """

    def __init__(self, harness: Harness) -> None:
        super().__init__()
        self.harness = harness

    @initialize()
    def power_on(self) -> None:
        """Power on and fill every storage and RAM (see :meth:`Harness.power_on`)."""
        self.harness.power_on()

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
        """A whole driver sequence: SRST, SID, BLOCK, COUNT, ADDR, command, STATUS.

        After a command that failed, one DATA read: R must be empty (R-CMD-6).
        """
        h = self.harness
        inst = h.instance
        if reset:
            h.write(Reg.STATUS, Flag.SRST)
        h.write(Reg.SID, sid.draw(st.sampled_from(inst.sids() + inst.unknown_sids()[:1])))
        h.write(Reg.BLOCK, block.draw(st.sampled_from(inst.interesting_blocks())))
        h.write(Reg.COUNT, count)
        h.write(Reg.ADDR, addr.draw(st.sampled_from(inst.interesting_addrs())))
        h.write(Reg.STATUS, command)
        h.read(Reg.STATUS)
        if wait:
            h.wait()
        if not h.busy and not h.flags & Flag.RDY:
            h.read(Reg.DATA)  # a failed command emptied R (R-CMD-6)

    @rule(data=st.data(), reset=st.booleans(), dma=st.booleans(), write=st.booleans(),
          words=st.integers(min_value=0, max_value=1024), stale=st.booleans())
    def valid_transaction(self, data: st.DataObject, reset: bool, dma: bool, write: bool,
                          words: int, stale: bool) -> None:
        """A command that succeeds: a real storage, blocks in range, ADDR in RAM.

        A PIO write first stages ``words`` words (at most the capacity); a PIO
        read is followed by DATA reads through the read buffer.  With
        ``stale``, a word is staged before a second COUNT write empties W.
        """
        h = self.harness
        inst = h.instance
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
            h.write(Reg.STATUS, Flag.SRST)
        h.write(Reg.SID, shape.sid)
        h.write(Reg.BLOCK, block)
        if stale:  # words staged before a COUNT write are dropped
            h.write(Reg.COUNT, count)
            h.write(Reg.DATA, 0xDEADBEEF)
        h.write(Reg.COUNT, count)
        h.write(Reg.ADDR, addr)
        if write and not dma:
            for i in range(min(words, length // 4)):
                h.write(Reg.DATA, (0x01020304 * (i + 1)) & U32_MASK)
        command = (Flag.WRITE if write else Flag.READ) | (Flag.DMA if dma else 0)
        h.write(Reg.STATUS, command)
        h.read(Reg.STATUS)
        h.wait()
        if not write and not dma:
            for _ in range(min(words, length // 4 + 1)):
                h.read(Reg.DATA)

    @rule(data=st.data(), after=st.sampled_from(DATA_FLOW_AFTER),
          reads=st.integers(min_value=0, max_value=4), writes=st.integers(min_value=0, max_value=3),
          command=st.sampled_from([None, int(Flag.WRITE), int(Flag.READ)]))
    def data_flow(self, data: st.DataObject, after: str, reads: int, writes: int,
                  command: int | None) -> None:
        """DATA after a PIO read: after a later failure (E14), SRST, COUNT, or nothing.

        A PIO read of one block succeeds, one word is read, then ``after``
        happens; then ``reads`` DATA reads, ``writes`` DATA writes and
        ``command`` (a PIO write or read of the same block, or none).
        """
        h = self.harness
        inst = h.instance
        shape = max(inst.storages, key=lambda s: s.size)
        block = data.draw(st.integers(min_value=0, max_value=shape.size // BLOCK_SIZE - 1))
        h.write(Reg.SID, shape.sid)
        h.write(Reg.BLOCK, block)
        h.write(Reg.COUNT, 1)
        h.write(Reg.STATUS, Flag.READ)
        h.wait()
        h.read(Reg.DATA)
        if after.startswith("fail"):
            if after == "fail-sid":
                h.write(Reg.SID, inst.unknown_sids()[0])
            elif after == "fail-dma":
                h.write(Reg.ADDR, inst.ram_size)
            else:
                h.write(Reg.BLOCK, U32_MASK)
            h.write(Reg.STATUS, Flag.READ | (Flag.DMA if after == "fail-dma" else 0))
            h.wait()
        elif after == "srst":
            h.write(Reg.STATUS, Flag.SRST)
        elif after == "count":
            h.write(Reg.COUNT, 1)
        for _ in range(reads):
            h.read(Reg.DATA)
        for i in range(writes):
            h.write(Reg.DATA, 0x0BADF00D + i)
        if command is not None:
            h.write(Reg.SID, shape.sid)
            h.write(Reg.BLOCK, block)
            h.write(Reg.STATUS, command)
            h.wait()
            h.read(Reg.DATA)

    @rule(data=st.data(), write=st.booleans())
    def dma_out_of_ram(self, data: st.DataObject, write: bool) -> None:
        """A DMA command that is right in every way but its RAM range.

        The range touches the MMIO page (by a word at either edge, or from
        inside) or runs past the end of RAM, by as little as one word.
        """
        h = self.harness
        inst = h.instance
        shape = data.draw(st.sampled_from([s for s in inst.storages if s.size >= BLOCK_SIZE]))
        count = data.draw(st.integers(min_value=1, max_value=min(shape.size // BLOCK_SIZE, 3)))
        length = count * BLOCK_SIZE
        base, end = inst.mmio_base, inst.ram_size
        addr = data.draw(st.sampled_from([
            base - length + 4, base - 4, base, base + 4, base + PAGE_SIZE - 4,
            end - length + 4, end, end + PAGE_SIZE,
        ]))
        h.write(Reg.STATUS, Flag.SRST)
        h.write(Reg.SID, shape.sid)
        h.write(Reg.BLOCK, 0)
        h.write(Reg.COUNT, count)
        h.write(Reg.ADDR, addr & U32_MASK)
        h.write(Reg.STATUS, Flag.DMA | (Flag.WRITE if write else Flag.READ))
        h.read(Reg.STATUS)
        h.wait()

    @rule(value=st.sampled_from(STATUS_VALUES))
    def write_status(self, value: int) -> None:
        self.harness.write(Reg.STATUS, value)

    @rule(phase=st.sampled_from(["RDY", "ERR", "RDY|ERR"]), fail=st.booleans())
    def status_sweep(self, phase: str, fail: bool) -> None:
        """Every combination of the settable STATUS bits, each from ``phase``.

        Before each write the controller is brought to ``phase`` (SRST, an
        unknown SID for ERR, a successful empty read after it for RDY|ERR), a
        storage is selected and one word is staged; ``fail`` puts BLOCK past
        the end so that commands fail.
        """
        h = self.harness
        inst = h.instance
        shape = max(inst.storages, key=lambda s: s.size)
        for value in STATUS_COMBOS:
            h.write(Reg.STATUS, Flag.SRST)
            if phase != "RDY":
                h.write(Reg.SID, inst.unknown_sids()[0])
            if phase != "ERR":
                h.write(Reg.SID, shape.sid)
            if phase == "RDY|ERR":
                h.write(Reg.STATUS, Flag.READ)
                h.wait()
                if value == 0:  # the staging buffer's capacity is 0 here
                    h.write(Reg.DATA, value)
                    h.write(Reg.STATUS, Flag.READ)
                    h.wait()
                h.write(Reg.SID, shape.sid)
            h.write(RESERVED_START, value)
            h.write(Reg.BLOCK, U32_MASK if fail else 0)
            h.write(Reg.COUNT, 1)
            h.write(Reg.DATA, value)
            h.write(Reg.STATUS, value)
            h.read(Reg.STATUS)
            h.wait()

    @rule(data=st.data())
    def write_sid(self, data: st.DataObject) -> None:
        h = self.harness
        inst = h.instance
        h.write(Reg.SID, data.draw(st.sampled_from(inst.sids() + inst.unknown_sids()) | U32))

    @rule(data=st.data())
    def write_block(self, data: st.DataObject) -> None:
        h = self.harness
        h.write(Reg.BLOCK, data.draw(st.sampled_from(h.instance.interesting_blocks()) | U32))

    @rule(value=st.sampled_from(COUNT_VALUES) | U32)
    def write_count(self, value: int) -> None:
        self.harness.write(Reg.COUNT, value)

    @rule(data=st.data())
    def write_addr(self, data: st.DataObject) -> None:
        h = self.harness
        h.write(Reg.ADDR, data.draw(st.sampled_from(h.instance.interesting_addrs()) | U32))

    @rule()
    def read_status(self) -> None:
        self.harness.read(Reg.STATUS)

    @rule(n=st.integers(min_value=1, max_value=80))
    def read_data_burst(self, n: int) -> None:
        """``n`` DATA reads in a row: through the read buffer and past its end."""
        for _ in range(n):
            self.harness.read(Reg.DATA)

    @rule(first=U32, n=st.integers(min_value=1, max_value=80))
    def write_data_burst(self, first: int, n: int) -> None:
        """``n`` DATA writes in a row: into the staging buffer and past its end."""
        for i in range(n):
            self.harness.write(Reg.DATA, (first + i * 0x01010101) & U32_MASK)

    # --- anything at all ----------------------------------------------------

    @rule(offset=st.sampled_from([0, 4, 8, 12, 16, 20]) | st.integers(min_value=0,
                                                                      max_value=PAGE_SIZE - 1),
          value=U32)
    def random_write(self, offset: int, value: int) -> None:
        self.harness.write(offset, value)

    @rule(offset=st.integers(min_value=0, max_value=PAGE_SIZE - 1))
    def random_read(self, offset: int) -> None:
        self.harness.read(offset)

    # --- time and the host ------------------------------------------------------

    @rule(n=st.integers(min_value=1, max_value=3), ns=st.sampled_from(CLOCK_NS))
    def clock_step(self, n: int, ns: int | None) -> None:
        """``n`` clock steps; their NS argument is advisory (clarification 6)."""
        for _ in range(n):
            self.harness.tick(ns)

    @precondition(lambda self: self.harness.busy)
    @rule()
    def read_outside_busy(self) -> None:
        """While BUSY: every byte the command leaves unchanged is unchanged (R-BSY-6)."""
        self.harness.compare_outside()

    @rule(offset=st.sampled_from([int(r) for r in Reg] + [RESERVED_START]), data=st.data())
    def write_wide(self, offset: int, data: st.DataObject) -> None:
        """A register write of a number with bits above 32: it counts modulo 2**32 (R-WR-1)."""
        inst = self.harness.instance
        values: dict[int, list[int]] = {
            Reg.SID: inst.sids(), Reg.BLOCK: inst.interesting_blocks(),
            Reg.ADDR: inst.interesting_addrs(), Reg.STATUS: STATUS_COMBOS,
        }
        low = data.draw(st.sampled_from(values.get(offset, COUNT_VALUES)))
        self.harness.write(offset, wide(low))

    @precondition(lambda self: not self.harness.busy)
    @rule(data=st.data())
    def host_edge(self, data: st.DataObject) -> None:
        """A host command at an edge of what a target must refuse or accept (section 12)."""
        self.harness.send(data.draw(st.sampled_from(host_edges(self.harness.instance))))

    @precondition(lambda self: not self.harness.busy)
    @rule(data=st.data(), payload=st.binary(min_size=1, max_size=64))
    def host_write_storage(self, data: st.DataObject, payload: bytes) -> None:
        """The host writes a storage (outside any command): what DATA then reads is R as
        the last command transferred it (R-CMD-10)."""
        h = self.harness
        shapes = [s for s in h.instance.storages if s.size >= len(payload)]
        if not shapes:
            return
        shape = data.draw(st.sampled_from(shapes))
        offset = data.draw(st.integers(min_value=0, max_value=shape.size - len(payload)))
        h.send(wire.StorageWrite(shape.sid, offset, payload))

    @rule(data=st.data(), words=st.integers(min_value=1, max_value=3),
          fail=st.sampled_from(["sid", "block", "dma"]), read=st.booleans())
    def w_after_failure(self, data: st.DataObject, words: int, fail: str, read: bool) -> None:
        """Words staged, a command that fails, then a PIO WRITE without a COUNT write:
        the failure emptied W (R-CMD-6)."""
        h = self.harness
        inst = h.instance
        shape = max(inst.storages, key=lambda s: s.size)
        block = data.draw(st.integers(min_value=0, max_value=shape.size // BLOCK_SIZE - 1))
        h.write(Reg.STATUS, Flag.SRST)
        h.write(Reg.SID, shape.sid)
        h.write(Reg.BLOCK, block)
        h.write(Reg.COUNT, 1)
        for i in range(words):
            h.write(Reg.DATA, 0x0A0B0C0D + i)
        if fail == "sid":
            h.write(Reg.SID, inst.unknown_sids()[0])
        elif fail == "block":
            h.write(Reg.BLOCK, U32_MASK)
        else:
            h.write(Reg.ADDR, inst.ram_size)
        command = Flag.READ if read else Flag.WRITE
        h.write(Reg.STATUS, command | (Flag.DMA if fail == "dma" else 0))
        h.wait()
        h.write(Reg.STATUS, Flag.SRST if fail == "dma" else 0)
        h.write(Reg.SID, shape.sid)
        h.write(Reg.BLOCK, block)
        h.write(Reg.STATUS, Flag.WRITE)
        h.wait()

    @precondition(lambda self: not self.harness.busy)
    @rule(data=st.data(), payload=st.binary(min_size=1, max_size=64))
    def host_write_ram(self, data: st.DataObject, payload: bytes) -> None:
        """The host puts bytes in RAM (outside any command), e.g. for a DMA write."""
        h = self.harness
        inst = h.instance
        spans = [(0, inst.mmio_base), (inst.mmio_base + PAGE_SIZE, inst.ram_size)]
        lo, hi = data.draw(st.sampled_from([s for s in spans if s[1] - s[0] >= len(payload)]))
        addr = data.draw(st.integers(min_value=lo, max_value=hi - len(payload)))
        h.send(wire.RamWrite(addr, payload))

    @precondition(lambda self: self.harness.faults and not self.harness.busy)
    @rule(data=st.data(), write=st.booleans(), count=st.integers(min_value=1, max_value=2))
    def inject_fault(self, data: st.DataObject, write: bool, count: int) -> None:
        """The host injects storage I/O errors (R-HOST-7, R-CMD-12, E15); skipped when the
        target answers FAIL to the fault probe."""
        h = self.harness
        sid = data.draw(st.sampled_from(h.instance.sids()))
        h.send(wire.Fault(sid, "write" if write else "read", count))

    # --- invariants -----------------------------------------------------------

    @invariant()
    def states_agree(self) -> None:
        """White box: the abstraction of the implementation equals the model."""
        self.harness.states_agree()

    def teardown(self) -> None:
        """Compare all of RAM and every storage (when idle), then let the target go."""
        self.harness.finish()


def lockstep_class(config: HarnessConfig, log: RunLog | None = None) -> type[LockstepMachine]:
    """A :class:`LockstepMachine` that Hypothesis can instantiate with no arguments.

    Every instance drives one sequence on a fresh harness built from
    ``config``; ``log`` (default: a new one) gathers what they all did.  Its
    ``TestCase`` runs the check as a unittest test case.
    """
    run_log = RunLog() if log is None else log

    class Lockstep(LockstepMachine):
        def __init__(self) -> None:
            super().__init__(Harness(config, run_log, events=True))

    return Lockstep
