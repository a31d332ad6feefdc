"""``duckybio check`` and ``duckybio replay`` end to end: verdicts, files, broken targets.

A buggy Python target (:func:`mutation.flipped_status`) must be reported as a
nonconformance with a saved, replayable counterexample; targets that crash,
hang or talk nonsense must end the run with exit code 3, a one-line reason,
and no process left behind; bad usage exits with code 2.
"""

from __future__ import annotations

import ast
import importlib
import secrets
import shlex
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from cdevice import CC
from mutation import mmio_operations, processes_with

from duckybio.cli.main import main
from duckybio.kit._repro import render_pytest
from duckybio.kit._run import CheckReport
from duckybio.kit.trace import Step, Trace

SMALL = ["--examples", "10", "--steps", "10", "--quiet"]
FLIPPED = "mutation:flipped_status"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the command line; its exit code, stdout and stderr."""
    started = time.perf_counter()
    code = main(list(argv))
    out, err = capsys.readouterr()
    print(f"duckybio {shlex.join(argv)[:80]}: exit {code} in "
          f"{time.perf_counter() - started:.2f} s")
    return code, out, err


def test_the_reference_conforms_and_the_summary_says_so(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "check", *SMALL, "--out", str(tmp_path / "cx"))
    assert code == 0
    assert "CONFORMS" in out and "DOES NOT CONFORM" not in out
    for label in ("sequences run:", "operations:", "transition", "seed:", "time:"):
        assert label in out, f"the summary has no {label!r} line"
    assert "seed:                 0" in out
    assert not (tmp_path / "cx").exists(), "no counterexample is saved for a conforming run"


def test_json_and_junit_reports_are_written(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    json_path, xml_path = tmp_path / "out" / "report.json", tmp_path / "junit.xml"
    code, _, _ = run(capsys, "check", *SMALL, "--seed", "7", "--json", str(json_path),
                     "--junit-xml", str(xml_path))
    assert code == 0
    report = CheckReport.model_validate_json(json_path.read_text())
    assert report.conforms and report.exit_code == 0
    assert report.seed == 7 and report.examples >= 10 and report.steps > 0
    assert report.transitions and report.failure is None and report.trace == []
    root = ET.parse(xml_path).getroot()
    cases = list(root.iter("testcase"))
    assert len(cases) == 1
    assert cases[0].find("failure") is None and cases[0].find("error") is None


def test_a_python_mutant_yields_a_replayable_counterexample(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_dir, json_path = tmp_path / "cx", tmp_path / "report.json"
    code, out, _ = run(capsys, "check", "--target", FLIPPED, *SMALL, "--out", str(out_dir),
                       "--json", str(json_path))
    assert code == 1
    assert "DOES NOT CONFORM" in out and "minimal failing sequence" in out
    report = CheckReport.model_validate_json(json_path.read_text())
    assert report.failure and report.trace
    assert len(mmio_operations(report.trace)) == 1, "the ERR flip shows on the first STATUS read"
    trace_path = out_dir / "trace.json"
    assert Trace.load(trace_path).steps == report.trace
    compile((out_dir / "test_repro.py").read_text(), "test_repro.py", "exec")
    repro_c = out_dir / "repro.c"
    assert "run_trace" in repro_c.read_text()
    if CC is not None:
        subprocess.run([CC, "-std=c11", "-Wall", "-Werror", "-c", str(repro_c), "-o",
                        str(tmp_path / "repro.o")], check=True, capture_output=True, timeout=60)
    code, out, _ = run(capsys, "replay", str(trace_path), "--target", FLIPPED)
    assert code == 1 and "MISMATCH" in out
    code, out, _ = run(capsys, "replay", str(trace_path))
    assert code == 0 and "all answers match the model" in out


#: Devices that break: (name, shell script, extra options).  ``{marker}`` is a
#: unique number, also the length of every ``sleep``, to find leftover processes.
BROKEN = [
    ("crashes at once", "exit 3", []),
    ("crashes mid-run", "read line; echo OK duckybio-wire/1; "
                        "for i in 1 2 3 4; do read line; echo OK; done; exit 4", []),
    ("hangs", "read line; sleep {marker}", ["--timeout", "1"]),
    ("answers garbage", "read line; echo '%% no protocol here'; sleep {marker}", []),
    ("answers the wrong version",
     "read line; echo OK duckybio-wire/999; sleep {marker}", []),
]


@pytest.mark.parametrize(("script", "options"), [(s, o) for _, s, o in BROKEN],
                         ids=[name for name, _, _ in BROKEN])
def test_a_broken_target_fails_the_run_cleanly(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, script: str,
        options: list[str]) -> None:
    marker = str(10_000_000 + secrets.randbelow(80_000_000))
    command = shlex.join(["sh", "-c", script.format(marker=marker), f"duckybio-{marker}"])
    json_path = tmp_path / "report.json"
    started = time.perf_counter()
    code, out, err = run(capsys, "check", "--target", command, *SMALL, *options,
                         "--out", str(tmp_path / "cx"), "--json", str(json_path))
    seconds = time.perf_counter() - started
    assert code == 3
    assert "TARGET FAILED" in out
    reason = [line for line in out.splitlines() if "target failure:" in line]
    assert len(reason) == 1
    report = CheckReport.model_validate_json(json_path.read_text())
    assert report.broken and "\n" not in report.broken
    assert report.broken in reason[0]
    assert "Traceback" not in out + err
    # the last lines exchanged abbreviate the host's fills (SPEC section 18)
    assert all(len(line) <= 120 for line in report.transcript), report.transcript
    fills = [line for line in report.transcript if line.startswith(("> storage-write", "> write"))]
    assert all(line.endswith("bytes)") for line in fills), fills
    # A process that dies mid-run is shrunk like a mismatch: its reproducer is
    # saved; a hang or nonsense stops the run at once with nothing to shrink.
    crashes_mid_run = "exit 4" in script
    assert (tmp_path / "cx" / "trace.json").exists() == crashes_mid_run
    assert processes_with(marker) == [], "a target process outlived the run"
    print(f"  {seconds:.2f} s: {report.broken}")


def test_an_unknown_python_target_is_a_usage_error(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", "--target", "no_such_module_at_all:factory", *SMALL)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and "no_such_module_at_all" in err
    code, _, err = run(capsys, "check", "--target", "mutation:no_such_factory", *SMALL)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "no_such_factory" in err


@pytest.mark.parametrize("value", ["0", "-1", "soon"])
def test_a_bad_timeout_is_rejected_by_the_parser(
        capsys: pytest.CaptureFixture[str], value: str) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["check", "--timeout", value])
    assert exc.value.code == 2
    assert "--timeout" in capsys.readouterr().err


def test_an_unwritable_report_path_is_a_usage_error(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory\n")
    code, out, err = run(capsys, "check", *SMALL, "--json", str(blocker / "report.json"))
    assert code == 2 and out == "", "refused before the run"
    assert len(err.strip().splitlines()) == 1 and "--json" in err and "Not a directory" in err


@pytest.mark.parametrize("command", ["check", "replay", "vectors"])
def test_every_front_end_sends_quit_to_its_target(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str) -> None:
    received = tmp_path / "received.txt"
    serve = shlex.join([sys.executable, "-m", "duckybio", "serve"])
    target = shlex.join(["sh", "-c", f"tee {shlex.quote(str(received))} | {serve}"])
    trace = tmp_path / "trace.json"
    power_on = Trace(name="power on", steps=[Step(command="machine 0x4000 0x2000", expect="OK")])
    trace.write_text(power_on.model_dump_json())
    argv = {"check": ["check", *SMALL, "--out", str(tmp_path / "cx")],
            "replay": ["replay", str(trace)],
            "vectors": ["vectors"]}[command]
    code, _, _ = run(capsys, *argv, "--target", target)
    assert code == 0
    assert received.read_text().splitlines()[-1] == "quit"
    assert processes_with(str(received)) == [], "a target process outlived the run"


def test_the_reproducer_imports_only_the_public_api(tmp_path: Path) -> None:
    trace = Trace(name="power on", steps=[Step(command="machine 0x4000 0x2000", expect="OK")])
    source = render_pytest(trace, None)
    imported = [(node.module or "", alias.name) for node in ast.walk(ast.parse(source))
                if isinstance(node, ast.ImportFrom) for alias in node.names]
    assert imported
    for module, name in imported:
        assert not any(part.startswith("_") for part in module.split(".")), module
        assert name in importlib.import_module(module).__all__, (module, name)
    namespace: dict[str, object] = {}
    exec(compile(source, "test_repro.py", "exec"), namespace)
    tests = [f for name, f in namespace.items() if name.startswith("test_") and callable(f)]
    assert len(tests) == 1
    tests[0]()  # the reference passes its own trace


@pytest.mark.parametrize("value", ["-1", "x"])
def test_integer_options_share_one_parser(
        capsys: pytest.CaptureFixture[str], value: str) -> None:
    for argv in (["check", "--busy-bound", value], ["serve", "--latency", value],
                 ["vectors", "--latency", value]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert ("must be >= 0" if value == "-1" else "not an integer: 'x'") in err
