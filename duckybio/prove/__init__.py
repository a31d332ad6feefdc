"""Proof beyond the bounded instance: the invariants hold for every parameter value.

:mod:`.encoding` is the model's transition relation over the control state,
written once against :mod:`.ops` and read both concretely and as a z3
formula over a free geometry (:mod:`.symbols`); :mod:`.properties` and
:mod:`.frame` state the invariants of SPEC.md section 10 and the explorer's,
with the auxiliary ones; :mod:`.inductive` proves them inductive.
:mod:`.conformance` checks the model's own step against the encoding, on
the solver's edge witnesses (:mod:`.witness`) and random steps
(:mod:`.sampling`); :mod:`.replayable` turns a counterexample into a trace
``duckybio replay`` runs.  :func:`prove` does it all (:mod:`.run`).
"""

from .conformance import MISMATCH, Finding, compare
from .encoding import Case, Ctl, Effect, Env, cases
from .inductive import prove_all
from .replayable import find_path, trace_of_path
from .result import Counterexample, PropertyResult, ProveResult
from .run import DEFAULT_SAMPLES, prove
from .sampling import random_cases
from .witness import witnesses

__all__ = [
    "DEFAULT_SAMPLES",
    "MISMATCH",
    "Case",
    "Counterexample",
    "Ctl",
    "Effect",
    "Env",
    "Finding",
    "PropertyResult",
    "ProveResult",
    "cases",
    "compare",
    "find_path",
    "prove",
    "prove_all",
    "random_cases",
    "trace_of_path",
    "witnesses",
]
