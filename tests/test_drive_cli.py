"""``duckybio drive``: exit codes, the saved counterexample and its replay, JSON and JUnit."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from duckybio.cli.main import main
from duckybio.driver import DriveReport, DriveTrace

FAULTY = f"{sys.executable} {Path(__file__).resolve().parent / 'faulty_driver.py'}"


def test_a_good_driver_exits_0_and_writes_json_and_junit(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["drive", "--driver", "duckybio.driver:reference", "--busy-bound", "2",
                 "--examples", "10", "--json", str(tmp_path / "r.json"),
                 "--junit-xml", str(tmp_path / "r.xml")])
    assert code == 0
    assert "KEEPS THE DRIVER RULES" in capsys.readouterr().out
    report = DriveReport.model_validate_json((tmp_path / "r.json").read_text())
    assert report.passed and report.scenarios == 10 and report.busy_bound == 2
    suite = ET.parse(tmp_path / "r.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "0" and suite.get("tests") == "1"


def test_a_broken_rule_exits_1_saves_a_trace_that_replays(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ce"
    code = main(["drive", "--driver", "buggy_drivers:polls_rdy_only", "--examples", "30",
                 "--out", str(out), "--junit-xml", str(tmp_path / "r.xml")])
    assert code == 1
    text = capsys.readouterr().out
    assert "BREAKS A DRIVER RULE" in text and "rule broken:          D-1:" in text
    assert "minimal scenario (size 1):" in text
    trace = DriveTrace.model_validate_json((out / "drive-trace.json").read_text())
    assert trace.rule == "D-1" and len(trace.scenario.steps) == 1
    assert (out / "access-log.txt").read_text().splitlines() == trace.log
    failure = ET.parse(tmp_path / "r.xml").getroot().find("testsuite/testcase/failure")
    assert failure is not None and failure.get("message", "").startswith("D-1:")
    replay = ["drive", "--replay", str(out / "drive-trace.json"), "--json",
              str(tmp_path / "replay.json")]
    assert main([*replay, "--driver", "buggy_drivers:polls_rdy_only"]) == 1
    assert json.loads((tmp_path / "replay.json").read_text())["rule"] == "D-1"
    assert main([*replay, "--driver", "buggy_drivers:correct"]) == 0


def test_a_failing_driver_process_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["drive", "--driver", f"{FAULTY} crash",
                 "--examples", "3"])
    assert code == 3
    assert "DRIVER FAILED" in capsys.readouterr().out
    code = main(["drive", "--driver", f"{FAULTY} bad-version"])
    assert code == 3
    assert capsys.readouterr().err.startswith("duckybio: the driver failed: driver speaks")


@pytest.mark.parametrize("argv", [
    ["--driver", "no_such_module:driver"],
    ["--driver", "buggy_drivers:NARROW"],
    ["--driver", "buggy_drivers:correct", "--busy-bound", "-1"],
    ["--driver", "buggy_drivers:correct", "--replay", "/nonexistent/drive-trace.json"],
    [],
])
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    try:
        code = main(["drive", *argv])
    except SystemExit as exc:  # argparse
        code = int(exc.code or 0)
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err and "Traceback" not in "\n".join(err)
