"""The device a driver meets: the reference implementation checked against the model.

A :class:`CheckedBus` is what a driver is given (SPEC section 16).  Every
access goes through the kit's comparing :class:`~duckybio.kit.Harness`
(white box: the reference implementation's whole state is compared with the
model's after every access), so the driver sees a conforming device; each
command's latency comes from the scenario, chosen per command.  Before the
access is carried out the bus checks the driver rules that concern single
accesses (D-4, D-5, D-6, D-7) and the access budget (D-1); a broken rule
raises :class:`RuleBroken`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from ..kit import Harness, HarnessConfig, Policy, ReferenceTarget
from ..kit.engine import pattern
from ..kit.errors import KitError, TargetRefused
from ..spec import wire
from ..spec.drive import Request
from ..spec.regmap import BLOCK_SIZE, PAGE_SIZE, WORD_SIZE, Flag, Reg
from ._scenario import Scenario

__all__ = ["CheckedBus", "RuleBroken", "access_budget"]

_REGISTERS: Final = frozenset(int(r) for r in Reg)
_SETUP: Final = frozenset(int(r) for r in (Reg.SID, Reg.BLOCK, Reg.COUNT, Reg.ADDR, Reg.DATA))


class RuleBroken(KitError, AssertionError):
    """The driver broke driver rule ``rule`` (an ``AssertionError``: Hypothesis shrinks it)."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"{rule}: {message}")
        self.rule = rule


class BudgetSpent(BaseException):
    """Raised into a driver that spent its access budget (D-1).

    A ``BaseException``, so that a driver's ``except Exception`` cannot
    swallow it and poll on.
    """


def access_budget(request: Request, latency: int) -> int:
    """The accesses a driver may make for ``request`` (D-1).

    Enough for a PIO transfer of every word twice, and for polling every
    command and reset of the request many times over, each BUSY for
    ``latency`` clock steps: the most the scenario keeps any command BUSY,
    which the driver sees, not the declared bound, which it is not told.
    """
    words = request.count * BLOCK_SIZE // WORD_SIZE
    return 64 + 2 * words + 16 * (latency + 1)


class CheckedBus:
    """The device side of a driver run: a harness, the rules, the latency schedule.

    ``log`` is the access log: every line the driver and duckybio exchanged,
    with the device's answers.  ``mmio_base`` and ``ram_size`` say where the
    page and RAM are.  The host-only operations of :class:`~duckybio.kit.Target`
    are refused: a driver reaches the device only as a CPU does.
    """

    def __init__(self, scenario: Scenario, busy_bound: int) -> None:
        self.scenario = scenario
        self.instance = scenario.instance
        self.busy_bound = busy_bound
        self.mmio_base = self.instance.mmio_base
        self.ram_size = self.instance.ram_size
        self.harness = Harness(HarnessConfig(ReferenceTarget, Policy(white_box=True),
                                             self.instance))
        self.log: list[str] = []
        self.commands = 0
        self.request: Request | None = None
        self.accesses = 0
        self.budget = 0
        self.inherited_err = self.inherited_dma = False
        #: The first rule the driver broke in this scenario.
        self.broken: RuleBroken | None = None
        self.harness.power_on()
        if scenario.contents:
            self._fill(scenario.contents)

    def _fill(self, salt: int) -> None:
        """Other contents for every storage and all of RAM (still no repeated word)."""
        inst = self.instance
        for shape in inst.storages:
            if shape.size:
                self.harness.send(wire.StorageWrite(shape.sid, 0,
                                                    pattern(shape.size, shape.sid + 0x100 * salt)))
        self.harness.send(wire.RamWrite(0, pattern(inst.mmio_base, 0x5A + 0x100 * salt)))
        upper = inst.mmio_base + PAGE_SIZE
        if upper < inst.ram_size:
            self.harness.send(wire.RamWrite(upper, pattern(inst.ram_size - upper,
                                                        0xA5 + 0x100 * salt)))

    # --- requests -------------------------------------------------------------------

    def begin(self, request: Request | None) -> None:
        """Start counting the driver's accesses for ``request`` (``None``: a prelude)."""
        self.request = request
        self.accesses = 0
        self.budget = 0 if request is None else access_budget(
            request, max(self.scenario.latencies))
        bio = self.harness.model.state.bio
        self.inherited_err = bool(bio.flags & Flag.ERR)
        self.inherited_dma = bio.dma
        if request is not None:
            self.log.append(f"> {request.line()}")

    def note(self, line: str) -> None:
        """Add a line to the access log."""
        self.log.append(line)

    def release(self) -> None:
        """Let the device go (the end of the scenario)."""
        self.harness.release()

    def close(self) -> None:
        """Nothing: the device outlives the driver's requests (see :meth:`release`)."""

    # --- the rules of single accesses --------------------------------------------

    def _count(self) -> None:
        if self.request is None:
            return
        self.accesses += 1
        if self.accesses > self.budget:
            self.log.append(f"  ... access budget of {self.budget} spent")
            raise BudgetSpent()

    def _mmio(self, addr: int) -> int | None:
        offset = addr - self.mmio_base
        return offset if 0 <= offset < PAGE_SIZE else None

    def broke(self, rule: str, message: str) -> RuleBroken:
        """Remember the first broken rule (a driver may swallow the exception)."""
        error = RuleBroken(rule, message)
        if self.broken is None:
            self.broken = error
            self.log.append(f"  !! {error}")
        return error

    def _check_write(self, offset: int, value: int) -> None:
        bio = self.harness.model.state.bio
        if offset not in _REGISTERS:
            raise self.broke("D-7", f"wrote offset {offset:#x} of the page, not a register")
        if bio.busy and offset in _SETUP:
            raise self.broke("D-4", f"wrote {Reg(offset).name} while BUSY (the write is ignored)")
        if offset == Reg.STATUS and value & Flag.SRST:
            self.inherited_err = self.inherited_dma = False
        elif offset == Reg.STATUS and not bio.busy and value & (Flag.READ | Flag.WRITE):
            self._check_start(value)

    def _check_start(self, value: int) -> None:
        """D-6: what the request found (sticky ERR, DMA mode) is reset before a command."""
        if value & Flag.SRST:
            return
        request = self.request
        if self.inherited_err:
            raise self.broke("D-6", "started a command with the ERR the request found still "
                                    "set (no SRST first)")
        if self.inherited_dma and request is not None and request.mode == "pio":
            raise self.broke("D-6", "started a PIO command with the DMA mode the request "
                                    "found still on (no SRST first)")

    def _check_read(self, offset: int) -> None:
        bio = self.harness.model.state.bio
        if offset not in _REGISTERS:
            raise self.broke("D-7", f"read offset {offset:#x} of the page, not a register")
        if offset == Reg.DATA:
            if bio.busy:
                raise self.broke("D-5", "read DATA while BUSY")
            if bio.cursor + WORD_SIZE > len(bio.rbuf):
                raise self.broke("D-5", f"read DATA past the data ({len(bio.rbuf)} bytes, "
                                        f"cursor {bio.cursor})")

    # --- carrying out an access ------------------------------------------------------

    def _send(self, command: wire.Command) -> wire.Answer:
        line = wire.format_command(command)
        answer = self.harness.send(command)
        self.harness.states_agree()
        shown = answer if len(answer) <= 80 else answer[:70] + "..."
        self.log.append(f"  {line if len(line) <= 80 else line[:70] + '...'} => {shown}")
        return wire.parse_answer(answer)

    def _set_latency(self) -> None:
        """The next command's latency, on both sides (the model and the implementation)."""
        latency = self.scenario.latency(self.commands)
        self.commands += 1
        model = self.harness.model
        model.config = replace(model.config, latency=latency)
        target = self.harness.target
        assert isinstance(target, ReferenceTarget)
        target.machine_obj.bio.latency = latency

    def writel(self, addr: int, value: int) -> None:
        self._count()
        offset = self._mmio(addr)
        if offset is not None:
            if self.request is not None:
                self._check_write(offset, value)
            bio = self.harness.model.state.bio
            if offset == Reg.STATUS and not bio.busy and value & (Flag.READ | Flag.WRITE):
                self._set_latency()
        _ok(self._send(wire.Writel(addr, value)))

    def readl(self, addr: int) -> int:
        self._count()
        offset = self._mmio(addr)
        if offset is not None and self.request is not None:
            self._check_read(offset)
        return wire.answer_number(_ok(self._send(wire.Readl(addr))))

    def write(self, addr: int, data: bytes) -> None:
        self._count()
        _ok(self._send(wire.RamWrite(addr, data)))

    def read(self, addr: int, length: int) -> bytes:
        self._count()
        return wire.answer_bytes(_ok(self._send(wire.RamRead(addr, length))), length)

    def clock_step(self, ns: int | None = None) -> int:
        self._count()
        return wire.answer_number(_ok(self._send(wire.ClockStep(ns))))

    def machine(self, ram_size: int, mmio_base: int) -> None:
        raise TargetRefused("a driver cannot power on a machine")

    def storage(self, sid: int, size: int) -> None:
        raise TargetRefused("a driver cannot attach a storage")

    def storage_write(self, sid: int, offset: int, data: bytes) -> None:
        raise TargetRefused("a driver cannot reach a storage but through the device")

    def storage_read(self, sid: int, offset: int, length: int) -> bytes:
        raise TargetRefused("a driver cannot reach a storage but through the device")


def _ok(answer: wire.Answer) -> wire.Ok:
    if isinstance(answer, wire.Fail):
        raise TargetRefused(answer.message)
    return answer
