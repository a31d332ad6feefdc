"""A check's verdict and reports survive the outputs failing under it.

Regression tests: ``check`` piped into a reader that closes early finishes
and writes its ``--json`` report; an ``--out`` that cannot be written is
refused before the run, and one that becomes unwritable during the run keeps
exit 1 and the ``--json`` report.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from hardening import DUCKYBIO

from duckybio.cli.main import main


def test_check_into_a_closed_pipe_finishes_and_writes_its_report(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    done = subprocess.run(
        [
            "bash",
            "-o",
            "pipefail",
            "-c",
            f"{' '.join(DUCKYBIO)} check --examples 3 --steps 5 --json {report} | head -c 1",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    assert json.loads(report.read_text())["conforms"] is True


def test_an_unwritable_out_keeps_exit_1_and_the_json_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory\n")
    report = tmp_path / "report.json"
    argv = [
        "check",
        "--target",
        "mutation:flipped_status",
        "--examples",
        "5",
        "--steps",
        "5",
        "--quiet",
        "--out",
        str(blocker / "cx"),
        "--json",
        str(report),
    ]
    assert main(argv) == 2, "refused before the run"
    assert "--out" in capsys.readouterr().err and not report.exists()
    # --out that becomes unwritable during the run (checked fine before it)
    monkeypatch.setattr("duckybio.cli.check.check_outputs", lambda *_: True)
    assert main(argv) == 1
    assert "cannot write" in capsys.readouterr().err
    assert json.loads(report.read_text())["conforms"] is False
