"""The lockstep check as a Hypothesis stateful test, for a fuzzing engine to run.

A long conformance campaign is a fuzzing campaign.  :class:`Campaign` is the
check of one target as the kind of test HypoFuzz fuzzes (a
``RuleBasedStateMachine`` test case: ``run`` with ``settings``, marked with
its state machine class).  Its database key is the one ``duckybio check``
uses (both are Hypothesis's test of the same lockstep machine), so the
failures a fuzzer saves in the campaign's database are replayed first by
``duckybio check --database`` and by every other process of the campaign,
and the other way round.
"""

from __future__ import annotations

from types import MethodType
from typing import Any

from hypothesis.database import ExampleDatabase
from hypothesis.stateful import run_state_machine_as_test

from ._lockstep import LockstepMachine, lockstep_class
from ._run import CheckConfig
from ._runlog import RunLog
from ._search_settings import search_settings


class Campaign:
    """The lockstep check ``config`` describes, as a Hypothesis stateful test.

    ``run()`` runs it once (``config.examples`` sequences of ``config.steps``
    rules, replaying ``database``'s saved failures first) and raises the
    first deviation; ``settings`` are its Hypothesis settings; ``machine``
    its state machine class; ``log`` tallies every sequence run.
    """

    def __init__(self, config: CheckConfig, database: ExampleDatabase | None) -> None:
        self.log = RunLog()
        self.machine: type[LockstepMachine] = lockstep_class(config.harness, self.log)
        self.settings = search_settings(config.examples, steps=config.steps,
                                        database=database)

        def run(campaign: Campaign) -> None:
            run_state_machine_as_test(campaign.machine, settings=campaign.settings)  # type: ignore[no-untyped-call,unused-ignore]

        # how a fuzzing engine recognises a state machine's test case (it reads
        # ``run.__self__.settings`` and builds the test from the class)
        marked: Any = run
        marked._hypothesis_state_machine_class = self.machine
        self.run = MethodType(run, self)


__all__ = ["Campaign"]
