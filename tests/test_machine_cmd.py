"""``duckybio machine CONFIG`` boots what an original INI file describes, or says why not."""

from __future__ import annotations

from pathlib import Path

import pytest

from duckybio.cli.main import main

INI = """\
[machine]
ram-size = 0x10000

[device-1]
klass = storage
driver = ducky.devices.storage.FileBackedStorage
sid = 1
filepath = disk.img

[device-2]
klass = bio
mmio-address = 0x8400
irq = 0x02
"""


def write_config(tmp_path: Path, text: str = INI, disk: int = 4096) -> Path:
    (tmp_path / "disk.img").write_bytes(bytes(disk))
    path = tmp_path / "machine.ini"
    path.write_text(text)
    return path


def test_a_good_config_boots(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["machine", str(write_config(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "booted" in out
    assert "MMIO page at 0x8400, IRQ 0x2" in out
    assert "storage 0x1: 4096 bytes (4 blocks), file" in out


@pytest.mark.parametrize(("text", "message"), [
    (INI.replace("sid = 1", "sid = one"), "[device-1] sid"),
    (INI.replace("mmio-address = 0x8400", "mmio-address = 0x8401"), "mmio"),
    (INI.replace("klass = bio", "klass = gpu"), "unknown klass"),
    (INI.replace("filepath = disk.img", "filepath = missing.img"), "missing.img"),
    ("[device-1\nklass = storage\n", "machine.ini"),
])
def test_a_bad_config_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             text: str, message: str) -> None:
    assert main(["machine", str(write_config(tmp_path, text))]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_a_missing_config_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["machine", str(tmp_path / "nope.ini")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_an_unwritable_storage_file_fails_at_boot(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config(tmp_path)
    disk = tmp_path / "disk.img"
    disk.unlink()
    disk.mkdir()  # a directory cannot be opened read-write
    assert main(["machine", str(path)]) == 2
    err = capsys.readouterr().err
    assert "disk.img" in err and len(err.strip().splitlines()) == 1
