"""Localize a divergence: the first step at which device and model differ.

A shrunk reproducer ends where a difference was *exposed*, which may be long
after the step that *caused* it (a wrong flag read back commands later, bytes
written where they should not be, read back by a later command).
:func:`localize` replays the reproducer observing after every step
(:attr:`~._runlog.HarnessConfig.observe`: a STATUS read, and all of RAM and
every storage when no command is in flight), so that the replay stops at the
first step that diverges; that step names the deviation (SPEC section 18)
and the replay, cut there, is its clean reproducer.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._failure import Failure
from ._instance import Instance, StorageShape
from ._minimize import compact, shrink
from ._replay_lockstep import replay_lockstep
from ._runlog import HarnessConfig, Operation, RunLog
from .errors import Mismatch


def localize(failure: Failure, *, log: RunLog | None = None) -> Failure:
    """``failure`` cut at the first divergent step of its trace, named after that step.

    The same ``failure`` when observing finds no divergence (a difference
    only the white-box comparison sees).  The localized failure's config is
    the observing one, so that a replay compares what localized it.
    """
    observing = failure.config.observing()
    own = RunLog()  # a replay that stops at the first divergence, tallied in ``log``
    outcome = replay_lockstep(observing, [line for line, _ in failure.trace], log=own)
    if log is not None:
        log.add(own)
    found = outcome.failure
    if not isinstance(found, Mismatch) or not outcome.trace:
        return failure
    first = Failure.of(found, outcome.trace, observing)
    # what only the exposure needed goes: shrunk again, for the first divergence
    shrunk = shrink(observing, first.trace, log=log, signature=first.signature, strict=True)
    if shrunk is not None:
        return shrunk.on(_unobserved(list(shrunk.trace), failure.config))
    return first.on(_unobserved(compact(first.trace, first), failure.config))


def _unobserved(trace: list[Operation], config: HarnessConfig) -> list[Operation]:
    """``trace`` without the STATUS reads before its last step (they change nothing and
    agreed; a replay observing reads them again)."""
    status = f"readl {config.instance.mmio_base:#x}"
    return [op for op in trace[:-1] if op[0] != status] + trace[-1:]


def instance_of(commands: Sequence[str], default: Instance) -> Instance:
    """The machine a reproducer powers on: its ``machine`` and ``storage`` lines.

    ``default`` where the reproducer states no machine (or one no
    :class:`Instance` can describe).
    """
    ram_size, mmio_base = default.ram_size, default.mmio_base
    storages: list[tuple[int, int]] = []
    if not any(line.startswith("machine ") for line in commands):
        return default
    for line in commands:
        words = line.split()
        try:
            if words[:1] == ["machine"] and len(words) == 3:
                ram_size, mmio_base = int(words[1], 0), int(words[2], 0)
                storages = []
            elif words[:1] == ["storage"] and len(words) == 3:
                storages.append((int(words[1], 0), int(words[2], 0)))
        except ValueError:
            return default
    try:
        return Instance(ram_size=ram_size, mmio_base=mmio_base, storages=tuple(
            StorageShape(sid=sid, size=size) for sid, size in storages))
    except ValueError:
        return default
