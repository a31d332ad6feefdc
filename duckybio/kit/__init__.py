"""The conformance kit: drive any BIO implementation and compare it with the model.

What users call is exported here; everything else in the package is internal.

- Targets and adapters: :class:`Target` (the interface), :class:`ModelTarget`,
  :class:`ReferenceTarget`, :class:`WireTarget` (a program speaking the wire
  protocol, SPEC section 13), :func:`resolve_target` / :class:`TargetSpec`
  (a ``--target`` argument, and the lifetime of its processes; also
  :func:`import_object`, :func:`names_python_object` and :func:`split_command` for ``module:attr``
  arguments), :func:`serve`
  (any target over the wire protocol).
- A lockstep run: :func:`run_check` with a :class:`CheckConfig` returns a
  :class:`CheckReport`; :func:`policy_for` / :class:`Policy` is how the model
  keeps time with a target; :func:`lockstep_class` embeds the check in a
  Hypothesis test.
- Replays: :func:`replay_steps` (a trace's recorded answers) and
  :func:`replay_lockstep` (wire commands through a run's comparisons, with a
  :class:`HarnessConfig`, returning a :class:`ReplayOutcome`); the comparing
  :class:`Harness` itself and the :class:`RunLog` that tallies a run.
- Traces: :class:`Trace`, :class:`Step`, :func:`parse_steps`; reproducers:
  :func:`render_c`, :func:`render_pytest`; the fill pattern of SPEC section 18:
  :func:`words`.
- Deviations: :class:`Deviation` (one per signature, SPEC section 18) and the
  :class:`AllowFile` of known ones.
- Errors: :class:`KitError` and everything under it.
"""

from ._coverage import CoverageReport
from ._deviations import AllowedDeviation, AllowFile, Deviation
from ._fill import words
from ._harness import Harness
from ._instance import Instance, StorageShape
from ._lockstep import LockstepMachine, lockstep_class
from ._model_target import ModelTarget
from ._policy import Policy, policy_for
from ._reference_target import ReferenceTarget
from ._replay import replay_steps
from ._replay_lockstep import ReplayOutcome, replay_lockstep
from ._repro import render_c, render_pytest
from ._run import CheckConfig, CheckReport, run_check
from ._runlog import HarnessConfig, RunLog
from ._target import Target
from ._targets import TargetSpec, import_object, names_python_object, resolve_target, split_command
from ._wire_client import WireTarget
from ._wire_server import serve
from .errors import (
    InputError,
    KitError,
    Mismatch,
    ScenarioError,
    TargetBroken,
    TargetCrashed,
    TargetError,
    TargetRaised,
    TargetRefused,
    TargetSpecError,
    TraceError,
    VectorError,
)
from .trace import Step, Trace, parse_steps

__all__ = [
    "AllowFile",
    "AllowedDeviation",
    "CheckConfig",
    "CheckReport",
    "CoverageReport",
    "Deviation",
    "Harness",
    "HarnessConfig",
    "InputError",
    "Instance",
    "KitError",
    "LockstepMachine",
    "Mismatch",
    "ModelTarget",
    "Policy",
    "ReferenceTarget",
    "ReplayOutcome",
    "RunLog",
    "ScenarioError",
    "Step",
    "StorageShape",
    "Target",
    "TargetBroken",
    "TargetCrashed",
    "TargetError",
    "TargetRaised",
    "TargetRefused",
    "TargetSpec",
    "TargetSpecError",
    "Trace",
    "TraceError",
    "VectorError",
    "WireTarget",
    "import_object",
    "lockstep_class",
    "names_python_object",
    "parse_steps",
    "policy_for",
    "render_c",
    "render_pytest",
    "replay_lockstep",
    "replay_steps",
    "resolve_target",
    "run_check",
    "serve",
    "split_command",
    "words",
]
