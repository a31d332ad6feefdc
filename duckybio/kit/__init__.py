"""The conformance kit: drive any BIO implementation and compare it with the model.

Its public face is these twenty names and four public modules; every ``_``
module is the kit's engine, free to change (``docs/internals.md`` maps it).

- Check a target: :func:`run_check` with a :class:`CheckConfig` returns a
  :class:`CheckReport`; its deviations are :class:`Deviation` values, and an
  :class:`AllowFile` lists the known ones.  :class:`Campaign` is the same
  check as a Hypothesis test for a fuzzing engine, on a database from
  :func:`open_database`.
- Targets: :class:`Target` (the interface), :class:`ModelTarget`,
  :class:`ReferenceTarget`, :class:`WireTarget` (a program speaking the wire
  protocol, SPEC section 13); :func:`resolve_target` turns a ``--target``
  argument into a :class:`TargetSpec`; :func:`serve` offers any target over
  the wire protocol.  An :class:`Instance` of :class:`StorageShape` values is
  the machine a check powers on.
- Step by step: a :class:`Harness` (with a :class:`HarnessConfig` and the
  :class:`Policy` by which the model keeps time with a target) compares one
  command at a time; :func:`replay` runs a trace's steps on a target.

The public modules: :mod:`.errors` (:class:`~.errors.KitError` and everything
under it), :mod:`.trace` (the trace format), :mod:`.vectors` (the golden
vectors), :mod:`.workers` (a check sharded over processes); and for the tools
built on the kit, :mod:`.reports` (JUnit, reproducers, JSON files) and
:mod:`.engine` (shrinking, search settings, target arguments, serving).
"""

from ._campaign import Campaign
from ._database import open_database
from ._deviations import AllowFile, Deviation
from ._harness import Harness
from ._instance import Instance, StorageShape
from ._model_target import ModelTarget
from ._policy import Policy
from ._reference_target import ReferenceTarget
from ._replay import replay
from ._run import CheckConfig, CheckReport, run_check
from ._runlog import HarnessConfig
from ._target import Target
from ._targets import TargetSpec, resolve_target
from ._wire_client import WireTarget
from ._wire_server import serve

__all__ = [
    "AllowFile",
    "Campaign",
    "CheckConfig",
    "CheckReport",
    "Deviation",
    "Harness",
    "HarnessConfig",
    "Instance",
    "ModelTarget",
    "Policy",
    "ReferenceTarget",
    "StorageShape",
    "Target",
    "TargetSpec",
    "WireTarget",
    "open_database",
    "replay",
    "resolve_target",
    "run_check",
    "serve",
]
