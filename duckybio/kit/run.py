"""Run a lockstep check once and return what happened, as a value.

:func:`run_check` is the functional part of ``duckybio check`` and of the
pytest plugin: it takes a frozen :class:`CheckConfig` (the target, the busy
bound, the budget, the seed), runs Hypothesis on a
:class:`~.lockstep.LockstepMachine` bound to a fresh :class:`~.harness.RunLog`,
shrinks a failure further (:mod:`.minimize`) and returns a
:class:`CheckReport` (a pydantic model, so it can be written as JSON).

With ``keep_going`` a deviation does not end the run: a sequence goes on
past a deviation of a value (a crash or a hang ends it), the run goes on,
and every distinct deviation (by signature, SPEC section 18) is shrunk and
reported.  Signatures in ``allowed`` are known: sequences go on past them
(or end quietly on a known crash) and they do not fail the run; an allowed
one that no longer occurs is reported too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis.database import DirectoryBasedExampleDatabase
from hypothesis.reporting import with_reporter
from hypothesis.stateful import run_state_machine_as_test
from pydantic import BaseModel, ConfigDict

from ..model import EventKind
from .coverage import (
    CoverageReport,
    PairCoverageReport,
    coverage,
    coverage_instance,
    pair_coverage,
    pair_plan,
    reachable_classes,
)
from .deviations import Deviation
from .errors import InputError, Mismatch, TargetCrashed
from .fill import abbreviate
from .instance import Instance
from .lockstep import lockstep_class
from .minimize import shrink
from .policy import Policy, policy_for
from .power_on import as_steps
from .runlog import HarnessConfig, Operation, RunLog, TargetGone
from .systematic import run_systematic
from .targets import TargetSpec
from .trace import Step, Trace

_E = TypeVar("_E", bound=BaseException)


@dataclass(frozen=True, slots=True)
class CheckConfig:
    """Everything one lockstep run is given.

    ``target``: the resolved target (its latency included); ``busy_bound``:
    the clock steps a command may stay BUSY (``None``: the target's latency;
    see :func:`~.policy.policy_for`).  ``examples`` sequences of ``steps``
    rules each, from ``seed``; ``database``: Hypothesis's example database,
    to retry earlier failures first.  ``minimize``: shrink a failing trace
    operation by operation; ``coverage``: measure transition coverage of a
    conforming run; ``systematic``: run the fixed sequences
    (:mod:`.systematic`) before the generated ones; ``shard`` ``(k, n)``:
    only the fixed sequences whose index is ``k`` modulo ``n`` (one worker
    of ``n``).
    ``on_progress(sequences, operations)`` is called as every sequence starts.
    ``keep_going``: report every distinct deviation; ``allowed``: known
    deviations by signature, with their reasons.
    """

    target: TargetSpec
    busy_bound: int | None = None
    examples: int = 200
    steps: int = 40
    seed: int = 0
    instance: Instance = field(default_factory=Instance)
    database: Path | None = None
    minimize: bool = True
    coverage: bool = True
    systematic: bool = True
    shard: tuple[int, int] = (0, 1)
    on_progress: Callable[[int, int], None] | None = None
    keep_going: bool = False
    allowed: dict[str, str] = field(default_factory=dict)

    @property
    def policy(self) -> Policy:
        """How the model keeps time with the target."""
        return policy_for(self.target, self.busy_bound)

    @property
    def harness(self) -> HarnessConfig:
        """What every sequence's harness is built from."""
        return HarnessConfig(self.target.factory, self.policy, self.instance)


class CheckReport(BaseModel):
    """The outcome of one lockstep run.

    ``examples`` and ``steps`` count the sequences and operations run on the
    target (the minimizer's replays included); ``first_failure`` is the
    sequence in which the target first disagreed or failed.  ``failure`` is
    the first new deviation's failure line (``detail``: its hexdump window);
    ``deviations`` lists every distinct deviation, known ones included, and
    ``no_longer_occurring`` the allowed signatures the run did not meet.
    """

    model_config = ConfigDict(extra="forbid")

    target: str
    conforms: bool
    examples: int
    steps: int
    seed: int
    seconds: float
    transitions: list[str]
    failure: str | None = None
    detail: str = ""
    broken: str | None = None
    first_failure: int | None = None
    trace: list[Step] = []
    transcript: list[str] = []
    stderr_tail: str = ""
    coverage: CoverageReport | None = None
    pair_coverage: PairCoverageReport | None = None
    #: Whether the target injected storage faults (R-HOST-7); false: the fault rule was skipped.
    faults: bool = False
    deviations: list[Deviation] = []
    no_longer_occurring: list[str] = []
    #: How many times the run took each transition class (``str`` of the class).
    transition_counts: dict[str, int] = {}

    @property
    def new_deviations(self) -> list[Deviation]:
        """The deviations the allow file does not list."""
        return [d for d in self.deviations if not d.known]

    @property
    def exit_code(self) -> int:
        """0 conforms, 1 nonconformance, 3 the target broke."""
        if self.broken is not None:
            return 3
        return 0 if self.conforms else 1

    def counterexample(self) -> Trace:
        """The failing sequence as a replayable trace."""
        return Trace(name=f"counterexample for {self.target}",
                     description=self.failure or "", steps=self.trace)


def run_check(config: CheckConfig) -> CheckReport:
    """Run the lockstep check ``config`` describes; never raises on a mismatch.

    An :class:`~.errors.InputError` (e.g. a factory that returns no target)
    propagates.
    """
    log = RunLog(on_progress=config.on_progress, known=set(config.allowed),
                 keep_going=config.keep_going,
                 resume=config.keep_going or bool(config.allowed))
    harness = config.harness
    machine = lockstep_class(harness, log)
    hypothesis_settings = settings(
        settings.get_profile("default"),
        max_examples=config.examples,
        report_multiple_bugs=False,
        stateful_step_count=config.steps,
        deadline=None,
        database=DirectoryBasedExampleDatabase(str(config.database)) if config.database else None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
        print_blob=False,
    )
    started = time.perf_counter()
    failure: str | None = None
    mismatch: Mismatch | None = None
    broken: str | None = None
    chatter: list[object] = []
    trace: list[Operation] = []
    found = run_systematic(harness, log, config.shard) if config.systematic else None
    if found is not None:
        outcome, harness = found.outcome, found.config
        trace = list(outcome.trace)
        if outcome.broken is not None:
            broken = str(outcome.broken)
        elif outcome.failure is not None:
            failure = _describe(outcome.failure)
            mismatch = _mismatch_in(outcome.failure)
            if isinstance(outcome.failure, TargetCrashed):
                broken = failure
    else:
        try:
            with with_reporter(chatter.append):
                run_state_machine_as_test(seed(config.seed)(machine),
                                          settings=hypothesis_settings)
        except TargetGone as exc:
            broken = str(exc)
        except InputError:
            raise
        except Exception as exc:  # any failure of the target under the harness
            failure = _describe(exc)
            crash = _crash_in(exc)
            if crash is not None:
                failure = broken = str(crash)
            mismatch = _mismatch_in(exc)
        trace = list(log.trace)
    signature = mismatch.signature if mismatch is not None else None
    if failure is not None and config.minimize:
        # the smallest trace that fails with any deviation not known (SPEC section 18)
        shrunk = shrink(harness, trace, log=log, avoid=set(config.allowed),
                        tolerate=set(config.allowed))
        trace = shrunk.trace
        if shrunk.failure is not None:  # the failure as the shrunk trace shows it
            mismatch, signature = shrunk.failure, shrunk.failure.signature
            failure = _first_line(mismatch) if broken is None else failure
    deviations = _deviations(config, log)
    if failure is not None:
        deviations.insert(0, Deviation(
            signature=signature or f"?: {failure}", failure=failure,
            detail=mismatch.detail if mismatch is not None else "",
            occurrences=1, trace=as_steps(trace)))
    first_new = next((d for d in deviations if not d.known), None)
    if failure is None and first_new is not None:
        failure, trace = first_new.failure, [(s.command, s.expect) for s in first_new.trace]
    elapsed = time.perf_counter() - started
    transcript: list[str] = [abbreviate(line)
                             for line in getattr(log.target, "transcript", []) or []]
    tail_fn = getattr(log.target, "stderr_tail", None)
    stderr_tail = tail_fn() if callable(tail_fn) and broken else ""
    conforms = failure is None and broken is None
    return CheckReport(
        target=config.target.description,
        conforms=conforms,
        examples=log.sequences,
        steps=log.operations,
        seed=config.seed,
        seconds=round(elapsed, 3),
        transitions=sorted(str(t) for t in log.covered),
        failure=failure,
        detail=first_new.detail if first_new is not None else "",
        broken=broken,
        first_failure=log.first_failure,
        faults=log.faults,
        trace=as_steps(trace) if failure else [],
        transcript=transcript[-20:] if broken else [],
        stderr_tail=str(stderr_tail),
        coverage=_coverage(config, log) if conforms else None,
        pair_coverage=_pair_coverage(config, log) if conforms else None,
        deviations=deviations,
        # only a run that went to its end can say an allowed deviation no longer occurs
        no_longer_occurring=sorted(set(config.allowed) - set(log.occurrences))
        if broken is None and (config.keep_going or failure is None) else [],
        transition_counts={str(t): n for t, n in sorted(log.counts.items(), key=str)},
    )


def _deviations(config: CheckConfig, log: RunLog) -> list[Deviation]:
    """The deviations met while keeping going, shrunk, and the known ones met."""
    out: list[Deviation] = []
    for signature, found in log.found.items():
        ops, failure = list(found.trace), found.failure
        if config.minimize:
            others = (set(config.allowed) | set(log.found)) - {signature}
            shrunk = shrink(found.config, ops, log=log, signature=signature, tolerate=others)
            ops, failure = shrunk.trace, shrunk.failure or failure
        count = log.occurrences.get(signature, 1)
        same = next((d for d in out if d.signature == failure.signature), None)
        if same is not None:  # shrunk into a deviation already listed
            same.occurrences += count
            continue
        out.append(Deviation(signature=failure.signature, failure=_first_line(failure),
                             detail=failure.detail, occurrences=count, trace=as_steps(ops)))
    for signature, count in sorted(log.occurrences.items()):
        if signature in config.allowed:
            out.append(Deviation(signature=signature, failure="known deviation", known=True,
                                 reason=config.allowed[signature], occurrences=count))
    return out


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _found_in(exc: BaseException, kind: type[_E]) -> _E | None:
    """The ``kind`` of error behind ``exc`` (also inside Hypothesis's exception groups)."""
    if isinstance(exc, kind):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = _found_in(inner, kind)
            if found is not None:
                return found
    return None


def _mismatch_in(exc: BaseException) -> Mismatch | None:
    """The disagreement behind ``exc``."""
    return _found_in(exc, Mismatch)


def _coverage(config: CheckConfig, log: RunLog) -> CoverageReport | None:
    """The run's coverage of the classes reachable at the model's fixed latency.

    With exact latency the harness never sends Complete: those classes are
    the model's own business.  ``None`` when the model follows the target.
    """
    latency = config.policy.coverage_latency
    if not config.coverage or latency is None:
        return None
    reachable = {t for t in reachable_classes(coverage_instance(latency))
                 if t.kind is not EventKind.COMPLETE}
    return coverage(log.covered, reachable)


def _pair_coverage(config: CheckConfig, log: RunLog) -> PairCoverageReport | None:
    """The run's coverage of the pairs of classes reachable at the model's fixed latency.

    Black box, the harness reads STATUS after every STATUS write and clock
    step, so only those pairs can follow them.
    """
    latency = config.policy.coverage_latency
    if not config.coverage or latency is None:
        return None
    reachable = pair_plan(latency).pairs
    if not config.policy.white_box:  # every STATUS write and clock step is followed by a sync
        synced = (EventKind.WRITE_STATUS, EventKind.TICK)
        reachable = frozenset((a, b) for a, b in reachable
                              if a.kind not in synced or b.kind is EventKind.READ_STATUS)
    return pair_coverage(log.pairs, reachable)


def _describe(exc: BaseException) -> str:
    """The first line of a failure, with its type unless it is an assertion."""
    if isinstance(exc, TargetCrashed):
        return str(exc)
    text = str(exc).strip()
    failure = text.splitlines()[0] if text else type(exc).__name__
    return failure if isinstance(exc, AssertionError) else f"{type(exc).__name__}: {failure}"


def _crash_in(exc: BaseException) -> TargetCrashed | None:
    """The target crash behind ``exc``."""
    return _found_in(exc, TargetCrashed)
