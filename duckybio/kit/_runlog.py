"""What a run is built from and what it gathers: :class:`HarnessConfig`, :class:`RunLog`.

A run is a value: every harness of a run is built from one
:class:`HarnessConfig` and reports into one :class:`RunLog` (SPEC section 18
for what keeping going records).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..model import Transition
from ._instance import Instance
from ._policy import Policy
from ._target import Target
from .errors import TargetBroken

if TYPE_CHECKING:
    from ._failure import Failure

#: One operation as recorded: the command line and the model's answer (``None``: not compared).
Operation = tuple[str, str | None]


class TargetGone(BaseException):
    """Internal control-flow signal, not an error of the API: the target broke.

    Raised for a hang or nonsense (not a crash), it stops a run at once with
    nothing to shrink.  A ``BaseException`` so that Hypothesis does not take
    it for a failing example and start shrinking against a dead process.
    :func:`~._run.run_check` and :func:`replay_lockstep` turn it into a
    result; it never leaves them.
    """

    def __init__(self, broken: TargetBroken) -> None:
        super().__init__(str(broken))
        self.broken = broken


@dataclass(frozen=True, slots=True)
class HarnessConfig:
    """What every harness of a run is built from: the target factory, the policy, the machine.

    ``observe``: after every command but a pure read, also read STATUS and
    (no command in flight) all of RAM and every storage, so that a
    divergence shows at the step that caused it (localization, SPEC section 18).
    """

    factory: Callable[[], Target]
    policy: Policy
    instance: Instance = field(default_factory=Instance)
    observe: bool = False

    def black_box(self) -> HarnessConfig:
        """The same without the white-box comparison."""
        return HarnessConfig(self.factory, self.policy.black_box(), self.instance, self.observe)

    def observing(self) -> HarnessConfig:
        """The same, black box, observing after every step (see ``observe``)."""
        return HarnessConfig(self.factory, self.policy.black_box(), self.instance, True)

    def on(self, instance: Instance) -> HarnessConfig:
        """The same on another machine."""
        return HarnessConfig(self.factory, self.policy, instance, self.observe)


@dataclass(eq=False)
class RunLog:
    """What the harnesses of one run did, gathered while it runs.

    ``sequences`` and ``operations`` count every harness and every operation
    sent; ``covered`` holds every transition class the model took and
    ``pairs`` every two classes it took one right after the other; ``trace``
    and ``target`` are those of the latest sequence (after a failing run: of
    the failing one); ``first_failure`` is the sequence in which the target
    first disagreed or failed.  ``on_progress(sequences, operations)`` is
    called as every sequence starts.
    """

    on_progress: Callable[[int, int], None] | None = None
    sequences: int = 0
    operations: int = 0
    covered: set[Transition] = field(default_factory=set)
    pairs: set[tuple[Transition, Transition]] = field(default_factory=set)
    trace: list[Operation] = field(default_factory=list)
    target: Target | None = None
    first_failure: int | None = None
    #: Whether the target injected faults (R-HOST-7); false: the fault rule never ran.
    faults: bool = False
    #: Whether the fault probe was sent at all.
    probed: bool = False
    #: Known signatures (allowed ones): a sequence goes on past a value deviation with
    #: one (``resume``), a crash or hang with one ends it quietly.
    known: set[str] = field(default_factory=set)
    #: Keep going: record each new deviation in ``found`` instead of failing.
    keep_going: bool = False
    #: Keep going, or a replay past ``known``: a value deviation is counted and the
    #: sequence goes on (SPEC section 18).
    resume: bool = False
    found: dict[str, Failure] = field(default_factory=dict)
    #: How many sequences each signature ended (or, resuming, occurred in).
    occurrences: dict[str, int] = field(default_factory=dict)
    #: How many times the model took each transition class.
    counts: dict[Transition, int] = field(default_factory=dict)
    #: How many saved failures the campaign's database gave back to replay.
    replayed: int = 0

    def add(self, replays: RunLog) -> None:
        """Count the sequences and operations of ``replays`` (a log of replays) as this run's."""
        self.sequences += replays.sequences
        self.operations += replays.operations
        self.covered |= replays.covered

    def failed(self) -> None:
        """Note that the sequence in progress failed (only the first one counts)."""
        if self.first_failure is None:
            self.first_failure = self.sequences
