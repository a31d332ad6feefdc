"""Replay a trace on any target and compare every answer with the expected one."""

from __future__ import annotations

from collections.abc import Sequence

from ..spec.wire import (
    PROTOCOL_VERSION,
    Answer,
    ClockStep,
    Command,
    Fault,
    Machine,
    Ok,
    Quit,
    Read,
    Readl,
    Storage,
    StorageRead,
    StorageWrite,
    Version,
    Write,
    Writel,
    fail,
    format_answer,
    ok_bytes,
    ok_number,
    parse_command,
)
from .errors import TargetRefused
from .fill import expand
from .target import UNSUPPORTED, FaultTarget, Target
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
            case Machine(ram_size, mmio_base):
                target.machine(ram_size, mmio_base)
            case Storage(sid, size):
                target.storage(sid, size)
            case StorageWrite(sid, offset, data):
                target.storage_write(sid, offset, data)
            case StorageRead(sid, offset, length):
                return ok_bytes(target.storage_read(sid, offset, length))
            case Write(addr, data):
                target.write(addr, data)
            case Read(addr, length):
                return ok_bytes(target.read(addr, length))
            case Fault(sid, op, count):
                if not isinstance(target, FaultTarget):
                    return fail(UNSUPPORTED)
                target.fault(sid, op, count)
    except TargetRefused as exc:
        return fail(str(exc))
    return Ok()


def replay_steps(target: Target, steps: Sequence[Step]) -> list[str]:
    """Run ``steps`` on ``target``; one line per answer that is not the expected one."""
    problems: list[str] = []
    for number, step in enumerate(steps, 1):
        answer = format_answer(execute(target, parse_command(expand(step.command))))
        if not step.matches(answer):
            problems.append(f"step {number}: {step.command}: expected {step.expect}, got {answer}")
    return problems
