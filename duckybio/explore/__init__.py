"""Exhaustive breadth-first exploration of a small instance of the model.

:class:`ExploreInstance` fixes a tiny machine and its event alphabet
(:mod:`._instance`); :data:`DEFAULT_INVARIANTS` are the protocol's invariants
(SPEC.md section 10, :mod:`._invariants`); :func:`explore` visits every state
reachable from power-on and checks them (:mod:`._search`), returning an
:class:`ExploreResult` (:mod:`._result`) whose traces are :class:`MmioStep`
lists (:mod:`._trace`).  :class:`BreadthFirst` is the search itself, for other
walks of the model's state space (the generated state diagrams use it).
"""

from ._instance import ExploreInstance, ExploreStorage
from ._invariants import DEFAULT_INVARIANTS, StateInvariant, StepFn, TransitionInvariant
from ._pairs import Pair, PairPlan, pair_name, plan_pairs
from ._result import ExploreResult
from ._search import DEFAULT_MAX_STATES, BreadthFirst, explore

__all__ = [
    "DEFAULT_INVARIANTS",
    "DEFAULT_MAX_STATES",
    "BreadthFirst",
    "ExploreInstance",
    "ExploreResult",
    "ExploreStorage",
    "Pair",
    "PairPlan",
    "StateInvariant",
    "StepFn",
    "TransitionInvariant",
    "explore",
    "pair_name",
    "plan_pairs",
]
