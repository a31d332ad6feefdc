"""Nonconformance reports: compact reproducers, readable failures, every deviation, known ones.

Driven by the errata double (:mod:`errata_double`): each planted erratum's reproducer
stays small and its failure line short; ``--keep-going`` on all errata at once reports
many distinct deviations, each shrunk into its own folder; an allow file written from a
run makes the rerun pass, reports an allowed deviation that went away, and still fails
on a new one.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from cdevice import CC, NO_CC
from errata_double import LATENCY
from mutation import processes_with

from duckybio.cli.main import main
from duckybio.kit._deviations import AllowFile
from duckybio.kit._fill import abbreviate, expand, reference, references, words
from duckybio.kit._power_on import pattern
from duckybio.kit._repro import render_c, render_pytest
from duckybio.kit._run import CheckConfig, CheckReport, run_check
from duckybio.kit._targets import resolve_target
from duckybio.kit.trace import Step, Trace
from duckybio.spec import wire
from duckybio.spec.regmap import PAGE_SIZE

#: SPEC section 18 and the goals for a failure of at most 6 MMIO operations.
MAX_REPRO_C, MAX_TEST_REPRO, MAX_TRACE_JSON = 3 * 1024, 3 * 1024, 4 * 1024
EVERY = ["--target", "errata_double:every", "--latency", str(LATENCY), "--quiet"]


def mmio_ops(trace: Trace, base: int = 0x2000) -> int:
    """How many guest MMIO accesses ``trace`` makes."""
    count = 0
    for step in trace.steps:
        command = wire.parse_command(expand(step.command))
        if isinstance(command, wire.Readl | wire.Writel) and 0 <= command.addr - base < PAGE_SIZE:
            count += 1
    return count


def sizes(trace: Trace) -> tuple[int, int, int]:
    """The bytes of ``repro.c``, ``test_repro.py`` and ``trace.json`` for ``trace``."""
    return (len(render_c(trace).encode()), len(render_pytest(trace, "x:y").encode()),
            len((trace.model_dump_json(indent=1) + "\n").encode()))


def test_the_fill_pattern_is_the_one_spec_section_18_defines() -> None:
    data = words(0x5A, 10)
    assert data[:4] == ((0x5A * 0x85EBCA77) & 0xFFFFFFFF).to_bytes(4, "little")
    assert data[4:8] == ((0x9E3779B1 + 0x5A * 0x85EBCA77) & 0xFFFFFFFF).to_bytes(4, "little")
    assert len(data) == 10 and pattern(10, 0x5A) == data
    line = f"storage-write 0x1 0x0 {reference(1, 0x20)}"
    assert references(line) == [(1, 0x20)]
    assert expand(line) == "storage-write 0x1 0x0 0x" + words(1, 0x20).hex()
    assert abbreviate(expand(line)).endswith("...(32 bytes)")
    assert abbreviate("readl 0x2000") == "readl 0x2000"


def test_a_reproducer_with_a_fill_compiles_and_states_the_pattern(tmp_path: Path) -> None:
    trace = Trace(name="fill", steps=[
        Step(command="machine 0x4000 0x2000", expect="OK"),
        Step(command="storage 0x1 0x1000", expect="OK"),
        Step(command=f"storage-write 0x1 0x0 {reference(1, 0x1000)}", expect="OK"),
        Step(command=f"write 0x0 0x2000 {reference(0x5A, 0x2000)}", expect="OK"),
        Step(command="storage-read 0x1 0x10 0x4",
             expect="OK 0x" + words(1, 0x14)[0x10:].hex()),
    ])
    c_text = render_c(trace)
    assert "fill_words(d, sizeof d, 0x1u)" in c_text and "bio_write(0x0ULL" in c_text
    assert "expect_bytes(5" in c_text
    source = tmp_path / "repro.c"
    source.write_text(c_text)
    assert CC is not None, NO_CC
    subprocess.run([CC, "-std=c11", "-Wall", "-Werror", "-c", str(source), "-o",
                    str(tmp_path / "repro.o")], check=True)
    assert "@words(0x1,0x1000)" in render_pytest(trace, None)


def _check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["check", *argv])
    out, _ = capsys.readouterr()
    print(f"duckybio check {shlex.join(argv)}: exit {code}")
    return code, out


def test_keep_going_reports_every_deviation_of_the_all_errata_double(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_dir, json_path, xml_path = tmp_path / "out", tmp_path / "r.json", tmp_path / "j.xml"
    code, out = _check(capsys, *EVERY, "--keep-going", "--out", str(out_dir),
                       "--json", str(json_path), "--junit-xml", str(xml_path))
    assert code == 1
    report = CheckReport.model_validate_json(json_path.read_text())
    signatures = [d.signature for d in report.deviations]
    assert len(signatures) == len(set(signatures)) >= 8, signatures
    assert "deviations:" in out and out.count("NEW") == len(signatures)
    folders = sorted(p for p in out_dir.iterdir() if p.is_dir())
    assert len(folders) == len(signatures)
    for deviation in report.deviations:
        folder = Path(deviation.folder)
        assert {p.name for p in folder.iterdir()} == {"trace.json", "repro.c", "test_repro.py"}
        trace = Trace.load(folder / "trace.json")
        c_size, py_size, json_size = sizes(trace)
        print(f"{deviation.signature}: {len(trace.steps)} steps, repro.c {c_size} B, "
              f"test_repro.py {py_size} B, trace.json {json_size} B")
        crash = "crash" in deviation.signature
        assert code_of_replay(folder / "trace.json") == (3 if crash else 1), \
            f"the reproducer of {deviation.signature} does not fail"
    cases = ET.parse(xml_path).getroot().iter("testcase")
    names = [c.get("name") for c in cases]
    assert {f"deviation {s}" for s in signatures} <= set(names)


def code_of_replay(path: Path) -> int:
    return main(["replay", str(path), "--target", "errata_double:every", "--latency",
                 str(LATENCY)])


def test_an_allow_file_round_trip(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    allow = tmp_path / "allow.json"
    code, _ = _check(capsys, *EVERY, "--keep-going", "--out", str(tmp_path / "a"),
                     "--write-allow", str(allow))
    assert code == 1
    listed = AllowFile.load(allow)
    assert listed.allowed and all(item.reason for item in listed.allowed)
    # every deviation is known now: the run passes
    code, out = _check(capsys, *EVERY, "--allow", str(allow), "--out", str(tmp_path / "b"))
    assert code == 0, out
    assert "known" in out and "FIXED" not in out
    # a deviation that went away is reported, so that the file stays true; it fails nothing
    code, out = _check(capsys, "--target", "errata_double:every_but_e10", "--latency",
                       str(LATENCY), "--quiet", "--keep-going", "--allow", str(allow), "--json",
                       str(tmp_path / "gone.json"), "--out", str(tmp_path / "c"))
    report = json.loads((tmp_path / "gone.json").read_text())
    assert code == 0, out
    assert len(report["no_longer_occurring"]) == 1, report["no_longer_occurring"]
    assert "RAM bytes" in report["no_longer_occurring"][0]
    assert "FIXED" in out
    # a new bug fails the run: the allow file of a device without E10, on a device with it
    fewer = tmp_path / "fewer.json"
    _check(capsys, "--target", "errata_double:every_but_e10", "--latency", str(LATENCY),
           "--quiet", "--keep-going", "--write-allow", str(fewer), "--out", str(tmp_path / "d"))
    code, out = _check(capsys, *EVERY, "--allow", str(fewer), "--out", str(tmp_path / "e"))
    assert code == 1 and "DOES NOT CONFORM" in out
    assert report["no_longer_occurring"][0] in out
    assert (tmp_path / "e" / "trace.json").exists()


def test_a_bad_allow_file_is_a_usage_error(capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path) -> None:
    bad = tmp_path / "allow.json"
    bad.write_text('{"allowed": [{"signature": "x"}]}')
    assert main(["check", "--quiet", "--allow", str(bad)]) == 2
    assert "allow file" in capsys.readouterr().err
    assert main(["check", "--quiet", "--allow", str(bad), "--write-allow", str(bad)]) == 2


def test_keep_going_restarts_a_crashed_device_and_goes_on(
        c_device: Callable[[int], Path]) -> None:
    """The C example's mutant 3 (u32 bounds) crashes: each crash is a deviation, not the end."""
    exe = c_device(3)
    spec = resolve_target(str(exe), timeout=10.0)
    with spec:
        report = run_check(CheckConfig(target=spec, examples=40, keep_going=True,
                                       coverage=False))
    assert processes_with(str(exe)) == [], "a device process outlived the check"
    crashes = [d for d in report.deviations if d.signature.endswith(": crash")]
    assert crashes, [d.signature for d in report.deviations]
    assert report.broken is None and report.exit_code == 1
    assert report.examples > 10, "the run went on after the first crash"
    assert all(d.trace and d.trace[0].command.startswith("machine") for d in crashes)
