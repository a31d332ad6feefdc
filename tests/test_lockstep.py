"""The reference implementation agrees with the model, step by step."""

from __future__ import annotations

from duckybio.kit.lockstep import lockstep_machine
from duckybio.kit.reference_target import ReferenceTarget

ReferenceLockstep = lockstep_machine(
    lambda: ReferenceTarget(latency=0), latency=0, white_box=True, name="ReferenceLockstep")
ReferenceLockstepLatency2 = lockstep_machine(
    lambda: ReferenceTarget(latency=2), latency=2, white_box=True,
    name="ReferenceLockstepLatency2")

TestReferenceLockstep = ReferenceLockstep.TestCase
TestReferenceLockstepLatency2 = ReferenceLockstepLatency2.TestCase
