"""Reachable transition pairs: which class can follow which, by exploration.

A *pair* is two transition classes taken one right after the other (the
second from the state the first led to).  A class says where a step started
and how it went, not what came before; pairs add one step of history, so
that e.g. "a DATA read right after a command failed" is a target of its own
(SPEC.md section 8, erratum E14).  The pairs reachable in an instance are
``in(s) x out(s)`` over its reachable states ``s``: the classes that enter
``s`` times the classes that leave it.  :func:`plan_pairs` also gives, for
each pair, a walk from power-on that ends by taking it, and for each phase a
walk that ends in it: the plan of a systematic tour.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Complete, Event, MachineState, Output, Phase, Transition, phase_of
from ._instance import ExploreInstance
from ._search import DEFAULT_MAX_STATES, BreadthFirst

#: Two consecutive transition classes.
Pair = tuple[Transition, Transition]
#: An edge of the state graph: the state it leaves and the index of its event.
_Edge = tuple[MachineState, int]


@dataclass(frozen=True, slots=True)
class PairPlan:
    """The reachable pairs of one instance and latency, with walks that take them.

    ``walks`` maps each pair to a walk from power-on (a shortest path to the
    state it starts from) whose last two events take it; ``phases`` maps each
    reachable phase to a shortest walk that ends in a state of that phase.
    Forced completions are not in the alphabet: a run at an exact latency
    never sends them.
    """

    pairs: frozenset[Pair]
    walks: dict[Pair, tuple[Event, ...]]
    phases: dict[Phase, tuple[Event, ...]]


def plan_pairs(instance: ExploreInstance, latency: int, *,
               max_states: int = DEFAULT_MAX_STATES) -> PairPlan:
    """Explore ``instance`` at ``latency`` and plan a walk for every reachable pair.

    Raises ``ValueError`` when the search is cut by ``max_states``: a
    partial set would be a wrong denominator.
    """
    alphabet = tuple(e for e in instance.alphabet() if not isinstance(e, Complete))
    incoming: dict[MachineState, dict[Transition, _Edge]] = {}
    outgoing: dict[MachineState, dict[Transition, int]] = {}

    def visit(before: MachineState, index: int, after: MachineState, out: Output) -> None:
        outgoing.setdefault(before, {}).setdefault(out.transition, index)
        incoming.setdefault(after, {}).setdefault(out.transition, (before, index))

    search = BreadthFirst(instance.config(latency), alphabet)
    search.run(max_states=max_states, visit=visit)
    if not search.complete:
        raise ValueError("the exploration did not complete; raise its state bound")
    depth = _depths(search.parent)
    best: dict[Pair, tuple[int, MachineState, int, int]] = {}
    for state, entered in incoming.items():
        left = outgoing.get(state, {})
        for first, (before, i) in entered.items():
            d = depth[before]
            for second, j in left.items():
                known = best.get((first, second))
                if known is None or d < known[0]:
                    best[first, second] = (d, before, i, j)
    walks = {pair: (*search.path(before), alphabet[i], alphabet[j])
             for pair, (_d, before, i, j) in best.items()}
    phases: dict[Phase, tuple[Event, ...]] = {}
    for state in search.parent:  # breadth-first order: the first is a nearest
        phases.setdefault(phase_of(state.bio), tuple(search.path(state)))
    return PairPlan(frozenset(walks), walks, phases)


def _depths(parent: dict[MachineState, tuple[MachineState, int] | None]) -> dict[MachineState, int]:
    """Each state's distance from power-on (``parent`` is in breadth-first order)."""
    depth: dict[MachineState, int] = {}
    for state, link in parent.items():
        depth[state] = 0 if link is None else depth[link[0]] + 1
    return depth


def pair_name(pair: Pair) -> str:
    """``first ; second``, each class as it prints."""
    return f"{pair[0]} ; {pair[1]}"
