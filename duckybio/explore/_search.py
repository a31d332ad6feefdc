"""Breadth-first search of the states reachable from power-on, and the explorer built on it.

:class:`BreadthFirst` is the one search of the project: from power-on
(R-RST-1) it applies every event of an alphabet to every state it reaches,
expands each state once, and hands each transition to its caller.  Because
it is breadth-first, the path it records to a state is a shortest one.

:func:`explore` runs it over an :class:`~duckybio.explore.ExploreInstance` at
each latency and checks the protocol's invariants (SPEC.md section 10) in
every state and across every transition.  The state space is finite:
registers only take alphabet values and the buffers are bounded by COUNT x
block size (R-PIO-4).  (A COUNT of 2**32-1 would let W grow without bound; a
command past the end of the storage is reached with COUNT 2 from the last
block instead.)
"""

from __future__ import annotations

import gc
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Final, NoReturn, Protocol, Self

from ..model import (
    RESET_BIO,
    BioState,
    Event,
    EventKind,
    MachineState,
    ModelConfig,
    Output,
    Phase,
    StepOutcome,
    Transition,
    data_free,
    power_on,
    step,
)
from ._instance import ExploreInstance
from ._invariants import DEFAULT_INVARIANTS, Invariant, StateInvariant, StepFn, TransitionInvariant
from ._result import ExploreResult, LatencyRun, Violation, Witness
from ._trace import trace_of

#: Largest number of states explored per latency unless told otherwise.
DEFAULT_MAX_STATES: Final = 2_000_000

#: How a state was first reached: its parent and the index of the event taken, or
#: ``None`` for power-on.
Link = tuple[MachineState, int] | None
#: Called with each new state (power-on included); whether to expand it.
AdmitHook = Callable[[MachineState], bool]
#: Called with each transition taken: ``before``, event index, ``after``, output.
VisitHook = Callable[[MachineState, int, MachineState, Output], None]
#: Called when the step function raises: the state, the event index, the exception.
FailHook = Callable[[MachineState, int, Exception], None]


class Memo(Protocol):
    """Hooks of a search that memoizes the model's step on (controller, event).

    A step that depends on the controller alone (:func:`~duckybio.model.data_free`)
    is computed once per (controller state, event index): ``first`` sees that
    transition as ``visit`` would and returns a token, and ``again`` sees
    every later transition of the same pair with that token, instead of
    ``visit`` (not when the token is ``None``: nothing to do again).
    """

    def first(self, before: MachineState, index: int, after: MachineState,
              out: Output) -> object: ...

    def again(self, before: MachineState, index: int, after: MachineState, out: Output,
              token: object) -> None: ...


#: A memoized step: the next controller, the output and the token of ``Memo.first``.
_Entry = tuple[BioState, Output, object]
#: Marks a (controller, event) whose step reads or moves data: never memoized
#: (a distinct object: entries are compared by identity; its output is never read).
_DATA: Final[_Entry] = (RESET_BIO, Output(None, Transition(Phase.NONE, EventKind.TICK,
                                                           StepOutcome())), None)


def _admit_all(state: MachineState) -> bool:
    return True


def _ignore(before: MachineState, index: int, after: MachineState, out: Output) -> None:
    return None


def _reraise(state: MachineState, index: int, exc: Exception) -> NoReturn:
    raise exc


@dataclass(slots=True)
class BreadthFirst:
    """One breadth-first search of the states of ``cfg`` reachable from power-on.

    After :meth:`run`, ``parent`` maps every state found to how it was first
    reached, ``transitions`` counts the steps taken, ``depth`` is the
    distance from power-on of the farthest state taken from the queue, and
    ``complete`` tells whether no bound cut the search.
    """

    cfg: ModelConfig
    alphabet: tuple[Event, ...]
    step_fn: StepFn = step
    parent: dict[MachineState, Link] = field(default_factory=dict)
    transitions: int = 0
    depth: int = 0
    complete: bool = True

    @property
    def states(self) -> int:
        """How many states were found (power-on included)."""
        return len(self.parent)

    def path(self, state: MachineState) -> list[Event]:
        """A shortest sequence of alphabet events leading from power-on to ``state``."""
        events: list[Event] = []
        link = self.parent[state]
        while link is not None:
            state, index = link
            events.append(self.alphabet[index])
            link = self.parent[state]
        events.reverse()
        return events

    def run(self, *, max_states: int | None = DEFAULT_MAX_STATES, max_depth: int | None = None,
            admit: AdmitHook = _admit_all, visit: VisitHook = _ignore,
            fail: FailHook = _reraise, memo: Memo | None = None) -> Self:
        """Search from power-on, expanding every state ``admit`` accepts once.

        Every event of the alphabet is applied to every expanded state;
        ``visit`` sees each transition before its target is looked up, and
        ``fail`` each exception of the step function (by default it is
        raised).  With ``memo`` and the model's own step, steps that
        depend on the controller alone are memoized (see :class:`Memo`).
        At most ``max_states`` states are kept (``None``: no
        bound), and states ``max_depth`` events away from power-on are not
        expanded; either bound, once it cuts, makes the search incomplete.
        """
        collecting = gc.isenabled()
        gc.disable()  # states hold no cycles; collections would rescan every state kept
        try:
            return self._run(max_states, max_depth, admit, visit, fail, memo)
        finally:
            if collecting:
                gc.enable()

    def _run(self, max_states: int | None, max_depth: int | None, admit: AdmitHook,
             visit: VisitHook, fail: FailHook, memo: Memo | None) -> Self:
        cfg, alphabet, step_fn = self.cfg, self.alphabet, self.step_fn
        parent, queue = self._start(admit)
        steps = _Steps(len(alphabet), memo is not None and step_fn is step)
        transitions = depth = 0
        complete = True
        new_state = tuple.__new__
        while queue:
            state, d = queue.popleft()
            depth = max(depth, d)
            if max_depth is not None and d >= max_depth:
                complete = False
                continue
            bio = state.bio
            row, indices, fresh = steps.lookup(bio)
            transitions += len(alphabet) - len(indices)
            for index in indices:
                entry = row[index]
                if entry is not None and entry is not _DATA:
                    assert memo is not None
                    after_bio, out, token = entry
                    nxt = state if after_bio is bio else new_state(
                        MachineState, (after_bio, state.ram, state.storages, state.faults))
                    transitions += 1
                    if token is not None:
                        memo.again(state, index, nxt, out, token)
                else:
                    event = alphabet[index]
                    try:
                        nxt, out = step_fn(cfg, state, event)
                    except Exception as exc:
                        fail(state, index, exc)
                        continue
                    transitions += 1
                    if entry is _DATA:
                        visit(state, index, nxt, out)
                    elif data_free(cfg, bio, event):
                        assert memo is not None
                        after_bio = bio if nxt.bio == bio else nxt.bio
                        row[index] = (after_bio, out, memo.first(state, index, nxt, out))
                    else:
                        row[index] = _DATA
                        visit(state, index, nxt, out)
                if nxt is state or nxt in parent:
                    continue
                if max_states is not None and len(parent) >= max_states:
                    complete = False
                    continue
                parent[nxt] = (state, index)
                if admit(nxt):
                    queue.append((nxt, d + 1))
            if fresh:
                steps.learn(bio, row)
        self.transitions, self.depth, self.complete = transitions, depth, complete
        return self

    def _start(self, admit: AdmitHook) -> tuple[dict[MachineState, Link],
                                                  deque[tuple[MachineState, int]]]:
        """The states found and the queue of a search that begins: power-on alone."""
        start = power_on(self.cfg)
        self.parent = {start: None}
        queue: deque[tuple[MachineState, int]] = deque()
        if admit(start):
            queue.append((start, 0))
        return self.parent, queue


class _Steps:
    """The memoized steps of a search, per controller state.

    Each controller state has a row: per event index, its memoized step
    (``None`` until taken, :data:`_DATA` when it reads or moves data), and
    the indices still to take once the row is known (a step back to the
    same controller with nothing to check again adds a transition and
    nothing else).  Without memoizing, every row is all :data:`_DATA`.
    """

    __slots__ = ("every", "memoize", "rows", "unmemoized", "width")

    def __init__(self, width: int, memoize: bool) -> None:
        self.width, self.memoize = width, memoize
        self.every = range(width)
        self.unmemoized: list[_Entry | None] = [_DATA] * width
        self.rows: dict[BioState, tuple[list[_Entry | None], range | list[int]]] = {}

    def lookup(self, bio: BioState) -> tuple[list[_Entry | None], range | list[int], bool]:
        """The row of ``bio``, the indices to take, and whether :meth:`learn` must follow."""
        if not self.memoize:
            return self.unmemoized, self.every, False
        known = self.rows.get(bio)
        if known is None:
            return [None] * self.width, self.every, True
        return known[0], known[1], False

    def learn(self, bio: BioState, row: list[_Entry | None]) -> None:
        """Keep the row of ``bio`` once every event was taken from it."""
        self.rows[bio] = (row, [i for i, e in enumerate(row) if e is None or e is _DATA
                                or e[0] is not bio or e[2] is not None])


_Witnesses = dict[Transition, Witness]


def _explore_latency(instance: ExploreInstance, latency: int, invariants: Sequence[Invariant],
                     step_fn: StepFn, max_states: int,
                     max_depth: int | None) -> tuple[LatencyRun, _Witnesses]:
    """One breadth-first search; the run and a shortest witness trace per class."""
    search = BreadthFirst(instance.config(latency), instance.alphabet(), step_fn)
    checks = _Checks(search, latency, invariants)
    search.run(max_states=max_states, max_depth=max_depth, admit=checks.admit,
               visit=checks.visit, fail=checks.fail, memo=checks)
    run = LatencyRun(latency=latency, states=search.states, transitions=search.transitions,
                     classes=len(checks.witnesses), depth=search.depth,
                     complete=search.complete, violations=list(checks.violations.values()))
    traces = {t: Witness(latency=latency, trace=trace_of([*search.path(s), search.alphabet[i]]))
              for t, (s, i) in checks.witnesses.items()}
    return run, traces


_Failed = tuple[tuple[str, str], ...]


class _Checks:
    """The invariants checked on one search: its hooks, the violations and witnesses found.

    Invariants of the controller alone (``bio_only``) are checked once per
    controller state, and once per memoized (controller, event) step
    (:meth:`first`, :meth:`again`); the others on every state and step.
    """

    def __init__(self, search: BreadthFirst, latency: int,
                 invariants: Sequence[Invariant]) -> None:
        self.search, self.latency, self.cfg = search, latency, search.cfg
        memoize = search.step_fn is step
        state_checks = [i for i in invariants if isinstance(i, StateInvariant)]
        edge_checks = [i for i in invariants if isinstance(i, TransitionInvariant)]
        self.bio_state_checks = [i for i in state_checks if i.bio_only and memoize]
        self.other_state_checks = [i for i in state_checks if i not in self.bio_state_checks]
        self.edge_checks = edge_checks
        self.bio_edge_checks = [i for i in edge_checks if i.bio_only]
        self.other_edge_checks = [i for i in edge_checks if not i.bio_only]
        self.verdicts: dict[BioState, _Failed] = {}
        self.violations: dict[str, Violation] = {}
        self.witnesses: dict[Transition, tuple[MachineState, int]] = {}

    def report(self, name: str, message: str, trace: list[Event]) -> None:
        if name not in self.violations:
            self.violations[name] = Violation(name=name, message=message,
                                              latency=self.latency, trace=trace_of(trace))

    def _check_state(self, checks: Sequence[StateInvariant], state: MachineState) -> _Failed:
        failed: list[tuple[str, str]] = []
        for inv in checks:
            try:
                message = inv.check(self.cfg, state, self.search.step_fn)
            except Exception as exc:
                message = f"checking raised {type(exc).__name__}: {exc}"
            if message is not None:
                failed.append((inv.name, message))
        return tuple(failed)

    def admit(self, state: MachineState) -> bool:
        """Check every state invariant; report failures; whether all held."""
        failed = self.verdicts.get(state.bio)
        if failed is None:
            failed = self.verdicts[state.bio] = self._check_state(self.bio_state_checks, state)
        if self.other_state_checks:
            failed += self._check_state(self.other_state_checks, state)
        for name, message in failed:
            self.report(name, message, self.search.path(state))
        return not failed

    def _check_edge(self, checks: Sequence[TransitionInvariant], state: MachineState,
                    index: int, nxt: MachineState, out: Output) -> _Failed:
        failed: _Failed = ()
        event = self.search.alphabet[index]
        for inv in checks:
            message = inv.check(self.cfg, state, event, nxt, out)
            if message is not None:
                failed += ((inv.name, message),)
        return failed

    def visit(self, state: MachineState, index: int, nxt: MachineState, out: Output) -> None:
        if out.transition not in self.witnesses:
            self.witnesses[out.transition] = (state, index)
        for name, message in self._check_edge(self.edge_checks, state, index, nxt, out):
            self.report(name, message, [*self.search.path(state), self.search.alphabet[index]])

    def first(self, before: MachineState, index: int, after: MachineState,
              out: Output) -> object:
        """A memoized step taken the first time: its bio-only checks, kept as its token."""
        if out.transition not in self.witnesses:
            self.witnesses[out.transition] = (before, index)
        failed = self._check_edge(self.bio_edge_checks, before, index, after, out)
        if failed or self.other_edge_checks:
            self.again(before, index, after, out, failed)
            return failed
        return None

    def again(self, before: MachineState, index: int, after: MachineState, out: Output,
              token: object) -> None:
        """A memoized step taken again: its token's failures and the other checks."""
        assert isinstance(token, tuple)
        failed = token
        if self.other_edge_checks:
            failed += self._check_edge(self.other_edge_checks, before, index, after, out)
        for name, message in failed:
            self.report(name, message, [*self.search.path(before), self.search.alphabet[index]])

    def fail(self, state: MachineState, index: int, exc: Exception) -> None:
        self.report("step-raises", f"{type(exc).__name__}: {exc}",
                    [*self.search.path(state), self.search.alphabet[index]])


def explore(instance: ExploreInstance | None = None, *,
            invariants: Sequence[Invariant] = DEFAULT_INVARIANTS,
            step_fn: StepFn = step, max_states: int = DEFAULT_MAX_STATES,
            max_depth: int | None = None, jobs: int = 1) -> ExploreResult:
    """Explore every state of ``instance`` reachable from power-on, at each latency.

    Every event of the alphabet is applied to every reachable state with
    ``step_fn``; every state and transition is checked against
    ``invariants``.  Each violated invariant is reported once per latency,
    with a shortest trace from power-on that shows it; a state that breaks a
    state invariant is not explored further.  At most ``max_states`` states
    are kept per latency, and states ``max_depth`` events away from
    power-on are not expanded; a run cut by either is marked incomplete.
    ``witnesses`` maps each transition class (its ``str``) to a shortest
    trace, at some latency, whose last event takes it.  With ``jobs`` > 1 the latencies are
    explored in that many worker processes (``step_fn`` and the invariants
    must then be picklable, as module-level functions are).
    """
    instance = instance if instance is not None else ExploreInstance()
    began = time.perf_counter()
    args = [(instance, lat, tuple(invariants), step_fn, max_states, max_depth)
            for lat in instance.latencies]
    if jobs > 1 and len(args) > 1:
        with ProcessPoolExecutor(max_workers=min(jobs, len(args))) as pool:
            outcomes = list(pool.map(_explore_latency, *zip(*args, strict=True)))
    else:
        outcomes = [_explore_latency(*a) for a in args]
    classes: _Witnesses = {}
    for _run, traces in outcomes:
        for transition, trace in traces.items():
            if transition not in classes or len(trace.trace) < len(classes[transition].trace):
                classes[transition] = trace
    runs = [run for run, _traces in outcomes]
    seconds = time.perf_counter() - began
    return ExploreResult(
        instance=instance, runs=runs, states=sum(r.states for r in runs),
        transitions=sum(r.transitions for r in runs), classes=frozenset(classes),
        witnesses={str(t): trace for t, trace in sorted(classes.items(), key=lambda i: str(i[0]))},
        seconds=seconds, violations=[v for r in runs for v in r.violations])
