"""Shrink a failing trace further, operation by operation.

Hypothesis shrinks the sequence of *rules*; a rule may send many operations
(a whole driver transaction, a sweep of STATUS values).  This pass works on
the recorded wire operations themselves: it replays subsets of them through
the same lockstep harness (same model, same comparisons) and keeps any
subset that still fails, until no single chunk can be dropped (delta
debugging).  The setup (``machine`` and ``storage``) is always kept.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..spec import wire
from ..spec.regmap import Reg
from .errors import Mismatch, TargetCrashed
from .lockstep import LockstepMachine, TargetGone

Line = tuple[str, str | None]


def replay_fails(machine: type[LockstepMachine], commands: Sequence[str],
                 kind: type[Mismatch] = Mismatch) -> list[Line] | None:
    """The recorded trace if ``commands`` still fail with ``kind``, else ``None``.

    After the commands, STATUS is read and all of RAM and every storage are
    compared, so a difference left behind in the device's state is seen.
    """
    harness = machine()
    harness.in_test = False
    try:
        for line in commands:
            _feed(harness, wire.parse_command(line))
            harness.states_agree()
        harness._read(Reg.STATUS)
        harness.final_compare()
    except Mismatch as exc:
        return list(harness.trace) if isinstance(exc, kind) else None
    except TargetGone:
        return None
    finally:
        harness.release()
    return None


def black_box(machine: type[LockstepMachine]) -> type[LockstepMachine]:
    """``machine`` without the white-box comparison: only what a replay can see."""
    return type(f"{machine.__name__}BlackBox", (machine,), {"white_box": None})


def _feed(harness: LockstepMachine, command: wire.Command) -> None:
    base = harness.instance.mmio_base
    match command:
        case wire.Writel(addr, value) if 0 <= addr - base < 0x100:
            harness._write(addr - base, value)
        case wire.Readl(addr) if 0 <= addr - base < 0x100:
            harness._read(addr - base)
        case wire.ClockStep():
            harness._tick()
        case _:
            harness._do(command)


def _setup_length(commands: Sequence[str]) -> int:
    """How many leading commands power on and fill the machine."""
    n = 0
    while n < len(commands) and commands[n].split()[0] in ("machine", "storage",
                                                             "storage-write", "write"):
        n += 1
    return n


def minimize(machine: type[LockstepMachine], trace: Sequence[Line], *,
             budget: int = 400) -> list[Line]:
    """A 1-minimal failing subsequence of ``trace`` (within ``budget`` replays)."""
    commands = [line for line, _ in trace]
    setup_n = _setup_length(commands)
    setup, body = commands[:setup_n], commands[setup_n:]
    # Prefer a trace whose failure shows in the answers alone, so that it
    # replays on the target without the white-box comparison.
    if machine.white_box is not None and replay_fails(black_box(machine), commands) is not None:
        machine = black_box(machine)
    kind: type[Mismatch] = TargetCrashed
    best = replay_fails(machine, commands, kind)
    if best is None:
        kind = Mismatch
        best = replay_fails(machine, commands, kind)
    if best is None:  # not reproducible outside Hypothesis: keep what we have
        return list(trace)
    replays = 1
    chunk = max(len(body) // 2, 1)
    while chunk >= 1 and replays < budget:
        i = 0
        removed = False
        while i < len(body) and replays < budget:
            candidate = body[:i] + body[i + chunk:]
            replays += 1
            result = replay_fails(machine, setup + candidate, kind)
            if result is not None:
                body, best, removed = candidate, result, True
            else:
                i += chunk
        if not removed:
            chunk //= 2
    return _drop_redundant_sync(best)


def _drop_redundant_sync(trace: list[Line]) -> list[Line]:
    """Collapse runs of identical STATUS reads the harness added while replaying."""
    out: list[Line] = []
    for line in trace:
        if out and line == out[-1] and line[0].startswith("readl") and _is_status(line[0]):
            continue
        out.append(line)
    return out


def _is_status(line: str) -> bool:
    command = wire.parse_command(line)
    return isinstance(command, wire.Readl) and command.addr % 0x100 == Reg.STATUS
