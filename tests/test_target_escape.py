"""No target process outlives the run, not even one that escapes into a session of its own.

Regression tests: a wire target's child started with ``setsid`` ends with the
target, and SIGTERM to ``check`` ends its targets and exits 143 with one line.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from hardening import DUCKYBIO, one_line_error
from mutation import processes_gone, processes_with

from duckybio.kit._wire_client import WireTarget


def _escaping_target(tmp_path: Path, marker: str) -> Path:
    """A wire target that starts a child in a session of its own, then serves."""
    script = tmp_path / "escaper.sh"
    script.write_text(
        textwrap.dedent(f"""\
        #!/bin/sh
        setsid sh -c 'sleep 300; exit 0' {marker} </dev/null >/dev/null 2>&1 &
        exec {sys.executable} -m duckybio serve
        """)
    )
    script.chmod(0o755)
    return script


def test_a_child_in_its_own_session_does_not_outlive_the_target(tmp_path: Path) -> None:
    marker = f"duckybio-escape-{os.getpid()}-1"
    with WireTarget([str(_escaping_target(tmp_path, marker))]) as target:
        target.machine(0x10000, 0x8400)
        deadline = time.monotonic() + 10
        while not processes_with(marker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert processes_with(marker), "the escaping child never started"
    assert processes_gone(marker), "a child in its own session outlived the target"


def test_sigterm_to_the_harness_ends_its_targets(tmp_path: Path) -> None:
    marker = f"duckybio-escape-{os.getpid()}-2"
    script = _escaping_target(tmp_path, marker)
    proc = subprocess.Popen(
        [*DUCKYBIO, "check", "--target", str(script), "--examples", "100000", "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not processes_with(marker) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 143
    assert one_line_error(err) and "terminated" in err
    assert processes_gone(marker), "a target process outlived the harness"
