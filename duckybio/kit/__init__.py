"""The conformance kit: drive any BIO implementation and compare it with the model.

What users call is exported here; everything else in the package is internal.
"""

from .errors import TargetBroken, TargetRefused, TargetSpecError
from .model_target import ModelTarget
from .reference_target import ReferenceTarget
from .replay import replay_steps
from .target import Target
from .targets import TargetSpec, resolve_target
from .trace import Step, Trace, parse_steps
from .wire_client import WireTarget

__all__ = [
    "ModelTarget",
    "ReferenceTarget",
    "Step",
    "Target",
    "TargetBroken",
    "TargetRefused",
    "TargetSpec",
    "TargetSpecError",
    "Trace",
    "WireTarget",
    "parse_steps",
    "replay_steps",
    "resolve_target",
]
