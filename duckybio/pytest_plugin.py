"""pytest plugin: ``pytest --duckybio-target=TARGET`` adds the conformance check.

With the option, the test run gains one test, ``duckybio-conformance``, that
runs the same lockstep check as ``duckybio check --target TARGET`` (the same
:class:`~duckybio.kit.run.CheckConfig`, so the same busy-bound policy, target
lifetime and option types) and fails with the minimal failing sequence.
Without it the plugin does nothing.

With ``--duckybio-campaign`` as well, the test added is instead
``duckybio-campaign``: the same check as a Hypothesis stateful test
(:class:`~duckybio.kit.campaign.Campaign`), which HypoFuzz fuzzes for as
long as it runs (``hypothesis fuzz -- -p duckybio --duckybio-target=...
--duckybio-campaign --duckybio-database=redis://...``).  The campaign's
database (``--duckybio-database``, a directory or ``redis://HOST:PORT/N``)
then becomes Hypothesis's default for the session, as the engine requires.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import settings

from .cli.options import integer, natural, positive, seconds
from .kit.campaign import Campaign
from .kit.database import open_database
from .kit.errors import InputError, TargetSpecError
from .kit.run import CheckConfig, CheckReport, run_check
from .kit.targets import resolve_target
from .kit.workers import SEED_STRIDE


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("duckybio", "BIO conformance check")
    group.addoption("--duckybio-target", default=None, metavar="TARGET",
                    help="check this device ('module:callable' or a wire-protocol command)")
    group.addoption("--duckybio-examples", type=positive, default=200, metavar="N",
                    help="generated MMIO sequences (default 200)")
    group.addoption("--duckybio-steps", type=positive, default=40, metavar="N",
                    help="rules per sequence (default 40)")
    group.addoption("--duckybio-busy-bound", type=natural, default=0, metavar="N",
                    help="clock-step polls a command may stay BUSY (default 0: it completes "
                         "within the STATUS write that starts it)")
    group.addoption("--duckybio-timeout", type=seconds, default=10.0, metavar="SECONDS",
                    help="limit for every exchange with the target (default 10)")
    group.addoption("--duckybio-seed", type=integer, default=0, metavar="N",
                    help="random seed (default 0)")
    group.addoption("--duckybio-shards", type=positive, default=1, metavar="N",
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
    location = config.getoption("--duckybio-database", None)
    if location is None or config.getoption("--duckybio-target", None) is None:
        return
    try:
        database = open_database(location)
    except InputError as exc:
        raise pytest.UsageError(str(exc)) from None
    if config.getoption("--duckybio-campaign"):
        settings.register_profile("duckybio-campaign", settings.get_profile(
            settings.get_current_profile_name()), database=database)
        settings.load_profile("duckybio-campaign")


class ConformanceFailure(Exception):
    """The device does not conform, or failed."""


class ConformanceItem(pytest.Item):
    """The lockstep check of one target, as a test (one shard of it: ``shard`` of ``shards``)."""

    shard: int = 0
    shards: int = 1

    def runtest(self) -> None:
        opt = self.config.getoption
        text: str = opt("--duckybio-target")
        try:
            spec = resolve_target(text, timeout=opt("--duckybio-timeout"))
            config = CheckConfig(target=spec, busy_bound=opt("--duckybio-busy-bound"),
                                 examples=opt("--duckybio-examples"),
                                 steps=opt("--duckybio-steps"),
                                 seed=opt("--duckybio-seed") + self.shard * SEED_STRIDE,
                                 database=opt("--duckybio-database"),
                                 shard=(self.shard, self.shards))
            with spec:
                report = run_check(config)
        except InputError as exc:
            raise ConformanceFailure(str(exc)) from None
        self.user_properties.append(("duckybio", report.model_dump_json()))
        if report.exit_code != 0:
            raise ConformanceFailure(_describe(report))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if isinstance(excinfo.value, ConformanceFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[str, int | None, str]:
        target = self.config.getoption("--duckybio-target")
        return "duckybio", None, f"duckybio conformance of {target}"


class CampaignItem(pytest.Function):
    """The check of the target as a Hypothesis test (for ``hypothesis fuzz``)."""

    def reportinfo(self) -> tuple[str, int | None, str]:
        target = self.config.getoption("--duckybio-target")
        return "duckybio", None, f"duckybio campaign on {target}"


def _campaign_item(session: pytest.Session, config: pytest.Config) -> CampaignItem:
    """The ``duckybio-campaign`` test; its target is closed when the session ends."""
    opt = config.getoption
    try:
        spec = resolve_target(opt("--duckybio-target"), timeout=opt("--duckybio-timeout"))
    except TargetSpecError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.add_cleanup(spec.close)
    check = CheckConfig(target=spec, busy_bound=opt("--duckybio-busy-bound"),
                        examples=opt("--duckybio-examples"), steps=opt("--duckybio-steps"))
    campaign = Campaign(check, settings().database)
    item = CampaignItem.from_parent(session, name="duckybio-campaign", callobj=campaign.run)
    item.add_marker("hypothesis")
    return item


def _describe(report: CheckReport) -> str:
    if report.broken is not None:
        return "\n".join([f"target failed: {report.broken}", *report.transcript,
                          report.stderr_tail])
    lines = [f"nonconformance: {report.failure}", "minimal failing sequence:"]
    lines += [f"  {i:3}. {step}" for i, step in enumerate(report.trace, 1)]
    return "\n".join(lines)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    if config.getoption("--duckybio-target") is None:
        return
    if config.getoption("--duckybio-campaign"):
        items.append(_campaign_item(session, config))
        return
    shards: int = config.getoption("--duckybio-shards")
    if shards == 1:
        items.append(ConformanceItem.from_parent(session, name="duckybio-conformance"))
        return
    for k in range(shards):
        item = ConformanceItem.from_parent(session, name=f"duckybio-conformance[{k}]")
        item.shard, item.shards = k, shards
        items.append(item)
