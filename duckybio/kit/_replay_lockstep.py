"""Re-run recorded wire operations with a run's comparisons: :func:`replay_lockstep`.

This is how the minimizer (and any user) replays a trace through the same
harness as the run it came from, so it makes exactly the same comparisons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..spec import wire
from ..spec.regmap import Reg
from ._fill import expand, has_reference
from ._harness import Harness
from ._runlog import HarnessConfig, Operation, RunLog, TargetGone
from .errors import TargetBroken


@dataclass(frozen=True, slots=True)
class ReplayOutcome:
    """What replaying operations in lockstep did.

    ``trace``: the operations sent, with the model's answers (the harness's
    own STATUS reads and comparisons included).  ``failure``: the first
    disagreement (a :class:`~.errors.Mismatch`, :class:`~.errors.TargetCrashed`
    for a crash) or an error the target raised.  ``broken``: the target hung
    or broke the protocol.
    """

    trace: tuple[Operation, ...]
    failure: Exception | None = None
    broken: TargetBroken | None = None
    #: Keeping going: the index of the command at which a deviation ended the sequence.
    stopped_at: int | None = None

    @property
    def conforms(self) -> bool:
        return self.failure is None and self.broken is None


def replay_lockstep(config: HarnessConfig, commands: Sequence[str], *,
                    log: RunLog | None = None, poll: bool = False) -> ReplayOutcome:
    """Run wire ``commands`` on the model and a fresh target with a run's comparisons.

    Guest MMIO writes, reads and clock steps go through the same comparisons
    as in a run (STATUS syncs, effects, white box); after the commands, STATUS
    is read and all of RAM and every storage compared, so a difference left
    behind in the device's state is seen.  A malformed command raises
    :class:`~duckybio.spec.wire.WireError` before the target is started.

    With ``poll`` (fixed sequences written for a bound, run on a device that
    may finish sooner), a clock step that follows another while no command is
    in flight is skipped: a run of clock steps waits as long as the device
    takes, and the first of them still steps an idle device.
    """
    parsed = [(wire.parse_command(expand(line)), line if has_reference(line) else None)
              for line in commands]
    try:
        harness = Harness(config, log)
    except TargetGone as exc:
        return ReplayOutcome((), broken=exc.broken)
    failure: Exception | None = None
    broken: TargetBroken | None = None
    stopped_at: int | None = None
    try:
        ticking = False
        for index, (command, shown) in enumerate(parsed):
            tick = isinstance(command, wire.ClockStep)
            if poll and tick and ticking and not harness.busy:
                continue
            ticking = tick
            harness.feed(command, shown)
            harness.states_agree()
            if harness.stopped:
                stopped_at = index
                break
        harness.read(Reg.STATUS)
        harness.final_compare()
        harness.flush()
    except TargetGone as exc:
        broken = exc.broken
    except Exception as exc:  # a disagreement, or any error the target raised
        failure = exc
    finally:
        try:
            harness.release()
        except TargetGone as exc:
            broken = broken or exc.broken
    return ReplayOutcome(tuple(harness.trace), failure, broken, stopped_at)
