"""The reference implementation agrees with the model, step by step."""

from __future__ import annotations

from duckybio.impl.target import ReferenceTarget
from duckybio.spec.lockstep import lockstep_machine

ReferenceLockstep = lockstep_machine(
    lambda: ReferenceTarget(latency=0), latency=0, white_box=True, name="ReferenceLockstep")
ReferenceLockstepLatency2 = lockstep_machine(
    lambda: ReferenceTarget(latency=2), latency=2, white_box=True,
    name="ReferenceLockstepLatency2")

TestReferenceLockstep = ReferenceLockstep.TestCase
TestReferenceLockstepLatency2 = ReferenceLockstepLatency2.TestCase
