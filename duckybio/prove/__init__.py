"""Proof beyond the bounded instance: the invariants hold for every parameter value.

:mod:`._encoding` is the model's transition relation over the control state,
written once against :mod:`._ops` and read both concretely and as a z3
formula over a free geometry (:mod:`._symbols`); :mod:`._properties` and
:mod:`._frame` state the invariants of SPEC.md section 10 and the explorer's,
with the auxiliary ones; :mod:`._inductive` proves them inductive.
:mod:`._conformance` checks the model's own step against the encoding, on
the solver's edge witnesses (:mod:`._witness`) and random steps
(:mod:`._sampling`); :mod:`._replayable` turns a counterexample into a trace
``duckybio replay`` runs.  :func:`prove` does it all (:mod:`._run`).
"""

from ._result import Counterexample, PropertyResult, ProveResult
from ._run import DEFAULT_SAMPLES, prove

__all__ = [
    "DEFAULT_SAMPLES",
    "Counterexample",
    "PropertyResult",
    "ProveResult",
    "prove",
]
