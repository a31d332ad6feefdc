"""Exhaustive breadth-first exploration of a small instance of the model.

:class:`ExploreInstance` fixes a tiny machine and its event alphabet
(:mod:`.instance`); :data:`DEFAULT_INVARIANTS` are the protocol's invariants
(SPEC.md section 10, :mod:`.invariants`); :func:`explore` visits every state
reachable from power-on and checks them (:mod:`.search`), returning an
:class:`ExploreResult` (:mod:`.result`) whose traces are :class:`MmioStep`
lists (:mod:`.trace`).  :class:`BreadthFirst` is the search itself, for other
walks of the model's state space (the generated state diagrams use it).
"""

from .instance import ExploreInstance, ExploreStorage
from .invariants import (
    DEFAULT_INVARIANTS,
    Invariant,
    StateCheck,
    StateInvariant,
    StepFn,
    TransitionCheck,
    TransitionInvariant,
)
from .result import ExploreResult, LatencyRun, Violation, Witness
from .search import (
    DEFAULT_MAX_STATES,
    AdmitHook,
    BreadthFirst,
    FailHook,
    Link,
    VisitHook,
    explore,
)
from .trace import MmioStep, trace_of

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
