"""Run a lockstep check once and return what happened, as a value.

:func:`run_check` is the functional part of ``duckybio check`` and of the
pytest plugin: it takes a frozen :class:`CheckConfig` (the target, the busy
bound, the budget, the seed), runs Hypothesis on a
:class:`~._lockstep.LockstepMachine` bound to a fresh :class:`~._runlog.RunLog`,
shrinks a failure further (:mod:`._minimize`) and returns a
:class:`CheckReport` (a pydantic model, so it can be written as JSON).

The run reads as search, shrink, localize, report (SPEC section 18): every
deviation is shrunk, then localized (replayed observing after every step,
cut at the first divergent step, which names it), and a deviation no
sequence reproduces without passing through another is folded under that
one as its consequence.  With ``keep_going``, or with ``allowed``
deviations, a deviation does not end the run: a sequence goes on past a
deviation of a value (a crash or a hang ends it) and every distinct
deviation is reported.  An allowed deviation is verified first by replaying
its reproducer: still failing so, it is known; passing, it is fixed (never
from not meeting it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final, TypeVar
from unittest import SkipTest

from hypothesis import Phase, seed
from hypothesis.stateful import run_state_machine_as_test
from pydantic import BaseModel, ConfigDict

from ..model import EventKind, Transition
from ..model import Phase as FlagPhase
from ..spec import wire
from ._coverage import (
    CoverageReport,
    PairCoverageReport,
    coverage,
    coverage_instance,
    pair_coverage,
    pair_plan,
    reachable_classes,
)
from ._database import CampaignDatabase, open_database
from ._deviations import AllowedDeviation, Deviation, in_report_order
from ._errata import matching_erratum
from ._failure import Failure, describe, kind_of
from ._fill import abbreviate
from ._instance import Instance
from ._localize import instance_of, localize
from ._lockstep import lockstep_class
from ._minimize import shrink
from ._policy import Policy, policy_for
from ._power_on import as_steps
from ._replay_lockstep import replay_lockstep
from ._runlog import HarnessConfig, RunLog, TargetGone
from ._search_settings import quiet, search_settings
from ._systematic import run_systematic
from ._targets import TargetSpec
from .errors import InputError, Mismatch
from .trace import Step, Trace

_E = TypeVar("_E", bound=BaseException)


@dataclass(frozen=True, slots=True)
class CheckConfig:
    """Everything one lockstep run is given.

    ``target``: the resolved target (its latency included); ``busy_bound``:
    the clock steps a command may stay BUSY (``None``: the target's latency;
    see :func:`~._policy.policy_for`).  ``examples`` sequences of ``steps``
    rules each, from ``seed``; ``database``: the location of the campaign's
    example database (:func:`~._database.open_database`), whose saved
    failures are replayed before anything else.  ``minimize``: shrink a failing trace
    operation by operation; ``coverage``: measure transition coverage of a
    conforming run; ``systematic``: run the fixed sequences
    (:mod:`._systematic`) before the generated ones; ``shard`` ``(k, n)``:
    only the fixed sequences whose index is ``k`` modulo ``n`` (one worker
    of ``n``).
    ``on_progress(sequences, operations)`` is called as every sequence starts.
    ``keep_going``: report every distinct deviation; ``allowed``: known
    deviations, with their reasons and reproducers (a run with any goes on
    past every deviation, like ``keep_going``); ``errata``: name each
    deviation after the erratum of the original device it matches.
    ``search_only``: stop at the first deviation met and report it as it was
    met, neither shrunk nor localized (how fast a check finds a defect).
    """

    target: TargetSpec
    busy_bound: int | None = None
    examples: int = 200
    steps: int = 40
    seed: int = 0
    instance: Instance = field(default_factory=Instance)
    database: str | None = None
    minimize: bool = True
    coverage: bool = True
    systematic: bool = True
    shard: tuple[int, int] = (0, 1)
    on_progress: Callable[[int, int], None] | None = None
    keep_going: bool = False
    allowed: tuple[AllowedDeviation, ...] = ()
    errata: bool = True
    search_only: bool = False

    @property
    def allowed_reasons(self) -> dict[str, str]:
        """The reason of every allowed signature."""
        return {item.signature: item.reason for item in self.allowed}

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
    #: Whether the run asked the target at all (false: it ended before the probe).
    probed: bool = False
    deviations: list[Deviation] = []
    no_longer_occurring: list[str] = []
    #: How many times the run took each transition class (``str`` of the class).
    transition_counts: dict[str, int] = {}
    #: The campaign's example database, and how many saved failures it gave to replay
    #: before anything else.
    database: str | None = None
    replayed: int = 0

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

    The run reads: verify the allowed deviations (replay their reproducers),
    search (fixed sequences, then generated ones), shrink, localize, fold
    consequences under their cause, report.  An
    :class:`~.errors.InputError` (e.g. a factory that returns no target)
    propagates.
    """
    started = time.perf_counter()
    keep_going = config.keep_going or bool(config.allowed)
    log = RunLog(on_progress=config.on_progress, known=set(config.allowed_reasons),
                 keep_going=keep_going, resume=keep_going)
    verified = verify_allowed(config, log)
    search = _search(config, log)
    deviations = _deviations(config, log, search, verified)
    first_new = next((d for d in deviations if not d.known), None)
    broken = search.broken
    if broken is None and first_new is not None and first_new.kind == "crash" and (
            not keep_going):
        broken = first_new.failure
    elapsed = time.perf_counter() - started
    target = log.target if search.target is None else search.target
    transcript: list[str] = [abbreviate(line)
                             for line in getattr(target, "transcript", []) or []]
    tail_fn = getattr(target, "stderr_tail", None)
    stderr_tail = tail_fn() if callable(tail_fn) and broken else ""
    failure = first_new.failure if first_new is not None else None
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
        probed=log.probed,
        trace=first_new.trace if first_new is not None else [],
        transcript=transcript[-20:] if broken else [],
        stderr_tail=str(stderr_tail),
        coverage=_coverage(config, log),
        pair_coverage=_pair_coverage(config, log),
        deviations=deviations,
        # fixed: an allowed reproducer that now passes, and nothing met it
        no_longer_occurring=sorted(verified.fixed - {d.signature for d in deviations}),
        transition_counts={str(t): n for t, n in sorted(log.counts.items(), key=str)},
        database=config.database,
        replayed=log.replayed,
    )


@dataclass(frozen=True, slots=True)
class Verified:
    """What replaying the allowed reproducers showed: still failing so, or fixed."""

    known: dict[str, Deviation]
    fixed: set[str]


def verify_allowed(config: CheckConfig, log: RunLog) -> Verified:
    """Replay every allowed deviation's reproducer, observing (SPEC section 18).

    Still failing with its signature: known.  Passing: fixed.  Failing
    otherwise: fixed, and what it fails with now is recorded in ``log.found``
    like any deviation a search meets.  An entry without a reproducer is
    neither (it is matched by signature alone).
    """
    known: dict[str, Deviation] = {}
    fixed: set[str] = set()
    own = RunLog()  # replays stop at the first divergence; tallied in ``log``
    for item in config.allowed:
        if not item.trace:
            continue
        commands = [step.command for step in item.trace]
        harness = config.harness.on(instance_of(commands, config.instance)).observing()
        try:
            outcome = replay_lockstep(harness, commands, log=own)
        except wire.WireError:
            continue
        failure = (Failure.of(outcome.failure, outcome.trace, harness)
                   if isinstance(outcome.failure, Mismatch) else None)
        if failure is not None and failure.signature == item.signature:
            known[item.signature] = Deviation.of(failure, reason=item.reason, occurrences=0,
                                                 erratum=item.erratum)
        elif outcome.broken is not None and kind_of(item.signature) != "value":
            known[item.signature] = Deviation(
                signature=item.signature, failure=str(outcome.broken),
                kind=kind_of(item.signature), status="known", reason=item.reason,
                occurrences=0, trace=item.trace, erratum=item.erratum)
        else:
            fixed.add(item.signature)
            if failure is not None and failure.signature not in log.found:
                log.found[failure.signature] = failure
    log.add(own)
    return Verified(known, fixed)


@dataclass(frozen=True, slots=True)
class Search:
    """How the search ended: the deviation that stopped it (not keeping going), or
    the target broken (a hang or nonsense), and the target it left."""

    failure: Failure | None = None
    broken: str | None = None
    target: object | None = None


def _search(config: CheckConfig, log: RunLog) -> Search:
    """The failures saved in the database, the fixed sequences, then Hypothesis's
    generated ones, until the end or a stop."""
    database = open_database(config.database) if config.database is not None else None
    if database is not None:  # every failure saved by any run of the campaign, first
        stop = _hypothesis(config, log, database, [Phase.reuse, Phase.shrink])
        if stop is not None:
            return stop
    if config.systematic:
        found = run_systematic(config.harness, log, config.shard)
        if isinstance(found, Failure):
            return Search(found, target=log.target)
        if found is not None:
            return Search(broken=str(found), target=log.target)
    stop = _hypothesis(config, log, database, [Phase.explicit, Phase.generate, Phase.shrink])
    return Search(target=log.target) if stop is None else stop


def _hypothesis(config: CheckConfig, log: RunLog, database: CampaignDatabase | None,
                phases: list[Phase]) -> Search | None:
    """Hypothesis's ``phases`` on the lockstep machine; how it stopped, or ``None``."""
    harness = config.harness
    machine = lockstep_class(harness, log)
    hypothesis_settings = search_settings(
        config.examples, steps=config.steps, database=database,
        phases=[p for p in phases if not (config.search_only and p is Phase.shrink)])
    try:
        with quiet():
            run_state_machine_as_test(seed(config.seed)(machine), settings=hypothesis_settings)  # type: ignore[no-untyped-call,unused-ignore]
    except TargetGone as exc:
        return Search(broken=str(exc), target=log.target)
    except InputError:
        raise
    except SkipTest:
        if Phase.generate in phases:
            raise
        return None  # nothing saved to replay
    except Exception as exc:  # any failure of the target under the harness
        mismatch = _found_in(exc, Mismatch)
        if mismatch is None:
            return Search(broken=describe(exc), target=log.target)
        return Search(Failure.of(mismatch, log.trace, harness), target=log.target)
    finally:
        if database is not None:
            log.replayed = database.replayed
    return None


def _shrunk(config: CheckConfig, failure: Failure, log: RunLog) -> Failure:
    """``failure`` shrunk for its own signature, else for the first deviation on its way
    (which it then follows from); as it is when neither reproduces."""
    if not config.minimize:
        return failure
    shrunk = shrink(failure.config, failure.trace, log=log, signature=failure.signature,
                    strict=True)
    if shrunk is None:  # not without another first: shrunk for that one
        first = replay_lockstep(failure.config, [line for line, _ in failure.trace]).failure
        if isinstance(first, Mismatch):
            shrunk = shrink(failure.config, failure.trace, log=log,
                            signature=first.signature, strict=True)
    return shrunk or failure


def _deviations(config: CheckConfig, log: RunLog, search: Search,
                verified: Verified) -> list[Deviation]:
    """Every deviation met, shrunk, localized, consequences folded under their cause.

    A deviation met only after another, which no shrunk sequence reproduces
    without passing through that one, is a consequence of it.  Known ones
    (verified by replay, or met under an allowed signature) come last.
    """
    found = dict(log.found)
    if search.failure is not None:
        found = {search.failure.signature: search.failure, **found}
    by_signature: dict[str, Deviation] = {}
    for signature, met in found.items():
        if config.search_only:  # the deviation as met, neither shrunk nor localized
            by_signature[signature] = Deviation.of(met)
            continue
        here = localize(_shrunk(config, met, log), log=log)
        name = here.signature
        count = log.occurrences.get(signature, 1)
        consequences = (signature,) if signature != name else ()
        same = by_signature.get(name) or verified.known.get(name)
        if same is not None:
            extra = [c for c in consequences if c not in same.consequences]
            by_signature[name] = same.model_copy(update={
                "occurrences": same.occurrences + count,
                "consequences": [*same.consequences, *extra]})
            continue
        erratum = None
        if config.errata:
            erratum = matching_erratum(as_steps(here.trace), name, here.config)
        by_signature[name] = Deviation.of(
            here, reason=config.allowed_reasons.get(name, ""), occurrences=count,
            consequences=consequences, erratum=erratum)
    for name, deviation in verified.known.items():
        by_signature.setdefault(name, deviation)
    for name, count in log.occurrences.items():  # met under an allowed signature
        if name in by_signature or name not in config.allowed_reasons:
            continue
        by_signature[name] = Deviation(signature=name, failure="known deviation",
                                       kind=kind_of(name), status="known",
                                       reason=config.allowed_reasons[name], occurrences=count)
    return in_report_order(list(by_signature.values()))


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


#: The phases with a command in flight.
_BUSY_PHASES: Final = frozenset({FlagPhase.BUSY, FlagPhase.BUSY_ERR})


def _ends_by(policy: Policy, transition: Transition) -> bool:
    """Whether ``transition`` is a way a command ends that ``policy`` never takes.

    With exact latency the harness never sends Complete; when the model
    follows the target, its countdown never ends a command, and Complete is
    sent only to a command in flight.
    """
    if policy.exact_latency:
        return transition.kind is EventKind.COMPLETE
    busy = transition.phase in _BUSY_PHASES
    if transition.kind is EventKind.TICK:
        return busy and transition.outcome.end is not None
    return transition.kind is EventKind.COMPLETE and not busy


def _coverage(config: CheckConfig, log: RunLog) -> CoverageReport | None:
    """The run's coverage of the classes reachable under the run's timing policy."""
    if not config.coverage:
        return None
    policy = config.policy
    reachable = {t for t in reachable_classes(coverage_instance(policy.coverage_latency))
                 if not _ends_by(policy, t)}
    return coverage(log.covered, reachable)


def _pair_coverage(config: CheckConfig, log: RunLog) -> PairCoverageReport | None:
    """The run's coverage of the pairs of classes reachable under the run's timing policy.

    Black box, the harness reads STATUS after every STATUS write and clock
    step, so only those pairs can follow them.
    """
    if not config.coverage:
        return None
    policy = config.policy
    reachable = frozenset(pair for pair in pair_plan(policy.coverage_latency).pairs
                          if not any(_ends_by(policy, t) for t in pair))
    if not policy.white_box:  # every STATUS write and clock step is followed by a sync
        synced = (EventKind.WRITE_STATUS, EventKind.TICK)
        reachable = frozenset((a, b) for a, b in reachable
                              if a.kind not in synced or b.kind is EventKind.READ_STATUS)
    return pair_coverage(log.pairs, reachable)


