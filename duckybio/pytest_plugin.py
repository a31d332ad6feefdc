"""pytest plugin: ``pytest --duckybio-target=TARGET`` adds the conformance check.

With the option, the test run gains one test, ``duckybio-conformance``, that
runs the same lockstep check as ``duckybio check --target TARGET`` (the same
:class:`~duckybio.kit._run.CheckConfig`, so the same busy-bound policy, target
lifetime and option types) and fails with the minimal failing sequence.
Without it the plugin does nothing.

With ``--duckybio-campaign`` as well, the test added is instead
``duckybio-campaign``: the same check as a Hypothesis stateful test
(:class:`~duckybio.kit._campaign.Campaign`), which HypoFuzz fuzzes for as
long as it runs (``hypothesis fuzz -- -p duckybio --duckybio-target=...
--duckybio-campaign --duckybio-database=redis://...``).  The campaign's
database (``--duckybio-database``, a directory or ``redis://HOST:PORT/N``)
then becomes Hypothesis's default for the session, as the engine requires.

This module is the entry point every pytest session loads: it declares the
options and imports nothing of the project.  Given a target, it registers
:mod:`duckybio.cli.pytest_check`, which does the rest.
"""

from __future__ import annotations

import pytest

#: The plugin that runs the check, loaded only when a target is given.
CHECK_PLUGIN = "duckybio.cli.pytest_check"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("duckybio", "BIO conformance check")
    group.addoption("--duckybio-target", default=None, metavar="TARGET",
                    help="check this device ('module:callable' or a wire-protocol command)")
    group.addoption("--duckybio-examples", default="200", metavar="N",
                    help="generated MMIO sequences (default 200)")
    group.addoption("--duckybio-steps", default="40", metavar="N",
                    help="rules per sequence (default 40)")
    group.addoption("--duckybio-busy-bound", default="0", metavar="N",
                    help="clock-step polls a command may stay BUSY (default 0: it completes "
                         "within the STATUS write that starts it)")
    group.addoption("--duckybio-timeout", default="10", metavar="SECONDS",
                    help="limit for every exchange with the target (default 10)")
    group.addoption("--duckybio-seed", default="0", metavar="N",
                    help="random seed (default 0)")
    group.addoption("--duckybio-shards", default="1", metavar="N",
                    help="split the check into N tests with disjoint seeds, each running "
                         "--duckybio-examples sequences (for a campaign under pytest-xdist: "
                         "pytest -n auto); default 1")
    group.addoption("--duckybio-database", default=None, metavar="URL|DIR",
                    help="the campaign's example database (redis://HOST:PORT/N or a "
                         "directory), shared by every shard, run and machine: a failure "
                         "found by one is replayed first by all")
    group.addoption("--duckybio-campaign", action="store_true",
                    help="add the check as a Hypothesis test (duckybio-campaign) for a "
                         "fuzzing engine: hypothesis fuzz -- -p duckybio --duckybio-target=... "
                         "--duckybio-campaign")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--duckybio-target", None) is not None:
        config.pluginmanager.import_plugin(CHECK_PLUGIN)
