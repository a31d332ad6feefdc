"""One bug, one deviation: a verdict with an allow file is the same on every seed.

On the all-errata double and on a double with three independent bugs
(:mod:`multibug_double`): an allow file written once, then runs with it on
seeds 0-9 all pass with nothing new and nothing fixed; with one bug taken
out, exactly that bug's deviation is reported fixed, on every seed, and the
run still passes.  Known deviations are verified by replaying their
reproducers, so the verdict does not depend on what a random search meets.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from errata_double import LATENCY
from multibug_double import BUGS

from duckybio.cli.main import main
from duckybio.kit._deviations import AllowFile
from duckybio.kit._run import CheckReport

SEEDS = range(10)
#: A small budget: the verdict must not depend on it (the allowed ones are replayed).
BUDGET = ["--examples", "8", "--quiet"]


def _run(tmp_path: Path, *argv: str) -> tuple[int, CheckReport]:
    report = tmp_path / "report.json"
    code = main(["check", *argv, "--json", str(report), "--out", str(tmp_path / "out")])
    return code, CheckReport.model_validate_json(report.read_text())


def test_on_the_all_errata_double_nothing_is_ever_reported_fixed(tmp_path: Path) -> None:
    """Fixed comes from replaying reproducers alone: 0 fixed on every seed.  (A small
    budget may still meet a face of E4 that matches no single erratum alone.)"""
    allow = tmp_path / "allow.json"
    common = ["--target", "errata_double:every", "--latency", str(LATENCY)]
    _run(tmp_path, *common, "--quiet", "--write-allow", str(allow))
    for seed in SEEDS:
        _, report = _run(tmp_path, *common, *BUDGET, "--allow", str(allow), "--seed", str(seed))
        assert report.no_longer_occurring == [], seed
        assert report.broken is None
        assert {d.signature for d in report.deviations if d.known} >= {
            item.signature for item in AllowFile.load(allow).allowed}


@pytest.mark.parametrize("target,latency", [("multibug_double:every", 0)])
def test_the_same_verdict_on_every_seed(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        target: str, latency: int) -> None:
    allow = tmp_path / "allow.json"
    common = ["--target", target, "--latency", str(latency)]
    code, first = _run(tmp_path, *common, "--quiet", "--write-allow", str(allow))
    assert code == 1 and first.new_deviations
    listed = AllowFile.load(allow)
    assert all(item.trace for item in listed.allowed)  # each with its clean reproducer
    rows = []
    for seed in SEEDS:
        code, report = _run(tmp_path, *common, *BUDGET, "--allow", str(allow),
                            "--seed", str(seed))
        rows.append((seed, code, len(report.new_deviations), len(report.no_longer_occurring)))
    print(f"{target}: (seed, exit, new, fixed): {rows}")
    assert rows == [(seed, 0, 0, 0) for seed in SEEDS]
    # merging: writing the allow file again from a run with it lists every signature once
    again = tmp_path / "again.json"
    _run(tmp_path, *common, *BUDGET, "--allow", str(allow), "--write-allow", str(again))
    merged = [item.signature for item in AllowFile.load(again).allowed]
    assert len(merged) == len(set(merged)) >= len(listed.allowed)
    capsys.readouterr()


def test_one_bug_taken_out_is_reported_fixed_on_every_seed(tmp_path: Path) -> None:
    allow = tmp_path / "allow.json"
    code, _ = _run(tmp_path, "--target", "multibug_double:every", "--quiet",
                   "--write-allow", str(allow))
    assert code == 1
    for bug in BUGS:
        gone = "without_" + bug.replace("-", "_")
        fixed = set()
        for seed in SEEDS:
            code, report = _run(tmp_path, "--target", f"multibug_double:{gone}", *BUDGET,
                                "--allow", str(allow), "--seed", str(seed))
            assert code == 0 and not report.new_deviations, (bug, seed)
            assert len(report.no_longer_occurring) == 1, (bug, seed, report.no_longer_occurring)
            fixed |= set(report.no_longer_occurring)
        print(f"without {bug}: fixed {sorted(fixed)} on seeds 0-9")
        assert len(fixed) == 1
    assert json.loads(allow.read_text())["format"] == "duckybio-allow/1"
