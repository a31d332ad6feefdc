"""The scenario language: driver and host verbs that run on any target and record the wire.

A :class:`Session` drives one :class:`~duckybio.kit._target.Target` the way a
driver and a host would (SPEC sections 5-9 and 12).  Each verb sends its wire
command(s) at once, records every command with the answer observed
(:attr:`Session.log`) and returns what was read.  So one scenario serves twice:

- run on :class:`~duckybio.kit._model_target.ModelTarget`, its log is a golden
  vector (:func:`duckybio.kit.vectors.record`);
- run on any target, it is a rule test: the answers it pins are checked, and
  the values it returns can be asserted on.

Besides the raw wire log, a session keeps :attr:`Session.entries`, the steps
of a vector that runs at every latency within a bound (SPEC section 13):
:meth:`Session.wait` is one *poll* entry however many clock steps it took,
and :meth:`Session.in_flight` is one *probe* entry that opens a branch: the
entries after it, up to the next poll, are marked as taken only while the
command is in flight (``busy``) or only once it has completed (``idle``).

A verb given ``want`` pins the answer; any other answer raises
:class:`~duckybio.kit.errors.Mismatch`.  A host command the target must refuse
is sent with :meth:`Session.refuse`; every other refusal is a mismatch too.
Every STATUS read is checked against R-RD-1 and R-INV-2, and
:meth:`Session.wait` steps the clock at most ``bound`` times (R-BSY-1).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from ..spec.regmap import READABLE_FLAGS, U32_MASK
from ..spec.wire import (
    Answer,
    AttachStorage,
    ClockStep,
    Command,
    Fail,
    Fault,
    Ok,
    PowerOn,
    RamRead,
    RamWrite,
    Readl,
    StorageRead,
    StorageWrite,
    WireError,
    Writel,
    answer_bytes,
    answer_number,
    fail,
    format_answer,
    format_bytes,
    format_command,
    parse_answer,
    parse_command,
)
from ._replay import execute
from ._target import LineTarget, Target
from ._testbed import (
    ADDR,
    BLOCK,
    BUSY,
    CONTENT_A,
    CONTENT_B,
    COUNT,
    DATA,
    MMIO_BASE,
    MMIO_END,
    RAM_SIZE,
    RDY,
    SID,
    SID_A,
    SID_B,
    SIZE_A,
    SIZE_B,
    SRST,
    STATUS,
    Snap,
    ram_pattern,
    size_of,
)
from .errors import Mismatch

__all__ = ["Branch", "Entry", "EntryKind", "Exchange", "Guard", "Session", "Snapshot"]

#: Called with the step number and the command before each command is sent.
Guard = Callable[[int, Command], None]
#: Called after each poll; what it returns is kept with the poll's entry.
Snapshot = Callable[[], object]
#: The branch a probe opens: the command is still in flight, or it has completed.
Branch = Literal["busy", "idle"]
#: A plain step, a poll (STATUS until not BUSY) or a probe (STATUS, opening a branch).
EntryKind = Literal["plain", "poll", "probe"]
#: How much of a long answer a mismatch message shows: characters, bytes.
_SHOWN = 48
_SHOWN_BYTES = 16


@dataclass(frozen=True, slots=True)
class Exchange:
    """One wire command (a string: a malformed line) and the answer the target gave."""

    command: Command | str
    answer: Answer


@dataclass(frozen=True, slots=True)
class Entry:
    """One step of a latency-independent vector, as a session took it.

    ``answer`` is the answer the step ended with; ``busy`` the STATUS a poll
    or probe read while the command was in flight (``None``: it never was);
    ``when`` the branch the step belongs to (``None``: every branch);
    ``snapshot`` what the session's :data:`Snapshot` returned after a poll.
    """

    kind: EntryKind
    command: Command | str
    answer: Answer
    busy: Answer | None = None
    when: Branch | None = None
    snapshot: object = None


def _short(text: str) -> str:
    return text if len(text) <= _SHOWN else f"{text[:_SHOWN]}... ({len(text)} characters)"


class Session:
    """One target driven by a scenario's verbs; ``bound`` is its declared latency."""

    def __init__(self, target: Target, bound: int = 0, guard: Guard | None = None,
                 snapshot: Snapshot | None = None) -> None:
        self.target = target
        self.bound = bound
        self.guard = guard
        self.snapshot = snapshot
        self.base = MMIO_BASE
        #: Every command sent, with its answer, in order.
        self.log: list[Exchange] = []
        #: The steps of the latency-independent vector, in order.
        self.entries: list[Entry] = []
        #: Every STATUS value read, in order.
        self.seen: list[int] = []
        #: The branch the latest probe opened, until the next poll.
        self.branch: Branch | None = None
        #: Inside :meth:`wait` or :meth:`in_flight`: commands are not entries of their own.
        self.polling = False

    # --- sending and pinning -----------------------------------------------------

    def send(self, command: Command) -> Answer:
        """Send ``command`` and record it; its answer (a refusal is a ``FAIL`` answer)."""
        if self.guard is not None:
            self.guard(len(self.log) + 1, command)
        answer = execute(self.target, command)
        self.log.append(Exchange(command, answer))
        if not self.polling:
            self.entries.append(Entry("plain", command, answer, when=self.branch))
        return answer

    def _mismatch(self, answer: str, want: str) -> Mismatch:
        """A :class:`Mismatch` saying the last command answered ``answer``, not ``want``."""
        command = self.log[-1].command
        line = command if isinstance(command, str) else format_command(command)
        return Mismatch(f"step {len(self.log)}: {_short(line)} answers {_short(answer)}, "
                        f"the scenario says {_short(want)}")

    def _ok(self, command: Command) -> Ok:
        answer = self.send(command)
        if isinstance(answer, Fail):
            raise self._mismatch(format_answer(answer), "OK")
        return answer

    def _number(self, command: Command, want: int | None) -> int:
        value = answer_number(self._ok(command))
        if want is not None and value != want:
            raise self._mismatch(f"OK {value:#x}", f"OK {want:#x}")
        return value

    def _bytes(self, command: Command, length: int, want: bytes | None) -> bytes:
        data = answer_bytes(self._ok(command), length)
        if want is not None and data != want:
            at = next((i for i, (x, y) in enumerate(zip(data, want, strict=False)) if x != y),
                      min(len(data), len(want)))
            end = at + _SHOWN_BYTES
            raise self._mismatch(f"{format_bytes(data[at:end])} from byte {at:#x}",
                                 f"{format_bytes(want[at:end])}")
        return data

    def refuse(self, command: Command) -> None:
        """Send a host command the target must refuse (SPEC section 12)."""
        answer = self.send(command)
        if not isinstance(answer, Fail):
            raise self._mismatch(format_answer(answer), "FAIL")

    def malformed(self, line: str) -> None:
        """Send ``line``, which is no wire command: the target must refuse it (R-HOST-9).

        A target reached over the wire (:class:`~duckybio.kit._target.LineTarget`)
        gets the line as it is; for an in-process one the wire layer refuses it.
        """
        try:
            parse_command(line)
        except WireError as exc:
            problem = str(exc)
        else:
            raise ValueError(f"{line!r} is a wire command")
        if isinstance(self.target, LineTarget):
            written = self.target.line(line)
            try:
                answer = parse_answer(written)
            except WireError:
                answer = Ok(None)
        else:
            answer = fail(f"malformed line: {problem}")
        self.log.append(Exchange(line, answer))
        self.entries.append(Entry("plain", line, answer, when=self.branch))
        if not isinstance(answer, Fail):
            raise self._mismatch(format_answer(answer), "FAIL")

    # --- host accesses (SPEC section 12) -----------------------------------------

    def machine(self, ram_size: int = RAM_SIZE, base: int = MMIO_BASE) -> None:
        """Power on a fresh machine (R-HOST-1)."""
        self._ok(PowerOn(ram_size, base))
        self.base = base

    def storage(self, sid: int, size: int) -> None:
        """Attach a zero-filled storage (R-HOST-2)."""
        self._ok(AttachStorage(sid, size))

    def setup(self, fill: bool = False) -> None:
        """A fresh machine with storages A and B (``fill``: with their known contents)."""
        self.machine()
        self.storage(SID_A, SIZE_A)
        self.storage(SID_B, SIZE_B)
        if fill:
            self.swrite(SID_A, 0, CONTENT_A)
            self.swrite(SID_B, 0, CONTENT_B)

    def write(self, addr: int, data: bytes) -> None:
        self._ok(RamWrite(addr, data))

    def read(self, addr: int, length: int, want: bytes | None = None) -> bytes:
        return self._bytes(RamRead(addr, length), length, want)

    def fill(self, addr: int, length: int) -> bytes:
        """Fill RAM ``[addr, addr + length)`` with its known pattern; the bytes written."""
        data = ram_pattern(addr, length)
        self.write(addr, data)
        return data

    def fill_ram(self) -> bytes:
        """Fill all of RAM with known patterns; RAM as :meth:`ram` will read it."""
        return self.fill(0, MMIO_BASE) + bytes(MMIO_END - MMIO_BASE) + self.fill(
            MMIO_END, RAM_SIZE - MMIO_END)

    def ram(self, addr: int = 0, length: int = RAM_SIZE) -> bytes:
        """RAM ``[addr, addr + length)`` of the standard machine, the MMIO page as zeros."""
        full = (self.read(0, MMIO_BASE) + bytes(MMIO_END - MMIO_BASE)
                + self.read(MMIO_END, RAM_SIZE - MMIO_END))
        return full[addr:addr + length]

    def swrite(self, sid: int, offset: int, data: bytes) -> None:
        self._ok(StorageWrite(sid, offset, data))

    def sread(self, sid: int, offset: int = 0, length: int | None = None,
              want: bytes | None = None) -> bytes:
        """Storage bytes from ``offset``; ``length`` defaults to the rest of storage A or B."""
        if length is None:
            length = size_of(sid) - offset
        return self._bytes(StorageRead(sid, offset, length), length, want)

    def snap(self) -> Snap:
        """All of RAM and both storages."""
        return Snap(self.ram(), self.sread(SID_A), self.sread(SID_B))

    def writel(self, addr: int, value: int) -> None:
        self._ok(Writel(addr, value))

    def readl(self, addr: int, want: int | None = None) -> int:
        return self._number(Readl(addr), want)

    def fault(self, sid: int, op: str, count: int) -> None:
        """Inject I/O errors into the next ``count`` ``op`` commands on ``sid`` (R-HOST-7)."""
        self._ok(Fault(sid, op, count))

    def tick(self, ns: int | None = None) -> int:
        """One clock step; the virtual clock it answers (R-HOST-6)."""
        return answer_number(self._ok(ClockStep(ns)))

    # --- registers (SPEC sections 5-8) -------------------------------------------

    def wr(self, offset: int, value: int) -> None:
        self.writel(self.base + offset, value)

    def rd(self, offset: int, want: int | None = None) -> int:
        value = self.readl(self.base + offset, want)
        if value > U32_MASK:
            raise self._mismatch(f"OK {value:#x}", "a u32")
        return value

    def status(self, want: int | None = None) -> int:
        """Read STATUS; it must show only readable flags, never RDY with BUSY."""
        value = self.rd(STATUS)
        self.seen.append(value)
        if value & ~READABLE_FLAGS or value & (RDY | BUSY) == RDY | BUSY:
            raise self._mismatch(f"OK {value:#x}", "RDY, ERR or BUSY, never RDY with BUSY")
        if want is not None and value != want:
            raise self._mismatch(f"OK {value:#x}", f"OK {want:#x}")
        return value

    def sid(self, value: int) -> None:
        self.wr(SID, value)

    def block(self, value: int) -> None:
        self.wr(BLOCK, value)

    def count(self, value: int) -> None:
        self.wr(COUNT, value)

    def addr(self, value: int) -> None:
        self.wr(ADDR, value)

    def go(self, flags: int) -> None:
        """Write ``flags`` to STATUS."""
        self.wr(STATUS, flags)

    def data(self, want: int | None = None) -> int:
        """One DATA read."""
        return self.rd(DATA, want)

    def words(self, n: int, want: Sequence[int] | None = None) -> list[int]:
        """``n`` DATA reads; ``want`` pins each."""
        if want is not None and len(want) != n:
            raise ValueError(f"{n} DATA reads cannot match {len(want)} words")
        return [self.data(None if want is None else want[i]) for i in range(n)]

    def put(self, *words: int) -> None:
        """DATA writes, one a word."""
        for word in words:
            self.wr(DATA, word)

    # --- commands (SPEC sections 7, 9 and 15) ------------------------------------

    def wait(self, want: int | None = None) -> int:
        """Poll STATUS, stepping the clock while BUSY, at most ``bound`` steps; the last STATUS.

        One poll entry, which closes the branch of a probe.
        """
        self.polling = True
        busy: Answer | None = None
        try:
            value = self.status()
            steps = 0
            while value & BUSY:
                busy = busy or self.log[-1].answer
                if steps >= self.bound:
                    raise self._mismatch(f"OK {value:#x}",
                                         f"not BUSY after {steps} clock step(s) (R-BSY-1)")
                self.tick()
                steps += 1
                value = self.status()
        finally:
            self.polling = False
        exchange = self.log[-1]
        snapshot = None if self.snapshot is None else self.snapshot()
        self.entries.append(Entry("poll", exchange.command, exchange.answer, busy,
                                  snapshot=snapshot))
        self.branch = None
        if want is not None and value != want:
            raise self._mismatch(f"OK {value:#x}", f"OK {want:#x}")
        return value

    def in_flight(self, busy: int | None = None, done: int | None = None) -> bool:
        """Read STATUS: whether the command started last is still in flight (BUSY).

        One probe entry: the entries after it, up to the next :meth:`wait`,
        belong to the branch it opens.  ``busy`` pins STATUS while in flight,
        ``done`` once completed.
        """
        if self.branch is not None:
            raise ValueError("a probe inside the branch of another probe")
        self.polling = True
        try:
            value = self.status()
        finally:
            self.polling = False
        exchange = self.log[-1]
        self.entries.append(Entry("probe", exchange.command, exchange.answer))
        flying = bool(value & BUSY)
        want = busy if flying else done
        if want is not None and value != want:
            raise self._mismatch(f"OK {value:#x}", f"OK {want:#x}")
        self.branch = "busy" if flying else "idle"
        return flying

    def run(self, flags: int, want: int | None = None) -> int:
        """Start a command and wait for it; the last STATUS."""
        self.go(flags)
        return self.wait(want)

    def op(self, flags: int, sid: int, block: int, count: int, addr: int = 0,
           want: int | None = None) -> int:
        """One driver operation from a reset controller; the last STATUS."""
        self.go(SRST)
        self.sid(sid)
        self.block(block)
        self.count(count)
        self.addr(addr)
        return self.run(flags, want)
