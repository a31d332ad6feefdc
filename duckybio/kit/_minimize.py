"""Shrink a failing trace further, operation by operation.

Hypothesis shrinks the sequence of *rules*; a rule may send many operations
(a whole driver transaction, a sweep of STATUS values).  This pass works on
the recorded wire operations themselves: it replays subsets of them with
:func:`~._replay_lockstep.replay_lockstep` (same model, same comparisons) and keeps
any subset that still fails with the same deviation signature (SPEC section
18), until no single chunk can be dropped (delta debugging).  Then the setup
the failure does not need goes too: a fill of a storage or of RAM, a storage
not involved (``machine`` always stays).  Last, :func:`compact` drops the
comparisons that passed and narrows the failing byte comparison to the bytes
around the first difference, so the saved trace states only what fails.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Final

from ..spec import wire
from ..spec.regmap import PAGE_SIZE, Reg
from ._failure import Failure
from ._replay_lockstep import replay_lockstep
from ._runlog import HarnessConfig, Operation, RunLog
from ._shrinker import Shrinker, ShrinkPass
from .errors import Mismatch, TargetCrashed

#: Leading commands that power on and fill the machine.
_SETUP_COMMANDS = ("machine", "storage", "storage-write", "write")


def shrink(config: HarnessConfig, trace: Sequence[Operation], *, log: RunLog | None = None,
           budget: int = 400, signature: str | None = None,
           avoid: Collection[str] = (), tolerate: Collection[str] = (),
           strict: bool = False) -> Failure | None:
    """A 1-minimal subsequence of ``trace`` (within ``budget`` replays) that still fails:
    the failure it ends with, met on it; ``None`` when the failure does not reproduce.

    With ``signature``, a candidate counts as failing only with that
    signature; when the trace does not fail with it outside Hypothesis (a
    device whose behaviour depends on its history), any failure of the same
    kind counts.  A failure whose signature is in ``avoid`` (a known
    deviation) never counts.  Every replay is tallied in ``log`` (but replays never keep
    going nor skip known deviations).  A trace whose failure does not
    reproduce at all is returned as it is.

    With ``tolerate`` (the allowed deviations and, keeping going, the others
    found), a trace whose first deviation counts is preferred; when there is none (an
    earlier deviation cannot be avoided on the way), the replays go on past
    the tolerated signatures like the run did (SPEC section 18) and the
    operations that met them are recorded as not compared.  ``strict``: only
    a first failure with ``signature`` counts (no fallback).
    """
    own = RunLog()
    tolerant = RunLog(known=set(tolerate), resume=True)
    try:
        shrunk = _minimize(config, trace, own, budget, signature, avoid)
        if shrunk is None and tolerate:
            shrunk = _minimize(config, trace, tolerant, budget, signature, avoid)
        if shrunk is None and signature is not None and not strict:
            shrunk = _minimize(config, trace, own, budget, None, avoid)
        return shrunk
    finally:
        if log is not None:
            log.add(own)
            log.add(tolerant)


#: A candidate of the operation shrinker: the setup commands and the body.
_Candidate = tuple[tuple[str, ...], tuple[str, ...]]


def _minimize(config: HarnessConfig, trace: Sequence[Operation], log: RunLog, budget: int,
              signature: str | None, avoid: Collection[str]) -> Failure | None:
    commands = [line for line, _ in trace]
    setup_n = _setup_length(commands)
    setup, body = tuple(commands[:setup_n]), tuple(commands[setup_n:])
    # Prefer a trace whose failure shows in the answers alone, so that it
    # replays on the target without the white-box comparison.
    if config.policy.white_box and _fails(config.black_box(), commands, Mismatch, log,
                                          signature, avoid) is not None:
        config = config.black_box()
    kind: type[Mismatch] = TargetCrashed
    found = _fails(config, commands, kind, log, signature, avoid)
    if found is None:
        kind = Mismatch
        found = _fails(config, commands, kind, log, signature, avoid)
    replays = 1
    if found is None and signature is not None:
        # another deviation first: a suffix of the body may reach this one without it
        keep = 1
        while found is None and keep < len(body) and replays < budget:
            replays += 1
            found = _fails(config, [*setup, *body[-keep:]], kind, log, signature, avoid)
            if found is not None:
                body = body[-keep:]
            keep *= 2
    if found is None:  # not reproducible outside Hypothesis
        return None

    def test(candidate: _Candidate) -> Failure | None:
        return _fails(config, [*candidate[0], *candidate[1]], kind, log, signature, avoid)

    shrinker = Shrinker(test, (setup, body), found, budget=budget, calls=replays)
    best = shrinker.run(_OPERATION_PASSES).result
    return best.on(compact(_drop_redundant_sync(list(best.trace)), best))


def _shortest_suffix(shrinker: Shrinker[_Candidate, Failure]) -> None:
    """The failure is at the end: the shortest suffix of the body (halving) that fails."""
    setup, body = shrinker.best
    keep = 1
    while keep < len(body) and not shrinker.exhausted:
        if shrinker.consider((setup, body[-keep:])):
            return
        keep *= 2


def _chunks(shrinker: Shrinker[_Candidate, Failure]) -> None:
    """Delta debugging: drop chunks of the body, halving the chunk when none can go."""
    chunk = max(len(shrinker.best[1]) // 2, 1)
    while chunk >= 1 and not shrinker.exhausted:
        i = 0
        removed = False
        while i < len(shrinker.best[1]) and not shrinker.exhausted:
            setup, body = shrinker.best
            if shrinker.consider((setup, body[:i] + body[i + chunk:])):
                removed = True
            else:
                i += chunk
        if not removed:
            chunk //= 2


def _setup(shrinker: Shrinker[_Candidate, Failure]) -> None:
    """The setup the failure does not need: fills first, then storages."""
    for name in ("write", "storage-write", "storage"):
        for line in [c for c in shrinker.best[0] if c.split()[0] == name]:
            if shrinker.exhausted:
                return
            setup, body = shrinker.best
            shrinker.consider((tuple(c for c in setup if c != line), body))


#: The passes of the operation shrinker, in order.
_OPERATION_PASSES: Final[tuple[ShrinkPass[_Candidate, Failure], ...]] = (
    ShrinkPass("shortest suffix", _shortest_suffix),
    ShrinkPass("chunks", _chunks),
    ShrinkPass("setup", _setup),
)


def compact(trace: Sequence[Operation], failure: Failure) -> list[Operation]:
    """``trace`` without the byte reads before its end, the failing one narrowed.

    ``trace`` ends with the operation that failed with ``failure``.  Host
    reads change nothing, so the rest replays the same (those before the end
    passed, or were not compared); a failing byte read keeps only the bytes
    around its first difference (``failure.narrowed``).
    """
    out = [op for op in trace[:-1] if not _is_byte_read(op[0])]
    last = list(trace[-1:])
    if last and failure.narrowed is not None and _is_byte_read(last[0][0]):
        last = [failure.narrowed]
    return [*out, *last]


def _is_byte_read(line: str) -> bool:
    return line.split()[0] in ("read", "storage-read")


def _fails(config: HarnessConfig, commands: Sequence[str], kind: type[Mismatch],
           log: RunLog, signature: str | None, avoid: Collection[str] = ()
           ) -> Failure | None:
    """The failure ``commands`` still meet, if of ``kind`` (and ``signature``)."""
    outcome = replay_lockstep(config, commands, log=log)
    failure = outcome.failure
    if not isinstance(failure, kind):
        return None
    if signature is not None and failure.signature != signature:
        return None
    if failure.signature in avoid:
        return None
    return Failure.of(failure, outcome.trace, config)


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
