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
from ._invariants import (
    DEFAULT_INVARIANTS,
    Invariant,
    StateCheck,
    StateInvariant,
    StepFn,
    TransitionCheck,
    TransitionInvariant,
)
from ._result import ExploreResult, LatencyRun, Violation, Witness
from ._search import (
    DEFAULT_MAX_STATES,
    AdmitHook,
    BreadthFirst,
    FailHook,
    Link,
    VisitHook,
    explore,
)
from ._trace import MmioStep, trace_of

__all__ = [
    "DEFAULT_INVARIANTS",
    "DEFAULT_MAX_STATES",
    "AdmitHook",
    "BreadthFirst",
    "ExploreInstance",
    "ExploreResult",
    "ExploreStorage",
    "FailHook",
    "Invariant",
    "LatencyRun",
    "Link",
    "MmioStep",
    "StateCheck",
    "StateInvariant",
    "StepFn",
    "TransitionCheck",
    "TransitionInvariant",
    "Violation",
    "VisitHook",
    "Witness",
    "explore",
    "trace_of",
]
