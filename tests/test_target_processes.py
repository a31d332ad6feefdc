"""The processes of targets and drivers: their stderr is bounded, their descendants reaped.

- A program that writes gigabytes to its stderr costs a 4 KiB tail in
  memory and nothing on disk (its stderr is a pipe, read as it writes).
- Every descendant of a target or driver ends with the run, also one that
  left the process group and the environment mark (``setsid env -i``): the
  harness is a child subreaper (Linux ``PR_SET_CHILD_SUBREAPER``).
"""

from __future__ import annotations

import os
import sys
import textwrap
import time
from pathlib import Path

import pytest
from mutation import processes_gone, processes_with

from duckybio.cli.main import main
from duckybio.kit._process import STDERR_TAIL
from duckybio.kit._wire_client import WireTarget
from duckybio.kit.errors import TargetBroken


def _script(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    path.chmod(0o755)
    return path


def test_a_flood_on_stderr_keeps_a_bounded_tail_and_no_file(tmp_path: Path) -> None:
    script = _script(tmp_path, "flood.py", """\
        import os, sys
        for line in sys.stdin:
            if line.startswith("version"):
                print("OK duckybio-wire/1", flush=True)
                continue
            chunk = b"e" * (1 << 20)
            for _ in range(64):
                os.write(2, chunk)
            os.write(2, b"\\nTHE END\\n")
            print("nonsense", flush=True)
        """)
    target = WireTarget([sys.executable, str(script)])
    assert os.readlink(f"/proc/{target.pid}/fd/2").startswith("pipe:")
    with pytest.raises(TargetBroken, match="nonsense"):
        target.readl(0)
    tail = target.stderr_tail()
    assert tail.endswith("THE END\n")
    assert 0 < len(tail.encode()) <= STDERR_TAIL
    target.close()


def _escaping(tmp_path: Path, name: str, marker: str, then: str) -> Path:
    """A program that starts a shell named ``marker`` in a session of its own with an empty
    environment (no process group, no environment mark reaches it), which touches
    ``started`` and sleeps; then the program execs ``then``."""
    flag = tmp_path / "started"
    return _script(tmp_path, name, f"""\
        #!/bin/sh
        setsid env -i /bin/sh -c ': > "$1"; /bin/sleep 300; exit 0' {marker} {flag} \
            </dev/null >/dev/null 2>&1 &
        exec {then}
        """)


def _started(marker: str) -> bool:
    deadline = time.monotonic() + 10
    while not processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    return bool(processes_with(marker))


def test_a_detached_child_of_a_target_without_the_mark_is_reaped(tmp_path: Path) -> None:
    marker = f"duckybio-detached-{os.getpid()}-target"
    script = _escaping(tmp_path, "target.sh", marker, f"{sys.executable} -m duckybio serve")
    with WireTarget([str(script)]) as target:
        target.machine(0x10000, 0x8400)
        assert _started(marker), "the detached child never started"
    assert processes_gone(marker), "a detached child without the mark outlived the target"


def test_a_detached_child_of_a_driver_is_reaped(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    marker = f"duckybio-detached-{os.getpid()}-driver"
    wire_driver = Path(__file__).with_name("wire_driver.py")
    script = _escaping(tmp_path, "driver.sh", marker,
                       f"{sys.executable} {wire_driver} duckybio.driver:reference")
    assert main(["drive", "--driver", str(script), "--examples", "3",
                 "--out", str(tmp_path / "out")]) == 0
    assert "KEEPS THE DRIVER RULES" in capsys.readouterr().out
    assert (tmp_path / "started").exists(), "the detached child never started"
    assert processes_gone(marker), "a detached child of a driver outlived the run"


def test_the_reaper_keeps_the_exit_status_and_names_a_missing_program(tmp_path: Path) -> None:
    script = _script(tmp_path, "dies.sh", "#!/bin/sh\nkill -SEGV $$\n")
    with pytest.raises(TargetBroken, match="killed by SIGSEGV"):
        WireTarget([str(script)])
    with pytest.raises(TargetBroken, match="No such file or directory"):
        WireTarget([str(tmp_path / "missing")])
