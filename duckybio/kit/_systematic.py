"""Systematic sequences: what every run tries, before anything is drawn at random.

Random generation covers every transition class, but a class says nothing
about the state it was taken in or what came before it.  Every run therefore
starts with fixed sequences, the same for every seed:

- the *pair tour*: for every pair of consecutive classes that exploration
  proves reachable (:mod:`duckybio.explore._pairs`), a walk that takes it.
  The walks are planned on the small coverage instance and carried over,
  event by event, to a machine of the same shape in real sizes
  (:func:`tour_instance`); DATA accesses that fill the staging buffer or
  empty the read buffer there are repeated until they do the same here;
- the *page sweep*: in every phase the device can be in, a read of every
  offset of the MMIO page, aligned or not, and a write of every offset that
  is not a register (R-RD-3, R-WR-6; SPEC.md section 13, item 7);
- the *data flow*: DATA reads and PIO writes after a successful read (one
  started with READ and WRITE both set among them: R-ST-4, erratum E11), after
  a failure that followed it (R-CMD-10, erratum E14), after SRST and after a
  COUNT write;
- the *DMA mode*: commands without the DMA bit after one with it, with no
  SRST between (R-ST-3, erratum E10);
- the *faults*: each direction and mode hit by an injected I/O error, then
  the same command again (R-CMD-12, erratum E15); on a target that does not
  inject faults (R-HOST-7), the commands alone;
- the *host edges*: host commands on both sides of every edge a conforming
  target must refuse or accept (section 12, :mod:`._edges`), then ``machine``
  at the edges of its geometry;
- the *wide values*: register writes of numbers of 2**32 and more, which
  count modulo 2**32 (R-WR-1);
- *W after a failure*: words staged, a command that fails, then a PIO WRITE
  with no COUNT write in between: the failure emptied W (R-CMD-6);
- *while BUSY*: right after a command starts and after one clock step, every
  byte of RAM and of the storages outside its addressed blocks and DMA range
  (R-BSY-6), at latencies above 0.

The data flow also has the host write a storage between a command's
completion and its DATA reads: R is the data as the command transferred it
(R-CMD-10).  With a bound above the device's own latency, a run of clock
steps waits only as long as the device takes (:func:`replay_lockstep`'s
``poll``).

Each sequence is a list of wire commands from power-on, run like a replay
(:func:`~._replay_lockstep.replay_lockstep`: the same comparisons as a run).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from ..explore import Pair
from ..model import (
    Complete,
    Event,
    MachineState,
    ModelConfig,
    Read,
    StorageSpec,
    Tick,
    Transition,
    Write,
    power_on,
    step,
)
from ..spec import wire
from ..spec.regmap import BLOCK_SIZE, GUEST_SETTABLE, PAGE_SIZE, U32_MASK, WORD_SIZE, Flag, Reg
from ._coverage import coverage_instance, pair_plan
from ._edges import host_edges, machine_edges, wide
from ._failure import Failure, describe
from ._harness import gaps as _gaps
from ._instance import Instance, StorageShape
from ._power_on import power_on_commands
from ._replay_lockstep import replay_lockstep
from ._runlog import HarnessConfig, RunLog
from .errors import Mismatch, TargetBroken

#: Walks of the pair tour per sequence: a failure is shrunk from one of these.
WALKS_PER_SEQUENCE = 64
_REGISTERS = frozenset(int(r) for r in Reg)


class _DataAccess:
    """Membership test: whether an event reads or writes DATA."""

    def __contains__(self, event: object) -> bool:
        return isinstance(event, Read | Write) and event.offset == Reg.DATA


_DATA_ACCESS = _DataAccess()

#: Bytes the host writes into a storage between a command and its DATA reads.
_MARK = bytes(range(0xC0, 0xD0))
#: A reserved offset of the page.
RESERVED = 0x18

#: Two DATA words a PIO write stages.
_WORDS = (Write(Reg.DATA, 0x11223344), Write(Reg.DATA, 0x55667788))

#: A step of a fixed sequence: a model event, or a host command as it is sent.
Step = Event | wire.Command


@dataclass(frozen=True, slots=True)
class Systematic:
    """One fixed sequence: its name, the machine it powers on, its wire commands."""

    name: str
    instance: Instance
    commands: tuple[str, ...] = field(repr=False)


def tour_instance() -> Instance:
    """The machine of the pair tour and the page sweeps: the coverage instance, full size.

    One block of RAM, the MMIO page right after it, one storage (id 1) of
    one block: every walk planned on the coverage instance takes the same
    classes here, its register values unchanged.
    """
    return Instance(ram_size=BLOCK_SIZE + PAGE_SIZE, mmio_base=BLOCK_SIZE,
                    storages=(StorageShape(sid=1, size=BLOCK_SIZE),))


@lru_cache(maxsize=8)
def systematic_sequences(instance: Instance, latency: int) -> tuple[Systematic, ...]:
    """The fixed sequences of a run on ``instance`` whose commands take ``latency`` steps.

    Computed once per instance and latency.
    """
    lat = min(latency, 2)
    tour = tour_instance()
    out = [Systematic("host edges", instance, _lines(
        instance, [*host_edges(instance), *machine_edges(instance)]))]
    out.append(Systematic("command edges", instance,
                          _lines(instance, _command_edges(instance, latency))))
    out.append(Systematic("wide values", instance, _lines(instance,
                                                          _wide_values(instance, latency))))
    out.append(Systematic("register effects", instance,
                          _lines(instance, _register_effects(instance, latency))))
    out.append(Systematic("W after a failure", instance,
                          _lines(instance, _w_after_failure(instance, latency))))
    if latency:
        out.append(Systematic("while BUSY", instance,
                              _lines(instance, _while_busy(instance, latency))))
    out += [Systematic(f"faults ({op}, {'DMA' if dma else 'PIO'})", instance,
                       _lines(instance, events))
            for op, dma, events in _faults(instance, latency)]
    out += [Systematic(f"data flow {i + 1}", instance, _lines(instance, events))
            for i, events in enumerate(_data_flow(instance, latency))]
    out.append(Systematic("DMA mode", instance, _lines(instance, _dma_mode(instance, latency))))
    out += [Systematic(f"page sweep ({phase})", tour, _lines(tour, events))
            for phase, events in _page_sweeps(lat, latency)]
    out += [Systematic(f"pair tour {i + 1}", tour, _lines(tour, events))
            for i, events in enumerate(_tour(lat, latency))]
    return tuple(out)


def run_systematic(config: HarnessConfig, log: RunLog,
                   shard: tuple[int, int] = (0, 1)) -> Failure | TargetBroken | None:
    """Run every fixed sequence; how the first that does not conform failed.

    A disagreement is a :class:`~._failure.Failure`; a hang or nonsense, the
    target broken; an error an in-process target raised that is not its
    crash, a :class:`TargetBroken` that says so.

    With ``shard`` ``(k, n)``, only the sequences whose index is ``k`` modulo ``n``.
    Keeping going (or with known deviations), a sequence that a deviation
    ended (a crash, a hang) is run again without the command it ended at, up
    to :data:`RETRIES` times, so that the rest of it still reaches what it
    was made for (SPEC section 18).
    """
    latency = config.policy.latency
    k, n = shard
    poll = not config.policy.exact_latency
    for sequence in systematic_sequences(config.instance, latency)[k::n]:
        harness = HarnessConfig(config.factory, config.policy, sequence.instance)
        commands = list(sequence.commands)
        for _ in range(RETRIES + 1):
            outcome = replay_lockstep(harness, commands, log=log, poll=poll)
            if outcome.broken is not None:
                return outcome.broken
            if isinstance(outcome.failure, Mismatch):
                return Failure.of(outcome.failure, outcome.trace, harness)
            if outcome.failure is not None:
                return TargetBroken(describe(outcome.failure))
            if not log.resume or outcome.stopped_at is None:
                break
            del commands[outcome.stopped_at]
    return None


#: Keeping going (or with known deviations): how many times a fixed sequence is run
#: again without the command a deviation ended it at.
RETRIES = 8


# --- carrying walks over from the coverage instance ------------------------------------

class _Translator:
    """Replays events of the coverage instance on :func:`tour_instance`, class for class."""

    def __init__(self, latency: int, small_latency: int) -> None:
        self.small_cfg = coverage_instance(small_latency).config(small_latency)
        tour = tour_instance()
        self.cfg = ModelConfig(ram_size=tour.ram_size, mmio_base=tour.mmio_base,
                               storages=tuple(StorageSpec(s.sid, s.size) for s in tour.storages),
                               latency=latency)
        self.latency = latency
        self.reset()

        #: The pairs of classes taken here so far.
        self.pairs: set[Pair] = set()

    def reset(self) -> None:
        self.small: MachineState = power_on(self.small_cfg)
        self.state: MachineState = power_on(self.cfg)
        self.last: Transition | None = None

    def _step(self, event: Event, small: Event | None = None) -> Event:
        self.state, out = step(self.cfg, self.state, event)
        if self.last is not None:
            self.pairs.add((self.last, out.transition))
        self.last = out.transition
        if small is not None:
            self.small, _ = step(self.small_cfg, self.small, small)
        return event

    def carry(self, small_event: Event, *, pad: bool = True) -> Iterator[Event]:
        """The events standing for ``small_event`` here.

        With ``pad`` (a later DATA access depends on it), a DATA access that
        fills W or empties R there is repeated until it does the same here; at
        a latency above the planned one, the first clock step waits the
        difference.
        """
        event = small_event
        yield self._step(event, small_event)
        if isinstance(event, Tick):  # a slower device: wait as long as the rest of it
            small_cmd, command = self.small.bio.command, self.state.bio.command
            while (small_cmd is not None and command is not None
                   and command.ticks_left > small_cmd.ticks_left):
                yield self._step(event)
                command = self.state.bio.command
        if not pad:
            return
        if event == Read(Reg.DATA):
            small, bio = self.small.bio, self.state.bio
            if small.cursor == len(small.rbuf) and not small.busy:
                while not bio.busy and bio.cursor + WORD_SIZE <= len(bio.rbuf):
                    yield self._step(event)
                    bio = self.state.bio
        elif isinstance(event, Write) and event.offset == Reg.DATA:
            small, bio = self.small.bio, self.state.bio
            full = small.count * self.small_cfg.block_size
            if not small.busy and len(small.wbuf) == full > 0:
                while not bio.busy and len(bio.wbuf) + WORD_SIZE <= bio.count * BLOCK_SIZE:
                    yield self._step(event)
                    bio = self.state.bio

    def separate(self) -> Iterator[Event]:
        """SRST and enough clock steps for a deferred one: back to the reset state."""
        events: list[Event] = [Write(Reg.STATUS, Flag.SRST)]
        events += [Tick()] * self.latency
        for event in events:
            yield self._step(event, event)


def _tour(lat: int, latency: int) -> list[list[Event]]:
    """The pair tour, cut into sequences of :data:`WALKS_PER_SEQUENCE` walks."""
    plan = pair_plan(lat)
    walks = sorted(plan.walks.items(), key=lambda item: (len(item[1]), str(item[0])))
    carrier = _Translator(latency, lat)
    sequences: list[list[Event]] = []
    current: list[Event] = []
    count = 0
    for pair, walk in walks:
        if pair in carrier.pairs:
            continue
        data_at = [i for i, e in enumerate(walk) if e in _DATA_ACCESS]
        for i, small_event in enumerate(walk):
            current.extend(carrier.carry(small_event, pad=bool(data_at) and data_at[-1] > i))
        current.extend(carrier.separate())
        count += 1
        if count == WALKS_PER_SEQUENCE:
            sequences.append(current)
            current, count = [], 0
            carrier.reset()
    if current:
        sequences.append(current)
    return sequences


def _page_sweeps(lat: int, latency: int) -> list[tuple[str, list[Event]]]:
    """In each reachable phase: read every offset, write every non-register offset."""
    sweeps: list[tuple[str, list[Event]]] = []
    for phase, walk in sorted(pair_plan(lat).phases.items(), key=lambda i: i[0].value):
        carrier = _Translator(latency, lat)
        events = [e for small in walk for e in carrier.carry(small)]
        events += [Read(offset) for offset in range(PAGE_SIZE)]
        events += [Write(offset, U32_MASK) for offset in range(PAGE_SIZE)
                   if offset not in _REGISTERS]
        events += [Read(offset) for offset in sorted(_REGISTERS)]
        sweeps.append((phase.value, events))
    return sweeps


def _data_flow(instance: Instance, latency: int) -> list[list[Step]]:
    """DATA reads and PIO writes after a success, a later failure, SRST and COUNT."""
    shape = _largest(instance)
    last = shape.size // BLOCK_SIZE - 1
    wait: list[Step] = [Tick()] * latency
    command = _command(instance, latency)
    reads = [Read(Reg.DATA)] * 3
    pio_write = [*_WORDS, Write(Reg.STATUS, Flag.WRITE), *wait, Read(Reg.STATUS)]
    successes: list[list[Step]] = [
        command(last, 1, Flag.READ),
        [*command(0, 2, Flag.READ), Read(Reg.DATA)],
        command(last, 1, Flag.DMA | Flag.READ),
        command(last, 1, Flag.READ | Flag.WRITE),  # a READ (R-ST-4, erratum E11)
        [Write(Reg.SID, shape.sid), Write(Reg.BLOCK, last), Write(Reg.COUNT, 1), *_WORDS,
         Write(Reg.STATUS, Flag.WRITE), *wait, Read(Reg.STATUS)],
    ]
    afters: list[list[Step]] = [
        [],
        [wire.StorageWrite(shape.sid, last * BLOCK_SIZE, _MARK)],  # R is what was transferred
        [wire.StorageWrite(shape.sid, 0, _MARK)],
        command(last, 2, Flag.READ),  # past the end of the storage
        command(0, 1, Flag.READ, sid=instance.unknown_sids()[0]),
        command(0, 1, Flag.DMA | Flag.READ, addr=instance.ram_size),  # outside RAM
        command(last, 2, Flag.WRITE),
        [Write(Reg.STATUS, Flag.SRST)],
        [Write(Reg.COUNT, 1)],
        [Write(Reg.STATUS, Flag.SRST), Write(Reg.SID, shape.sid), Write(Reg.BLOCK, last),
         Write(Reg.COUNT, 1)],
    ]
    flows: list[list[Step]] = []
    for success in successes:
        flow: list[Step] = []
        for after in afters:
            flow += [Write(Reg.STATUS, Flag.SRST), *success, *after, *reads, *pio_write,
                     *reads]
        flows.append(flow)
    return flows


def _command_edges(instance: Instance, latency: int) -> list[Step]:
    """Commands right at the edges of their checks: DMA ranges ending at the MMIO page or
    the end of RAM or starting right after the page (and a word further), blocks ending
    at a storage's end, COUNT 0 and PIO commands with ADDR outside RAM (R-CMD-3, R-CMD-4,
    R-CMD-11, clarification 8)."""
    command = _command(instance, latency)
    base, end = instance.mmio_base, instance.ram_size
    upper = base + PAGE_SIZE
    blocks = _largest(instance).size // BLOCK_SIZE
    steps: list[Step] = []
    for count in (1, 2):
        length = count * BLOCK_SIZE
        for addr in (base - length, end - length, upper, base - length + WORD_SIZE,
                     end - length + WORD_SIZE, upper - WORD_SIZE):
            for flags, block in ((Flag.DMA | Flag.READ, 0),
                                 (Flag.DMA | Flag.WRITE, max(blocks - count, 0))):
                # a WRITE stores other blocks than the READ before it brought in
                steps += [Write(Reg.STATUS, Flag.SRST),
                          *command(block, count, flags, addr=addr & U32_MASK)]
    for shape in instance.storages:
        blocks = shape.size // BLOCK_SIZE
        for flags in (Flag.DMA | Flag.READ, Flag.DMA | Flag.WRITE, Flag.READ, Flag.WRITE):
            # straddling the end: nothing of the in-bounds blocks moves (R-CMD-6)
            steps += [Write(Reg.STATUS, Flag.SRST),
                      *command(max(blocks - 1, 0), 2, flags, sid=shape.sid, addr=PAGE_SIZE),
                      Read(Reg.DATA)]
        for flags in (Flag.READ, Flag.WRITE):
            steps += [Write(Reg.STATUS, Flag.SRST), *command(blocks, 0, flags, sid=shape.sid),
                      Write(Reg.STATUS, Flag.SRST),
                      *command(max(blocks - 1, 0), 1, flags, sid=shape.sid), Read(Reg.DATA)]
    for addr in (end, base, upper - WORD_SIZE, U32_MASK):
        for flags in (Flag.DMA | Flag.READ, Flag.DMA | Flag.WRITE, Flag.READ, Flag.WRITE):
            steps += [Write(Reg.STATUS, Flag.SRST), *command(1, 0, flags, addr=addr),
                      Write(Reg.STATUS, Flag.SRST), *command(1, 1, flags & ~Flag.DMA, addr=addr),
                      Read(Reg.DATA)]
    return steps


def _wide_values(instance: Instance, latency: int) -> list[Step]:
    """Commands whose every register write carries bits above 32 (R-WR-1)."""
    shape = _largest(instance)
    last = shape.size // BLOCK_SIZE - 1
    wait: list[Step] = [Tick()] * latency
    base = instance.mmio_base

    def put(reg: int, value: int) -> Step:
        return wire.Writel(base + reg, wide(value))

    steps: list[Step] = []
    for flags, block in ((Flag.DMA | Flag.READ, last), (Flag.READ, 0), (Flag.WRITE, last)):
        steps += [put(Reg.STATUS, Flag.SRST), put(Reg.SID, shape.sid), put(Reg.BLOCK, block),
                  put(Reg.COUNT, 1), put(Reg.ADDR, PAGE_SIZE)]
        if flags == Flag.WRITE:
            steps += [put(Reg.DATA, 0x11223344), put(Reg.DATA, 0x55667788)]
        steps += [put(Reg.STATUS, flags), *wait, Read(Reg.STATUS), Read(Reg.DATA),
                  Read(Reg.DATA)]
    return [*steps, put(RESERVED, 0), Read(RESERVED), put(Reg.SID, instance.unknown_sids()[0]),
            Read(Reg.STATUS)]


def _register_effects(instance: Instance, latency: int) -> list[Step]:
    """What each write does and does not do, shown by the next command: every other
    offset of the page written between the latches and a DMA READ (R-WR-6); STATUS
    writes of the read-only bits with ERR set (R-ST-1); ``SRST|DMA`` before a command
    without DMA (R-ST-2); BLOCK and COUNT writes between staged words (R-WR-4, R-WR-5)."""
    shape = _largest(instance)
    last = shape.size // BLOCK_SIZE - 1
    wait: list[Step] = [Tick()] * latency
    others = [o for o in range(PAGE_SIZE) if o not in _REGISTERS]
    latches = [Write(Reg.SID, shape.sid), Write(Reg.BLOCK, last), Write(Reg.COUNT, 1),
               Write(Reg.ADDR, PAGE_SIZE)]
    start = [*wait, Read(Reg.STATUS), Read(Reg.DATA)]
    read_only = int(Flag.RDY | Flag.ERR | Flag.BUSY)
    return [
        Write(Reg.STATUS, Flag.SRST), *latches, *[Write(o, U32_MASK) for o in others],
        Write(Reg.STATUS, Flag.DMA | Flag.READ), *start,
        Write(Reg.SID, instance.unknown_sids()[0]), Write(Reg.STATUS, read_only),
        Read(Reg.STATUS), Write(Reg.STATUS, U32_MASK & ~GUEST_SETTABLE), Read(Reg.STATUS),
        Write(Reg.STATUS, Flag.SRST | Flag.DMA), *latches, Write(Reg.BLOCK, 0),
        Write(Reg.STATUS, Flag.READ),
        *start, Write(Reg.STATUS, Flag.SRST), *latches, *_WORDS, Write(Reg.BLOCK, last),
        Write(Reg.STATUS, Flag.WRITE), *start, Write(Reg.STATUS, Flag.SRST), *latches,
        *_WORDS, Write(Reg.COUNT, 1), Write(Reg.DATA, 0x0BADF00D), Write(Reg.STATUS, Flag.WRITE),
        *start, Write(Reg.COUNT, 1 << 22), Read(Reg.STATUS), Write(Reg.COUNT, U32_MASK),
        *_WORDS, Read(Reg.STATUS),
        # R read to its end and past it twice (R-PIO-2, clarification 5) ...
        Write(Reg.STATUS, Flag.SRST), *latches, Write(Reg.STATUS, Flag.READ), *start,
        *[Read(Reg.DATA)] * (BLOCK_SIZE // WORD_SIZE + 1), Read(Reg.STATUS), Read(Reg.DATA),
        # ... and W filled to its capacity and past it (R-PIO-4, clarification 5)
        Write(Reg.STATUS, Flag.SRST), *latches,
        *[Write(Reg.DATA, 0x01020304 * i & U32_MASK) for i in range(BLOCK_SIZE // WORD_SIZE + 1)],
        Read(Reg.STATUS), Write(Reg.STATUS, Flag.WRITE), *start,
    ]


def _w_after_failure(instance: Instance, latency: int) -> list[Step]:
    """Words staged, a command that fails, one more word, then a PIO WRITE (R-CMD-6)."""
    shape = _largest(instance)
    last = shape.size // BLOCK_SIZE - 1
    wait: list[Step] = [Tick()] * latency
    unknown = instance.unknown_sids()[0]
    failures: list[list[Step]] = [
        [Write(Reg.SID, unknown), Write(Reg.STATUS, Flag.WRITE)],
        [Write(Reg.SID, unknown), Write(Reg.STATUS, Flag.READ)],
        [Write(Reg.BLOCK, last + 1), Write(Reg.STATUS, Flag.WRITE)],
        [Write(Reg.BLOCK, U32_MASK), Write(Reg.STATUS, Flag.READ)],
    ]
    steps: list[Step] = []
    for failure in failures:
        steps += [Write(Reg.STATUS, Flag.SRST), Write(Reg.SID, shape.sid),
                  Write(Reg.BLOCK, last), Write(Reg.COUNT, 1), *_WORDS, *failure, *wait,
                  Read(Reg.STATUS), Read(Reg.DATA), Write(Reg.DATA, 0x0BADF00D),
                  Write(Reg.SID, shape.sid), Write(Reg.BLOCK, last),
                  Write(Reg.STATUS, Flag.WRITE), *wait, Read(Reg.STATUS), Read(Reg.DATA),
                  Read(Reg.DATA)]
    return steps


def _while_busy(instance: Instance, latency: int) -> list[Step]:
    """Commands in flight and every byte outside what they address, read (R-BSY-6)."""
    shape = _largest(instance)
    last = shape.size // BLOCK_SIZE - 1
    upper = instance.mmio_base + PAGE_SIZE
    steps: list[Step] = []
    for flags, block, addr in ((Flag.DMA | Flag.READ, 0, 0), (Flag.DMA | Flag.WRITE, last, upper),
                               (Flag.WRITE, 0, 0), (Flag.READ, last, 0)):
        dma = bool(flags & Flag.DMA)
        outside = _outside(instance, shape.sid, block, addr if dma else None)
        steps += [Write(Reg.STATUS, Flag.SRST), Write(Reg.SID, shape.sid),
                  Write(Reg.BLOCK, block), Write(Reg.COUNT, 1), Write(Reg.ADDR, addr),
                  Write(Reg.STATUS, flags), *outside, wire.ClockStep(1000), *outside,
                  *[Tick()] * (latency - 1), Read(Reg.STATUS), Read(Reg.DATA)]
    # writes while BUSY are ignored (R-BSY-3); SRST with other bits only resets (R-BSY-5)
    ignored = [Write(Reg.SID, instance.unknown_sids()[0]), Write(Reg.BLOCK, last),
               Write(Reg.COUNT, 2), Write(Reg.ADDR, upper), Write(Reg.DATA, 0x0BADF00D)]
    command: list[Step] = [Write(Reg.STATUS, Flag.READ), *ignored, *[Tick()] * latency,
                           Read(Reg.STATUS)]
    steps += [Write(Reg.STATUS, Flag.SRST), Write(Reg.SID, shape.sid), Write(Reg.BLOCK, 0),
              Write(Reg.COUNT, 1), *command, *command, Read(Reg.DATA),
              Write(Reg.STATUS, Flag.DMA | Flag.WRITE),
              Write(Reg.STATUS, Flag.SRST | Flag.READ | Flag.WRITE | Flag.DMA),
              *[Tick()] * latency, Read(Reg.STATUS), Write(Reg.STATUS, Flag.READ),
              *[Tick()] * latency, Read(Reg.STATUS)]
    # a clock step with an NS argument is a step like any other (clarification 6)
    steps += [Write(Reg.STATUS, Flag.READ), *[wire.ClockStep(1000)] * latency, Read(Reg.STATUS)]
    return steps


def _outside(instance: Instance, sid: int, block: int, addr: int | None) -> list[Step]:
    """Reads of RAM and of every storage, but for one block of ``sid`` at ``block`` and
    (``addr`` not None) the block of RAM at ``addr``."""
    skip = [] if addr is None else [(addr, addr + BLOCK_SIZE)]
    ram = _gaps(instance.ram_size, [(instance.mmio_base, instance.mmio_base + PAGE_SIZE), *skip])
    reads: list[Step] = [wire.RamRead(lo, hi - lo) for lo, hi in ram]
    for shape in instance.storages:
        holes = [(block * BLOCK_SIZE, (block + 1) * BLOCK_SIZE)] if shape.sid == sid else []
        reads += [wire.StorageRead(shape.sid, lo, hi - lo) for lo, hi in _gaps(shape.size, holes)]
    return reads


class _Command(Protocol):
    """Builds one command's steps: which blocks, how many, the STATUS value, where."""

    def __call__(self, block: int, count: int, flags: int, sid: int = ...,
                 addr: int = ...) -> list[Step]: ...


def _largest(instance: Instance) -> StorageShape:
    """The storage the data-flow, DMA-mode and fault sequences use: the largest."""
    return max(instance.storages, key=lambda s: s.size)


def _command(instance: Instance, latency: int) -> _Command:
    """A command on the largest storage: registers, start, the wait, a STATUS read."""
    shape = _largest(instance)
    wait: list[Step] = [Tick()] * latency

    def command(block: int, count: int, flags: int, sid: int = shape.sid,
                addr: int = 0) -> list[Step]:
        return [Write(Reg.SID, sid), Write(Reg.BLOCK, block), Write(Reg.COUNT, count),
                Write(Reg.ADDR, addr), Write(Reg.STATUS, flags), *wait, Read(Reg.STATUS)]

    return command


def _dma_mode(instance: Instance, latency: int) -> list[Step]:
    """Commands without the DMA bit after one with it: still DMA until SRST (R-ST-3, E10)."""
    last = _largest(instance).size // BLOCK_SIZE - 1
    command = _command(instance, latency)
    reads = [Read(Reg.DATA)] * 2
    return [Write(Reg.STATUS, Flag.SRST), *command(last, 1, Flag.DMA | Flag.READ),
            *command(0, 1, Flag.READ), *reads, *_WORDS, *command(last, 1, Flag.WRITE),
            Write(Reg.STATUS, Flag.SRST), *command(0, 1, Flag.DMA | Flag.WRITE),
            *command(last, 1, Flag.READ), *reads, *_WORDS, *command(0, 1, Flag.WRITE), *reads]


def _faults(instance: Instance, latency: int) -> list[tuple[str, bool, list[Step]]]:
    """Per direction and mode: a command an injected fault fails, then the same one again."""
    shape = _largest(instance)
    command = _command(instance, latency)
    reads = [Read(Reg.DATA)] * 2
    probe = wire.Fault(shape.sid, "read", 0)  # fault lines are skipped where it answers FAIL
    out: list[tuple[str, bool, list[Step]]] = []
    for op, flag in (("read", Flag.READ), ("write", Flag.WRITE)):
        for dma in (False, True):
            staged = _WORDS if op == "write" and not dma else ()
            attempt = [*staged, *command(0, 1, flag | (Flag.DMA if dma else 0)), *reads]
            out.append((op, dma, [probe, Write(Reg.STATUS, Flag.SRST), wire.Fault(shape.sid, op, 1),
                                  *attempt, Write(Reg.STATUS, Flag.SRST), *attempt]))
    # a count of 2 fails the next two commands of that direction (R-HOST-7)
    twice = [Write(Reg.STATUS, Flag.SRST), *command(0, 1, Flag.READ), *reads]
    empty = [Write(Reg.STATUS, Flag.SRST), *command(0, 0, Flag.READ)]  # not hit: COUNT 0
    out.append(("read twice", False, [probe, wire.Fault(shape.sid, "read", 2), *empty, *twice,
                                      *twice, *twice]))
    return out


def _lines(instance: Instance, events: Sequence[Step]) -> tuple[str, ...]:
    """Power-on, then ``events`` as wire commands on the MMIO page of ``instance``
    (host commands as they are)."""
    base = instance.mmio_base
    commands: list[wire.Command] = power_on_commands(instance)
    for event in events:
        if isinstance(event, Read):
            commands.append(wire.Readl(base + event.offset))
        elif isinstance(event, Write):
            commands.append(wire.Writel(base + event.offset, event.value))
        elif isinstance(event, Tick | Complete):
            commands.append(wire.ClockStep())
        else:
            commands.append(event)
    return tuple(wire.format_command(c) for c in commands)
