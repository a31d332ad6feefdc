"""Which erratum of the original device a deviation matches (SPEC section 14).

The errata double (:mod:`.errata_double`) plants each wire-observable
erratum alone into the reference implementation.  A deviation *matches*
erratum ``E`` when its clean reproducer, replayed observing on the double
with ``E`` planted (at the run's timing), fails with the same signature.
"""

from __future__ import annotations

from functools import cache

from ._instance import Instance
from ._localize import instance_of
from ._policy import Policy
from ._replay_lockstep import replay_lockstep
from ._runlog import HarnessConfig
from .errata_double import PLANTABLE, errata_factory, latency_of
from .trace import Step


def matching_erratum(steps: list[Step], signature: str, config: HarnessConfig) -> str | None:
    """The first erratum whose double fails ``steps`` with ``signature``, if any."""
    commands = tuple(step.command for step in steps)
    if not commands:
        return None
    return _matching(commands, signature, config.policy.latency, config.policy.exact_latency,
                     config.policy.busy_bound)


@cache
def _matching(commands: tuple[str, ...], signature: str, latency: int, exact: bool,
              bound: int) -> str | None:
    policy = Policy(latency=latency, exact_latency=exact, busy_bound=bound)
    for erratum in PLANTABLE:
        if exact and latency_of({erratum}) != latency:
            continue
        factory = errata_factory(erratum, latency=latency_of({erratum}))
        config = HarnessConfig(factory, policy, instance_of(commands, Instance())).observing()
        failure = replay_lockstep(config, commands).failure
        if failure is not None and getattr(failure, "signature", None) == signature:
            return erratum
    return None

