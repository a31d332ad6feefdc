"""The pytest plugin's check, loaded only when ``--duckybio-target`` is given.

:mod:`duckybio.pytest_plugin` (the entry point every pytest session loads)
declares the options and imports nothing of the project; when a target is
given it registers this module as a plugin, which reads the options (a bad
value is a usage error, one line), opens the campaign database and adds the
``duckybio-conformance`` (or ``duckybio-campaign``) test.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import settings

from ..kit import Campaign, CheckConfig, CheckReport, open_database, resolve_target, run_check
from ..kit.errors import InputError, TargetSpecError
from ..kit.workers import SEED_STRIDE
from .options import integer, natural, positive, seconds

#: Each option given as text, and the type that reads it (as ``duckybio check`` does).
_TYPES: dict[str, Callable[[str], Any]] = {
    "--duckybio-examples": positive,
    "--duckybio-steps": positive,
    "--duckybio-busy-bound": natural,
    "--duckybio-timeout": seconds,
    "--duckybio-seed": integer,
    "--duckybio-shards": positive,
}


def option(config: pytest.Config, name: str) -> Any:
    """The value of option ``name``, read by its type; a bad one is a usage error."""
    text = config.getoption(name)
    read = _TYPES.get(name)
    if read is None or not isinstance(text, str):
        return text
    try:
        return read(text)
    except argparse.ArgumentTypeError as exc:
        raise pytest.UsageError(f"argument {name}: {exc}") from None


def pytest_configure(config: pytest.Config) -> None:
    for name in _TYPES:  # every value read now: a bad one stops the session at once
        option(config, name)
    location = config.getoption("--duckybio-database", None)
    if location is None or config.getoption("--duckybio-target", None) is None:
        return
    try:
        database = open_database(location)
    except InputError as exc:
        raise pytest.UsageError(str(exc)) from None
    if config.getoption("--duckybio-campaign"):
        # a campaign is random by nature: never derandomized, even under a CI
        # profile (a fuzzer skips a derandomized test)
        settings.register_profile("duckybio-campaign", settings.get_profile(
            settings.get_current_profile_name()), database=database, derandomize=False)
        settings.load_profile("duckybio-campaign")


class ConformanceFailure(Exception):
    """The device does not conform, or failed."""


class ConformanceItem(pytest.Item):
    """The lockstep check of one target, as a test (one shard of it: ``shard`` of ``shards``)."""

    shard: int = 0
    shards: int = 1

    def runtest(self) -> None:
        def opt(name: str) -> Any:
            return option(self.config, name)

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
    def opt(name: str) -> Any:
        return option(config, name)

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
    shards: int = option(config, "--duckybio-shards")
    if shards == 1:
        items.append(ConformanceItem.from_parent(session, name="duckybio-conformance"))
        return
    for k in range(shards):
        item = ConformanceItem.from_parent(session, name=f"duckybio-conformance[{k}]")
        item.shard, item.shards = k, shards
        items.append(item)
