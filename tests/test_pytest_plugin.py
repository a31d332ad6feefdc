"""The pytest plugin adds the conformance check to a project's own test run."""

from __future__ import annotations

import ast
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from duckybio.cli.main import main
from duckybio.kit._run import CheckReport

SERVE = shlex.join([sys.executable, "-m", "duckybio", "serve"])

FLIPPED = '''
from duckybio.kit import ReferenceTarget


class Flipped(ReferenceTarget):
    """STATUS reads with ERR inverted: plainly nonconforming."""

    def readl(self, addr: int) -> int:
        value = super().readl(addr)
        return value ^ 0x2 if addr == 0x2000 else value
'''


def test_without_the_option_nothing_is_added(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_one():\n    assert True\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_a_conforming_target_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_one():\n    assert True\n")
    result = pytester.runpytest("-p", "no:cacheprovider", f"--duckybio-target={SERVE}",
                                "--duckybio-examples=10")
    result.assert_outcomes(passed=2)


def test_a_nonconforming_target_fails_with_its_trace(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(flipped_device=FLIPPED)
    pytester.makepyfile("def test_one():\n    assert True\n")
    result = pytester.runpytest("-p", "no:cacheprovider",
                                "--duckybio-target=flipped_device:Flipped",
                                "--duckybio-examples=10")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*nonconformance*", "*minimal failing sequence*"])


def test_a_crashing_target_fails_as_broken(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_one():\n    assert True\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "--duckybio-target=sh -c 'exit 3'")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*target failed*status 3*"])


def test_the_plugin_runs_exactly_what_check_runs(pytester: pytest.Pytester,
                                                 tmp_path: Path) -> None:
    pytester.makepyfile("def test_one():\n    assert True\n")
    recorder = pytester.inline_run("-p", "no:cacheprovider", f"--duckybio-target={SERVE}",
                                   "--duckybio-examples=5", "--duckybio-steps=10")
    properties = [dict(r.user_properties) for r in recorder.getreports("pytest_runtest_logreport")
                  if r.when == "call" and "duckybio" in dict(r.user_properties)]
    assert len(properties) == 1
    plugin = CheckReport.model_validate_json(str(properties[0]["duckybio"]))
    json_path = tmp_path / "report.json"
    assert main(["check", "--target", SERVE, "--examples", "5", "--steps", "10", "--quiet",
                 "--json", str(json_path)]) == 0
    check = CheckReport.model_validate_json(json_path.read_text())
    assert plugin.coverage is not None, "busy bound 0: exact latency, as in check"
    assert plugin.model_dump(exclude={"seconds"}) == check.model_dump(exclude={"seconds"})


def test_a_bad_option_value_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("-p", "no:cacheprovider", f"--duckybio-target={SERVE}",
                                "--duckybio-busy-bound=-1")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--duckybio-busy-bound*must be >= 0*"])


def test_loading_the_plugin_imports_almost_nothing_of_the_project() -> None:
    """Every pytest session of a project with duckybio installed loads the plugin: it
    imports at most 3 duckybio modules until a target is given."""
    probe = ("import sys, duckybio.pytest_plugin\n"
             "print(sorted(m for m in sys.modules if m.startswith('duckybio')))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    loaded = ast.literal_eval(done.stdout.strip())
    assert len(loaded) <= 3, loaded
