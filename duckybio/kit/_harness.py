"""The comparing harness: the model and a target driven by the same wire operations.

A :class:`Harness` drives one sequence: it starts a target, sends every
operation to the model and to the target, records it with the model's answer
and compares the answers (SPEC section 13).  Its :class:`~._policy.Policy`
says how the model keeps time with the target (section 9, R-BSY-1..7) and
whether the reference implementation's internal state is compared too
(white box).  Bytes the spec leaves open while BUSY (R-BSY-6) are never
compared.  A disagreement raises :class:`~.errors.Mismatch` (a crash of the
target process :class:`~.errors.TargetCrashed`); keeping going, a sequence
goes on past a deviation of a value (SPEC section 18, :meth:`Harness._resumes`).

The Hypothesis rules (:mod:`._lockstep`) and :func:`replay_lockstep` (the
minimizer's and any user's way to re-run recorded operations) drive the same
harness, so a replay makes exactly the comparisons of the run it came from.
A :class:`RunLog` tallies what the harnesses of one run did.

Black box, an out-of-process target (:class:`~._target.Pipelined`) is not
waited for (:class:`~._batches.Batches`): the answers of one batch are
compared when the next is sent and all of them at the end of a sequence or
before a STATUS value decides what the model does.  The first mismatch is
still located exactly: the trace is cut right after it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from hypothesis import event

from ..model import Action, BioState, Command, EventKind, MachineState, Op, Transition
from ..spec import wire
from ..spec.regmap import BLOCK_SIZE, PAGE_SIZE, Flag, Reg
from ._abstraction import abstract
from ._batches import Batches
from ._difference import Effect, describe, register_mismatch
from ._failure import Failure
from ._fill import abbreviate
from ._model_target import ModelTarget
from ._power_on import describe_difference, fill_reference, power_on_commands
from ._replay import execute
from ._runlog import HarnessConfig, Operation, RunLog, TargetGone
from ._target import FaultTarget, Pipelined, Target
from .errors import KitError, Mismatch, TargetBroken, TargetCrashed, TargetRaised, exited
from .trace import Step

#: Commands that may carry a fill, stated by reference in the trace.
_FILLS = (wire.StorageWrite, wire.RamWrite)

#: Transition kinds that only observe: the signature names the step before them.
_OBSERVING: frozenset[EventKind] = frozenset({EventKind.READ_STATUS, EventKind.READ_OTHER})


class Harness:
    """One sequence: the model and a fresh target, compared operation by operation.

    The constructor starts the target (:class:`TargetGone` when it cannot be
    started); :meth:`finish` makes the final comparison and lets it go.
    With ``events``, every transition class is also reported to Hypothesis.
    """

    #: Whether the target injects faults (R-HOST-7): probed at power-on.
    faults: bool = False

    def __init__(self, config: HarnessConfig, log: RunLog | None = None, *,
                 events: bool = False) -> None:
        self.config = config
        self.instance = config.instance
        self.policy = config.policy
        self.log = RunLog() if log is None else log
        self.events = events
        self.abstraction: Callable[[Target], MachineState] | None = (
            abstract if config.policy.white_box else None)
        self.model = ModelTarget(latency=config.policy.model_latency)
        #: (command line, model's answer or None) per operation sent.
        self.trace: list[Operation] = []
        self.busy_steps = 0
        self.gone = False
        #: Black box: the trace length right after a sync read STATUS (-1: not now).
        self._synced_at = -1
        #: What a comparison made later needs: per trace index, the command and the
        #: transition its mismatch is named by (SPEC section 18).
        self.context: dict[int, tuple[wire.Command, str]] = {}
        #: A deviation already counted ended this sequence: nothing more is sent.
        self.stopped = False
        #: Signatures counted in this sequence (resuming past known deviations).
        self.met: set[str] = set()
        #: The model's latest transition class that changed something (SPEC section 18).
        self.transition = ""
        #: The latest command compared: what it latched, its direction, the bytes it staged.
        self.effect: Effect | None = None
        self._starting: Op | None = None
        self._started = ""
        self._flags = int(Flag.RDY)
        self._flags_changed = ""
        self.last_observed: wire.Answer = wire.Ok()
        #: The latest clock the target answered since its last ``machine`` (R-HOST-6).
        self._clock = 0
        self.seen: set[Transition] = set()
        self.last: Transition | None = None
        log = self.log
        log.trace = self.trace
        log.sequences += 1
        if log.on_progress is not None:
            log.on_progress(log.sequences, log.operations)
        try:
            self.target = config.factory()
        except TargetBroken as exc:
            log.failed()
            raise TargetGone(exc) from None
        except SystemExit as exc:
            log.failed()
            raise TargetGone(exited(exc)) from None
        log.target = self.target
        #: Black box, out of process: the operations whose answers were not compared yet.
        self.batches = (Batches(self.target) if isinstance(self.target, Pipelined)
                        and not config.policy.white_box else None)

    @property
    def busy(self) -> bool:
        """Whether the model has a command in flight."""
        return self.model.state.bio.busy

    @property
    def flags(self) -> int:
        """The model's STATUS flags (RDY, ERR, BUSY)."""
        return self.model.state.bio.flags

    # --- operations -----------------------------------------------------------

    def send(self, command: wire.Command, *, compare: bool = True, needed: bool = False,
             shown: str | None = None) -> str:
        """Send ``command`` to both; record it; compare answers; the model's answer.

        Pipelined, the target's answer is compared later, unless it is
        ``needed`` (then ``last_observed`` holds it) or a command an injected
        fault failed leaves bytes to read back.  ``shown`` is how the trace
        states the command (a fill pattern by reference); the wire gets bytes.
        """
        if self.stopped:
            return ""
        try:
            expected = wire.format_answer(execute(self.model, command))
            if shown is None and isinstance(command, _FILLS):
                shown = fill_reference(command)
            line = shown or wire.format_command(command)
            self.trace.append((line, expected if compare else None))
            self.log.operations += 1
            self._note_outputs()
            index = len(self.trace) - 1
            host = self._host_name(command)
            self.context[index] = (command, host or self._named_by(command, compare))
            if self.batches is not None and not needed and not self.model.faulted:
                if self.batches.add(index, command, None if shown else line):
                    self._flush(wait=False)
                return expected
            self._flush()
            try:
                self.last_observed = execute(self.target, command)
                observed = wire.format_answer(self.last_observed)
            except TargetBroken as exc:
                raise self._gone(exc, index) from None
            except SystemExit as exc:
                raise self._gone(exited(exc), index) from None
            except KitError:
                raise
            except Exception as exc:  # an in-process target's own crash
                raise TargetRaised(f"{abbreviate(line)}: the target raised "
                                   f"{type(exc).__name__}: {exc}",
                                   what=f"crash ({type(exc).__name__})",
                                   transition=host or self.transition) from exc
            self._adopt_unspecified()
            self._compare(index, expected if compare else None, observed)
            return expected
        except TargetGone:
            self.log.failed()
            raise
        except Exception as exc:
            self._deviation(exc)
            return ""

    def _host_name(self, command: wire.Command) -> str:
        """The name of a host command that is not a pure read (``machine``, ``write``, ...);
        empty for a guest access of the MMIO page, a clock step or a byte read.

        A crash or a refused answer of such a command is named by it (SPEC section 18).
        """
        match command:
            case wire.Writel(addr, _) | wire.Readl(addr) if (
                    0 <= addr - self.instance.mmio_base < PAGE_SIZE):
                return ""
            case wire.ClockStep() | wire.RamRead() | wire.StorageRead() | wire.Readl():
                return ""
        return wire.COMMAND_NAMES[type(command)]

    def _named_by(self, command: wire.Command, compare: bool) -> str:
        """The transition a mismatch of ``command`` will be named by (SPEC section 18).

        For a read of another register, that read's own transition.  For a
        STATUS read, the earliest transition that changed the model's
        flags since STATUS last agreed (this read is assumed to agree: if it
        does not, the sequence ends with it).
        """
        offset = command.addr - self.instance.mmio_base if isinstance(command, wire.Readl) else -1
        if compare and offset not in (Reg.STATUS, -1) and 0 <= offset < PAGE_SIZE and (
                self.last is not None):
            # a register read's own value: named by the read itself
            return f"{self.last.kind.value}/{self.last.outcome.text}"
        if compare and offset == Reg.STATUS:
            anchor = self._flags_changed or self.transition
            self._flags_changed = ""
            return anchor
        return self.transition

    def _compare(self, index: int, expected: str | None, observed: str) -> None:
        """Compare the answer of the operation at ``index`` of the trace.

        A ``clock_step`` answer is the device's own clock: it is not compared
        with the model's, but it must never be less than the one before since
        the last ``machine`` (R-HOST-6).
        """
        line = self.trace[index][0]
        command = self.context.get(index, (None, ""))[0]
        if isinstance(command, wire.PowerOn):
            self._clock = 0
        elif isinstance(command, wire.ClockStep):
            self._check_clock(index, observed)
        if expected is None or observed == expected or Step(
                command=line, expect=expected).matches(observed):
            return
        command, transition = self.context.get(index, (None, self.transition))
        mismatch: Mismatch | None = None
        answer: wire.Answer | None = None
        try:
            if command is not None:
                answer = wire.parse_answer(observed)
                mismatch = describe(command, line, wire.parse_answer(expected), answer,
                                    mmio_base=self.instance.mmio_base,
                                    transition=transition, effect=self.effect)
        except wire.WireError:
            pass
        if mismatch is None:
            mismatch = Mismatch(f"{abbreviate(line)}: expected {abbreviate(expected)}, "
                                f"observed {abbreviate(observed)}", what="host answer",
                                transition=transition)
        if not self._resumes(mismatch, index):
            raise mismatch
        if command is not None and isinstance(answer, wire.Ok):
            with contextlib.suppress(wire.WireError):
                self._adopt(command, answer)

    def _check_clock(self, index: int, observed: str) -> None:
        """A ``clock_step`` answer below the previous one is a deviation (R-HOST-6)."""
        try:
            answer = wire.parse_answer(observed)
            if not isinstance(answer, wire.Ok):
                return
            clock = wire.answer_number(answer)
        except wire.WireError:
            return  # a refusal or nonsense: the answer itself is not the model's business
        if clock >= self._clock:
            self._clock = clock
            return
        mismatch = Mismatch(f"{self.trace[index][0]} answers {clock:#x}, less than the "
                            f"{self._clock:#x} it answered before (R-HOST-6)",
                            what="host answer", transition="clock_step")
        if not self._resumes(mismatch, index):
            raise mismatch

    def _resumes(self, mismatch: Mismatch, index: int) -> bool:
        """Whether the sequence goes on past ``mismatch`` of the operation at ``index``.

        Keeping going, a deviation of a value always lets the sequence go on
        (SPEC section 18): a new signature is recorded in ``found`` with the
        trace up to it, and every signature is counted once per sequence.  A
        replay that resumes goes on only past the signatures it knows.  The
        operation is then recorded as not compared.  A crash or a hang ends
        the sequence (:meth:`_deviation`).  Whether a sequence goes on never
        depends on what earlier sequences found, so that a run is the same
        whatever order Hypothesis tries its examples in.
        """
        log = self.log
        signature = mismatch.signature
        if isinstance(mismatch, TargetRaised | TargetCrashed) or not (
                log.keep_going or (log.resume and signature in log.known)):
            return False
        if log.keep_going and signature not in log.known and signature not in log.found:
            log.failed()
            log.found[signature] = Failure.of(mismatch, self.trace[:index + 1], self.config)
        if signature not in self.met:
            self.met.add(signature)
            log.occurrences[signature] = log.occurrences.get(signature, 0) + 1
        self.trace[index] = (self.trace[index][0], None)
        # STATUS still disagrees: the next one is named by the same transition
        if mismatch.what == "STATUS value":
            self._flags_changed = mismatch.transition
        return True

    def _adopt(self, command: wire.Command, answer: wire.Ok) -> None:
        """Resuming past a byte deviation: the model takes the target's bytes, so that
        the same difference is not met again by every later comparison."""
        match command:
            case wire.StorageRead(sid, offset, length):
                self.model.storage_write(sid, offset, wire.answer_bytes(answer, length))
            case wire.RamRead(addr, length):
                self.model.write(addr, wire.answer_bytes(answer, length))

    def _deviation(self, exc: Exception) -> None:
        """A disagreement: raise it, or (allowed, or keeping going) record it and stop."""
        log = self.log
        signature = exc.signature if isinstance(exc, Mismatch) else None
        if signature is None or not (log.keep_going or signature in log.known):
            log.failed()
            raise exc
        self.stopped = True
        if self.batches is not None:
            self.batches.drop_pending()
        if signature not in self.met:
            log.occurrences[signature] = log.occurrences.get(signature, 0) + 1
        if signature not in log.known and signature not in log.found:
            log.failed()
            assert isinstance(exc, Mismatch)
            log.found[signature] = Failure.of(exc, self.trace, self.config)

    def flush(self) -> None:
        """Pipelined: await every answer not yet seen and compare them in order.

        The first disagreement (or the operation the target broke on) is
        located exactly: the trace is cut right after it.
        """
        if self.stopped:
            return
        try:
            self._flush()
        except TargetGone:
            self.log.failed()
            raise
        except Exception as exc:
            self._deviation(exc)

    def _flush(self, *, wait: bool = True) -> None:
        """Send the pending operations; compare the answers of those sent before
        (with ``wait``, of all of them; see :meth:`.Batches.exchange`)."""
        if self.batches is None:
            return
        trace = self.trace
        answers = self.batches.exchange(lambda index: trace[index][1], wait=wait)
        for index, answer in answers.answered:
            try:
                self._compare(index, trace[index][1], answer)
            except Mismatch:
                del trace[index + 1:]
                raise
        if answers.broken is not None:
            last = answers.unanswered[:1] or [index for index, _ in answers.answered[-1:]]
            if last:  # the operation it broke on ends the trace
                del trace[last[0] + 1:]
            raise self._gone(answers.broken, last[0] if last else None) from None

    def _note_outputs(self) -> None:
        """Tally the classes (and pairs of classes) the model took since the last call.

        Also keeps the latest transition that changed something, which names
        a deviation (SPEC section 18), and where the model's flags changed.
        """
        counts = self.log.counts
        for out in self.model.outputs:
            transition = t = out.transition
            counts[t] = counts.get(t, 0) + 1
            o = t.outcome
            if t.kind is EventKind.WRITE_STATUS and o.started is not None:
                # a command is named by its direction and mode, whatever else the write did
                bio = self.model.state.bio
                dma = bio.command.dma if bio.command is not None else bio.dma
                self._started = f"{t.kind.value}/start-{'dma-' if dma else ''}{o.started.value}"
                self.transition = (f"{self._started}+{o.end.value}" if o.end is not None
                                   else self._started)
                self._note_pair(transition)
                continue
            if t.kind in (EventKind.TICK, EventKind.COMPLETE) and self._started and (
                    o.end is not None or o.action is Action.WAIT):
                # a command's end is named by the STATUS write that started it
                self.transition = (f"{self._started}+{o.end.value}" if o.end is not None
                                   else f"{self._started} (in flight)")
            elif t.kind not in _OBSERVING and not (
                    t.kind is EventKind.TICK and o.action is Action.IGNORED):
                self.transition = f"{t.kind.value}/{o.text}"
            self._note_pair(transition)
        self.model.outputs.clear()
        flags = self.model.state.bio.flags
        if flags != self._flags:
            self._flags = flags
            self._flags_changed = self._flags_changed or self.transition

    def _note_pair(self, transition: Transition) -> None:
        """Tally ``transition`` and the pair it ends (coverage)."""
        if self.last is not None:
            self.log.pairs.add((self.last, transition))
        self.last = transition
        if transition not in self.seen:
            self.seen.add(transition)
            self.log.covered.add(transition)
            if self.events:
                event(str(transition))

    def write(self, offset: int, value: int) -> None:
        """A guest write of the MMIO page; black box, a STATUS write is followed by a sync."""
        before = self.model.state.bio
        self.send(wire.Writel(self.instance.mmio_base + offset, value))
        if not before.busy and self.busy:
            self.busy_steps = 0
        if offset == Reg.STATUS and self.abstraction is None:
            self._starting = (Op.READ if value & Flag.READ else
                              Op.WRITE if value & Flag.WRITE else None)
            self.sync(before, starts=bool(value & (Flag.READ | Flag.WRITE)))

    def read(self, offset: int) -> None:
        """A guest read of the MMIO page.

        Black box, a STATUS read right after a sync is the sync's own read:
        nothing happened in between, so it is not sent twice.
        """
        if offset == Reg.STATUS and self._synced_at == len(self.trace):
            self._synced_at = -1
            return
        self.send(wire.Readl(self.instance.mmio_base + offset))

    def tick(self, ns: int | None = None) -> None:
        """One clock step (``ns``: its advisory argument); black box, followed by a sync."""
        before = self.model.state.bio
        if before.busy:
            self.busy_steps += 1
        self.send(wire.ClockStep(ns), compare=False)
        if self.abstraction is None:
            self.sync(before)

    def wait(self) -> None:
        """Poll like a driver: step the clock while the command is BUSY (bounded)."""
        for _ in range(self.policy.polls):
            if not self.busy or self.stopped:
                return
            self.tick()
            self.read(Reg.STATUS)

    def feed(self, command: wire.Command, shown: str | None = None) -> None:
        """Carry out one recorded command the way the rules do (MMIO, clock, host);
        ``shown``: a host command as the trace states it (a fill by reference).

        Observing (:attr:`HarnessConfig.observe`), every command but a pure
        read is followed by a STATUS read and, with no command in flight, a
        comparison of all of RAM and every storage.
        """
        if shown is not None:
            self.send(command, shown=shown)
        else:
            self._feed(command)
        if self.config.observe and not self.stopped and not self._is_pure_read(command):
            self.sync(self.model.state.bio)
            self.final_compare()

    def _is_pure_read(self, command: wire.Command) -> bool:
        match command:
            case wire.RamRead() | wire.StorageRead() | wire.Version():
                return True
            case wire.Readl(addr):
                offset = addr - self.instance.mmio_base
                return offset == Reg.STATUS or not 0 <= offset < PAGE_SIZE
        return False

    def _feed(self, command: wire.Command) -> None:
        base = self.instance.mmio_base
        match command:
            case wire.Writel(addr, value) if 0 <= addr - base < PAGE_SIZE:
                self.write(addr - base, value)
            case wire.Readl(addr) if 0 <= addr - base < PAGE_SIZE:
                self.read(addr - base)
            case wire.ClockStep(ns):
                self.tick(ns)
            case wire.Fault(_, _, 0):  # the probe (or a cancel): its answer says support
                self.probe_faults(command)
            case wire.Fault() if not self.faults:  # the probe said: no fault injection
                pass
            case _:
                self.send(command)

    def sync(self, before: BioState, *, starts: bool = False) -> None:
        """Black box, after a STATUS write or a clock step: read STATUS and compare.

        Without exact latency the model completes its command when the target
        has left BUSY.  When a command has just ended, the bytes it may have
        changed are compared too.
        """
        if self.stopped:
            return
        try:
            self._sync(before, starts)
        except TargetGone:
            self.log.failed()
            raise
        except Exception as exc:
            self._deviation(exc)

    def _sync(self, before: BioState, starts: bool) -> None:
        addr = self.instance.mmio_base + Reg.STATUS
        if self.batches is not None and (self.policy.exact_latency or not self.busy):
            # the model does not wait on this answer: it is compared, never needed
            self.send(wire.Readl(addr))
            self._after_sync(before, starts)
            self._synced_at = len(self.trace)
            return
        self._flush()
        line = wire.format_command(wire.Readl(addr))
        try:
            observed = self.target.readl(addr)
        except (TargetBroken, SystemExit) as exc:
            self.trace.append((line, None))
            raise self._gone(_broken(exc)) from None
        if not self.policy.exact_latency and self.busy and not observed & Flag.BUSY:
            self.model.complete()
            self._adopt_unspecified()
        expected = self.model.readl(addr)
        self.trace.append((line, wire.format_answer(wire.ok_number(expected))))
        self.log.operations += 1
        self._note_outputs()
        anchor = self._named_by(wire.Readl(addr), True)
        if observed != expected:
            mismatch = register_mismatch(Reg.STATUS, expected, observed, line, anchor)
            if not self._resumes(mismatch, len(self.trace) - 1):
                raise mismatch
        self._after_sync(before, starts)
        self._synced_at = len(self.trace)

    def _after_sync(self, before: BioState, starts: bool) -> None:
        if self.busy:
            if self.busy_steps >= self.policy.busy_bound:
                raise Mismatch(f"command still BUSY after {self.busy_steps} clock steps "
                               f"(bound {self.policy.busy_bound})", what="hang (BUSY past "
                               "the bound)", transition=self.transition)
        elif before.busy or starts:
            self._compare_effects(before.command or before, len(before.wbuf))

    def _compare_effects(self, latched: Command | BioState, staged: int) -> None:
        """After a command ended: its storage, and its DMA range in RAM."""
        data = self.model.state.storage(latched.sid)
        if latched.sid is None or data is None:
            return
        if isinstance(latched, Command):
            self.effect = (latched, latched.op, latched.dma, staged)
        else:  # started and ended within this STATUS write, which may have set DMA
            self.effect = (latched, self._starting, self.model.state.bio.dma, staged)
        self.send(wire.StorageRead(latched.sid, 0, len(data)))
        length = latched.count * BLOCK_SIZE
        if latched.dma and length > 0 and self.model.config.is_ram_range(latched.addr, length):
            self.send(wire.RamRead(latched.addr, length))

    def _adopt_unspecified(self) -> None:
        """After a command an injected fault failed: the bytes it leaves unspecified
        (R-CMD-12, clarification 11) are read from the target and taken into the
        model, uncompared, like bytes while BUSY (R-BSY-6)."""
        for c in self.model.faulted:
            length = c.count * BLOCK_SIZE
            if c.op.value == "write" and c.sid is not None:
                command: wire.Command = wire.StorageRead(c.sid, c.block * BLOCK_SIZE, length)
            elif c.dma and self.model.config.is_ram_range(c.addr, length):
                command = wire.RamRead(c.addr, length)
            else:
                continue
            self.trace.append((wire.format_command(command), None))
            try:
                if isinstance(command, wire.StorageRead):
                    data = self.target.storage_read(command.sid, command.offset, length)
                    self.model.storage_write(command.sid, command.offset, data)
                else:
                    self.model.write(c.addr, self.target.read(c.addr, length))
            except (TargetBroken, SystemExit) as exc:
                raise self._gone(_broken(exc)) from None
        self.model.faulted.clear()

    def probe_faults(self, probe: wire.Fault | None = None) -> bool:
        """Whether the target injects faults: ``fault SID read 0`` answers OK (R-HOST-7).

        Later ``fault`` lines of a replay are skipped where it does not.
        """
        self.log.probed = True
        if not self.instance.storages or not isinstance(self.target, FaultTarget):
            return False
        probe = probe or wire.Fault(self.instance.storages[0].sid, "read", 0)
        self.faults = self.send(probe, compare=False, needed=True) == "OK" and wire.format_answer(
            self.last_observed) == "OK"
        self.log.faults = self.log.faults or self.faults
        return self.faults

    def _gone(self, exc: TargetBroken, index: int | None = None) -> BaseException:
        """A crash (the process exited) is shrunk; a hang or nonsense stops the run.

        A crash is named by the host command it happened on (``index`` of the
        trace), if it is one, else by the latest transition (SPEC section 18).
        """
        self.gone = True
        if getattr(self.target, "crashed", False):
            named = self.context.get(len(self.trace) - 1 if index is None else index)
            host = self._host_name(named[0]) if named is not None else ""
            return TargetCrashed(f"target crashed: {exc}", what="crash",
                                 transition=host or self.transition)
        return TargetGone(exc)

    # --- set-up and comparisons ----------------------------------------------------

    def power_on(self) -> None:
        """Power on; fill every storage and RAM with distinct, non-repeating bytes.

        The contents are fixed, not drawn, so that shrinking cannot zero them:
        a wrong block, address, byte order or cursor shows in the first word.
        """
        commands = power_on_commands(self.instance)
        storages = 1 + sum(1 + bool(shape.size) for shape in self.instance.storages)
        for command in commands[:storages]:
            self.send(command, shown=fill_reference(command))
        self.probe_faults()
        for command in commands[storages:]:
            self.send(command, shown=fill_reference(command))

    def states_agree(self) -> None:
        """White box: the abstraction of the implementation equals the model."""
        if self.abstraction is None or not self.trace or self.stopped:
            return
        try:
            observed = self.abstraction(self.target)
            expected = self.model.state
            if observed != expected:
                raise Mismatch(describe_difference(expected, observed), what="internal state",
                               transition=self.transition)
        except TargetGone:
            self.log.failed()
            raise
        except Exception as exc:
            self._deviation(exc)

    def finish(self) -> None:
        """Compare all of RAM and every storage (when idle), then let the target go."""
        try:
            self.final_compare()
            self.flush()
        finally:
            self.release()

    def compare_outside(self) -> None:
        """Every byte of RAM and of the storages that the command in flight leaves
        unchanged: all but its addressed blocks and DMA range (R-BSY-6)."""
        command = self.model.state.bio.command
        if command is None or self.stopped:
            return
        length = command.count * BLOCK_SIZE
        base = self.instance.mmio_base
        holes = [(base, base + PAGE_SIZE)]
        if command.dma:
            holes.append((command.addr, command.addr + length))
        for lo, hi in gaps(self.instance.ram_size, holes):
            self.send(wire.RamRead(lo, hi - lo))
        for sid, data in self.model.state.storages:
            addressed = ([(command.block * BLOCK_SIZE, (command.block + command.count)
                           * BLOCK_SIZE)] if sid == command.sid else [])
            for lo, hi in gaps(len(data), addressed):
                self.send(wire.StorageRead(sid, lo, hi - lo))

    def final_compare(self) -> None:
        """All of RAM and every storage, when no command is in flight."""
        if self.trace and not self.busy and not self.gone and not self.stopped:
            self.send(wire.RamRead(0, self.instance.mmio_base))
            upper = self.instance.mmio_base + PAGE_SIZE
            if upper < self.instance.ram_size:
                self.send(wire.RamRead(upper, self.instance.ram_size - upper))
            for sid, data in self.model.state.storages:
                self.send(wire.StorageRead(sid, 0, len(data)))

    def release(self) -> None:
        """Let the target go (answers still pending are awaited, not compared)."""
        if self.batches is not None:
            self.batches.abandon()
        try:
            self.target.close()
        except (TargetBroken, SystemExit) as exc:
            raise TargetGone(_broken(exc)) from None


def _broken(exc: TargetBroken | SystemExit) -> TargetBroken:
    return exited(exc) if isinstance(exc, SystemExit) else exc


def gaps(size: int, holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``[0, size)`` without ``holes``, as non-empty ranges in order."""
    out: list[tuple[int, int]] = []
    at = 0
    for lo, hi in sorted(holes):
        if lo > at:
            out.append((at, min(lo, size)))
        at = max(at, hi)
    if at < size:
        out.append((at, size))
    return [(lo, hi) for lo, hi in out if hi > lo]
