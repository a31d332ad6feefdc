"""Replay a trace on any target and compare every answer with the expected one.

A step with an expected answer (``expect``) is compared with it.  A step
without one is compared, when the replay runs the model beside the target
(:func:`replay_steps` with a ``latency``), with the answer the model gives
at that point of the replay, wherever the spec determines the answer
(:class:`ModelBeside` says where); without the model it accepts any answer,
as the operations a reproducer states as not compared do (SPEC section 18).

A line per differing answer names the step, its command and what differed;
a read of RAM or of a storage names its first differing byte in the words of
:func:`~._difference.describe`, the description of a ``duckybio check``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..spec.regmap import BLOCK_SIZE, PAGE_SIZE, WORD_SIZE, Reg
from ..spec.wire import (
    PROTOCOL_VERSION,
    Answer,
    AttachStorage,
    ClockStep,
    Command,
    Fail,
    Fault,
    Ok,
    PowerOn,
    Quit,
    RamRead,
    RamWrite,
    Readl,
    StorageRead,
    StorageWrite,
    Version,
    WireError,
    Writel,
    fail,
    format_answer,
    ok_bytes,
    ok_number,
    parse_answer,
    parse_bytes,
    parse_command,
)
from ._difference import describe
from ._fill import abbreviate, expand
from ._model_target import ModelTarget
from ._target import UNSUPPORTED, FaultTarget, Target
from .errors import TargetRefused
from .trace import Step


def execute(target: Target, command: Command) -> Answer:
    """Carry out one wire command on ``target``; a refusal is a ``FAIL`` answer.

    :class:`~duckybio.kit.errors.TargetBroken` propagates: a broken target
    has no answer.
    """
    try:
        match command:  # the guest's accesses first: most commands are
            case Writel(addr, value):
                target.writel(addr, value)
            case Readl(addr):
                return ok_number(target.readl(addr))
            case ClockStep(ns):
                return ok_number(target.clock_step(ns))
            case Version():
                return Ok(PROTOCOL_VERSION)
            case Quit():
                return Ok()
            case PowerOn(ram_size, mmio_base):
                target.machine(ram_size, mmio_base)
            case AttachStorage(sid, size):
                target.storage(sid, size)
            case StorageWrite(sid, offset, data):
                target.storage_write(sid, offset, data)
            case StorageRead(sid, offset, length):
                return ok_bytes(target.storage_read(sid, offset, length))
            case RamWrite(addr, data):
                target.write(addr, data)
            case RamRead(addr, length):
                return ok_bytes(target.read(addr, length))
            case Fault(sid, op, count):
                if not isinstance(target, FaultTarget):
                    return fail(UNSUPPORTED)
                target.fault(sid, op, count)
    except TargetRefused as exc:
        return fail(str(exc))
    return Ok()


def _overlaps(start: int, length: int, other: int, other_length: int) -> bool:
    return length > 0 and other_length > 0 and start < other + other_length\
        and other < start + length


def unspecified(model: ModelTarget, command: Command) -> bool:
    """Whether ``command`` touches bytes a command in flight leaves unspecified (R-BSY-6).

    Those are the addressed blocks of ``model``'s command in flight and, for
    a DMA command, its DMA range; ``command`` reads or writes them.
    """
    flight = model.state.bio.command
    if flight is None:
        return False
    length = flight.count * BLOCK_SIZE
    ram: tuple[int, int] | None = None
    match command:
        case RamRead(addr, n):
            ram = (addr, n)
        case RamWrite(addr, data):
            ram = (addr, len(data))
        case Readl(addr) | Writel(addr, _):
            ram = None if 0 <= addr - model.config.mmio_base < PAGE_SIZE else (addr, WORD_SIZE)
        case StorageRead(sid, offset, n):
            return sid == flight.sid and _overlaps(offset, n, flight.block * BLOCK_SIZE, length)
        case StorageWrite(sid, offset, data):
            return sid == flight.sid and _overlaps(offset, len(data), flight.block * BLOCK_SIZE,
                                                   length)
    return ram is not None and flight.dma and _overlaps(*ram, flight.addr, length)


#: How a clock step's expected answer is shown: its value is the target's own clock.
CLOCK_ANSWER = "OK <the clock>"


class ModelBeside:
    """The model run beside a replayed target: the answer each command must get.

    The model completes a command on exactly the ``latency``-th clock step
    after its start (as the golden vectors of that latency assume, and
    ``duckybio serve --latency N`` does).  :meth:`expect` runs a command on
    the model and returns its answer, or ``None`` where the spec leaves the
    answer open, which is:

    - every answer before the first accepted ``machine`` and after a refused
      one, but those of ``machine``, ``version`` and ``quit`` (what a refused
      ``machine`` leaves behind is unspecified, SPEC section 12);
    - a read of bytes a command in flight leaves unspecified (R-BSY-6);
    - every answer after a host write to such bytes (its effect on the
      command is unspecified) until the next ``machine``;
    - a data read (RAM, a storage, the DATA register) after a command an
      injected fault failed (R-CMD-12, clarification 11) until the next
      ``machine``.

    A clock step's answer must be ``OK`` and a number (:data:`CLOCK_ANSWER`):
    the number is the target's virtual clock.  Where the model answers
    ``FAIL``, any ``FAIL`` matches; where it accepts a ``fault``, ``FAIL``
    matches too (fault injection is optional, R-HOST-7), and the model then
    cancels that fault so that it keeps in step with the target.
    """

    def __init__(self, latency: int = 0) -> None:
        self.model = ModelTarget(latency)
        #: A machine was accepted, and none refused since.
        self.powered = False
        #: No host write touched a command in flight since the machine was powered on.
        self.settled = True
        #: No injected fault left bytes unspecified since the machine was powered on.
        self.data_known = True
        #: The model's answer to the latest command.
        self.answer: Answer = Ok()

    def expect(self, command: Command) -> Answer | None:
        """Run ``command`` on the model; the answer it must get (``None``: any)."""
        model = self.model
        if isinstance(command, PowerOn):
            self.answer = execute(model, command)
            self.powered = isinstance(self.answer, Ok)
            self.settled = self.data_known = True
            return self.answer
        touches = unspecified(model, command)
        self.answer = answer = execute(model, command)
        if model.faulted:
            self.data_known = False
            model.faulted.clear()
        if isinstance(command, Version | Quit):
            return answer
        if not (self.powered and self.settled):
            return None
        if touches:
            if isinstance(command, RamRead | Readl | StorageRead):
                return None
            self.settled = False  # a host write into the bytes of a command in flight
        if not self.data_known and self._data_read(command):
            return None
        return answer

    def observe(self, command: Command, observed: Answer) -> None:
        """The target answered ``observed`` to the command :meth:`expect` ran last.

        A ``fault`` the target refuses and the model accepted is cancelled on
        the model: the target does not inject faults (R-HOST-7).
        """
        if isinstance(command, Fault) and isinstance(observed, Fail) and isinstance(
                self.answer, Ok):
            execute(self.model, Fault(command.sid, command.op, 0))

    def _data_read(self, command: Command) -> bool:
        match command:
            case RamRead() | StorageRead():
                return True
            case Readl(addr):
                offset = addr - self.model.config.mmio_base
                return not 0 <= offset < PAGE_SIZE or offset == Reg.DATA
        return False

    @staticmethod
    def accepts(command: Command, expected: Answer, observed: Answer) -> bool:
        """Whether ``observed`` is an answer the model's ``expected`` answer allows."""
        if isinstance(expected, Fail):
            return isinstance(observed, Fail)
        if isinstance(command, ClockStep):
            return isinstance(observed, Ok) and observed.value is not None
        if isinstance(command, Fault) and isinstance(observed, Fail):
            return True
        return observed == expected

    @staticmethod
    def shown(command: Command, expected: Answer) -> str:
        """``expected`` as a failure line states it."""
        if isinstance(expected, Fail):
            return "FAIL"
        if isinstance(command, ClockStep):
            return CLOCK_ANSWER
        return format_answer(expected)


@dataclass(frozen=True, slots=True)
class Replayed:
    """What a replay found: a line per differing answer, and the steps not compared."""

    problems: list[str]
    #: Steps whose answer was not compared: no expectation, and none the model determines.
    open_steps: int


def replay(target: Target, steps: Sequence[Step], *, latency: int | None = None,
           first: int = 1) -> Replayed:
    """Run ``steps`` on ``target`` and compare the answers (see :func:`replay_steps`)."""
    beside = None if latency is None else ModelBeside(latency)
    problems: list[str] = []
    open_steps = 0
    for number, step in enumerate(steps, first):
        command = parse_command(expand(step.command))
        modelled = None if beside is None else beside.expect(command)
        observed = execute(target, command)
        if beside is not None:
            beside.observe(command, observed)
        if step.expect is not None:
            if not step.matches(format_answer(observed)):
                problems.append(problem_line(number, step, command, step.expect, observed))
        elif beside is None or modelled is None:
            open_steps += 1
        elif not beside.accepts(command, modelled, observed):
            problems.append(problem_line(number, step, command, beside.shown(command, modelled),
                                     observed))
    return Replayed(problems, open_steps)


def replay_steps(target: Target, steps: Sequence[Step], *, latency: int | None = None,
                 first: int = 1) -> list[str]:
    """Run ``steps`` on ``target``; one line per answer that is not the expected one.

    A step's answer is compared with its ``expect``.  With ``latency``, the
    model runs beside the target with that latency and a step without
    ``expect`` is compared with the model's answer where the spec determines
    it (:class:`ModelBeside`); without ``latency``, such a step accepts any
    answer.  Steps are numbered from ``first``.
    """
    return replay(target, steps, latency=latency, first=first).problems


def problem_line(number: int, step: Step, command: Command, expected: str,
             observed: Answer) -> str:
    """The line of step ``number``, which answered ``observed`` instead of ``expected``.

    Bytes of RAM or of a storage are described by their first differing byte.
    """
    line = abbreviate(step.command)
    return f"step {number}: {line}: {_difference(command, line, expected, observed)}"


def _difference(command: Command, line: str, expected: str, observed: Answer) -> str:
    """What differs: the first differing byte of two byte strings, or both answers."""
    want = _bytes_answer(expected)
    if isinstance(command, RamRead | StorageRead) and want is not None and isinstance(
            observed, Ok) and observed.value is not None:
        try:
            differ = parse_bytes(want.value or "") != parse_bytes(observed.value)
        except WireError:
            differ = False
        if differ:
            return str(describe(command, line, want, observed, mmio_base=0, transition="",
                                effect=None))
    return f"expected {abbreviate(expected)}, got {abbreviate(format_answer(observed))}"


def _bytes_answer(text: str) -> Ok | None:
    """``text`` as an ``OK <value>`` answer (``None``: it is no such answer)."""
    try:
        answer = parse_answer(text)
    except WireError:
        return None
    return answer if isinstance(answer, Ok) and answer.value is not None else None
