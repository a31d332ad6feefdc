"""Shrink a failing trace further, operation by operation.

Hypothesis shrinks the sequence of *rules*; a rule may send many operations
(a whole driver transaction, a sweep of STATUS values).  This pass works on
the recorded wire operations themselves: it replays subsets of them with
:func:`~.harness.replay_lockstep` (same model, same comparisons) and keeps
any subset that still fails the same way, until no single chunk can be
dropped (delta debugging).  The setup (``machine`` and ``storage``) is
always kept.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..spec import wire
from ..spec.regmap import PAGE_SIZE, Reg
from .errors import Mismatch, TargetCrashed
from .harness import HarnessConfig, Operation, RunLog, replay_lockstep

#: Leading commands that power on and fill the machine.
_SETUP_COMMANDS = ("machine", "storage", "storage-write", "write")


def minimize(config: HarnessConfig, trace: Sequence[Operation], *, log: RunLog | None = None,
             budget: int = 400) -> list[Operation]:
    """A 1-minimal failing subsequence of ``trace`` (within ``budget`` replays).

    Every replay is tallied in ``log``.  A trace whose failure does not
    reproduce outside Hypothesis is returned as it is.
    """
    commands = [line for line, _ in trace]
    setup_n = _setup_length(commands)
    setup, body = commands[:setup_n], commands[setup_n:]
    # Prefer a trace whose failure shows in the answers alone, so that it
    # replays on the target without the white-box comparison.
    if config.policy.white_box and _fails(config.black_box(), commands, Mismatch, log):
        config = config.black_box()
    kind: type[Exception] = TargetCrashed
    best: list[Operation] | None = None
    for kind in (TargetCrashed, Mismatch, Exception):  # a crash, a mismatch, any error
        best = _fails(config, commands, kind, log)
        if best is not None:
            break
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
            result = _fails(config, setup + candidate, kind, log)
            if result is not None:
                body, best, removed = candidate, result, True
            else:
                i += chunk
        if not removed:
            chunk //= 2
    return _drop_redundant_sync(best)


def _fails(config: HarnessConfig, commands: Sequence[str], kind: type[Exception],
           log: RunLog | None) -> list[Operation] | None:
    """The recorded trace if ``commands`` still fail with ``kind``, else ``None``."""
    outcome = replay_lockstep(config, commands, log=log)
    return list(outcome.trace) if isinstance(outcome.failure, kind) else None


def _setup_length(commands: Sequence[str]) -> int:
    """How many leading commands power on and fill the machine."""
    n = 0
    while n < len(commands) and commands[n].split()[0] in _SETUP_COMMANDS:
        n += 1
    return n


def _drop_redundant_sync(trace: list[Operation]) -> list[Operation]:
    """Collapse runs of identical STATUS reads the harness added while replaying."""
    out: list[Operation] = []
    for line in trace:
        if out and line == out[-1] and line[0].startswith("readl") and _is_status(line[0]):
            continue
        out.append(line)
    return out


def _is_status(line: str) -> bool:
    command = wire.parse_command(line)
    return isinstance(command, wire.Readl) and command.addr % PAGE_SIZE == Reg.STATUS
