"""The pytest plugin adds the conformance check to a project's own test run."""

from __future__ import annotations

import shlex
import sys

import pytest

SERVE = shlex.join([sys.executable, "-m", "duckybio", "serve"])

FLIPPED = '''
from duckybio.kit.reference_target import ReferenceTarget


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
