"""pytest plugin: ``pytest --duckybio-target=TARGET`` adds the conformance check.

With the option, the test run gains one test, ``duckybio-conformance``, that
runs the same lockstep check as ``duckybio check --target TARGET`` (the same
:class:`~duckybio.kit.run.CheckConfig`, so the same busy-bound policy, target
lifetime and option types) and fails with the minimal failing sequence.
Without it the plugin does nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .cli.options import integer, natural, positive, seconds
from .kit.errors import TargetSpecError
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
    group.addoption("--duckybio-database", type=Path, default=None, metavar="DIR",
                    help="Hypothesis's example database, shared by every shard and run: "
                         "a failure found by one is replayed first by all")


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
        except TargetSpecError as exc:
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
    shards: int = config.getoption("--duckybio-shards")
    if shards == 1:
        items.append(ConformanceItem.from_parent(session, name="duckybio-conformance"))
        return
    for k in range(shards):
        item = ConformanceItem.from_parent(session, name=f"duckybio-conformance[{k}]")
        item.shard, item.shards = k, shards
        items.append(item)
