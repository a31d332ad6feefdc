"""Impossible configurations and unbounded inputs: one line and exit 2, never a traceback.

Regression tests, one per problem found: a machine or storage too large to
build (in an INI file or a trace), an unbounded ``--timeout``, a configuration
read from a device, a FIFO or an oversized file, and a storage file that is
a FIFO or a device.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hardening import one_line_error

from duckybio.cli.main import main
from duckybio.impl import FileBackedStorage
from duckybio.impl._errors import StorageConfigError


@pytest.mark.parametrize(
    "ini",
    [
        "[machine]\nram-size = 0x10000000000\n",
        "[machine]\nram-size = 0x10000000000000000\n",
        "[s]\nklass = storage\nsid = 1\nsize = 0x10000000000\n",
        "[s]\nklass = storage\nsid = 1\nfilepath = ~nouser-duckybio/x.img\n",
    ],
)
def test_machine_refuses_impossible_configurations_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], ini: str
) -> None:
    path = tmp_path / "m.ini"
    path.write_text(ini)
    assert main(["machine", str(path)]) == 2
    assert one_line_error(capsys.readouterr().err)


@pytest.mark.parametrize(
    "command", ["machine 0x10000000000 0x8400", "machine 0xffffffffffff0000 0x8400"]
)
def test_replay_of_a_huge_machine_is_a_refusal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    trace = tmp_path / "t.json"
    trace.write_text(
        json.dumps(
            {
                "name": "huge",
                "steps": [
                    {"command": command, "expect": "FAIL"},
                    {"command": "machine 0x10000 0x8400", "expect": "OK"},
                    {"command": "storage 1 0x10000000000", "expect": "FAIL"},
                ],
            }
        )
    )
    assert main(["replay", str(trace)]) == 0
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("command", ["check", "replay", "vectors"])
@pytest.mark.parametrize("value", ["inf", "1e10", "nan", "-inf"])
def test_an_unbounded_timeout_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], command: str, value: str
) -> None:
    args = [command, "x.json"] if command == "replay" else [command]
    with pytest.raises(SystemExit) as exc:
        main([*args, "--timeout", value])
    assert exc.value.code == 2
    assert "--timeout" in capsys.readouterr().err


@pytest.mark.parametrize("source", ["/dev/zero", "fifo"])
def test_machine_reads_only_a_small_regular_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str
) -> None:
    path = Path(source)
    if source == "fifo":
        path = tmp_path / "config.fifo"
        os.mkfifo(path)
    assert main(["machine", str(path)]) == 2
    assert one_line_error(capsys.readouterr().err)


def test_an_oversized_ini_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "big.ini"
    path.write_text("[machine]\n" + "; padding\n" * 200_000)
    assert main(["machine", str(path)]) == 2
    assert "larger than" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_fifo_or_device_is_not_a_storage(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "s.fifo"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path = Path("/dev/null")
    with pytest.raises(StorageConfigError, match="not a regular file"):
        FileBackedStorage(1, path)
