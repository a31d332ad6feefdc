"""The wire server under hostile input: long lines, huge values, discarded machines, files.

Regression tests, one per problem found: a byte string of 64 KiB round-trips
and an odd-length one is refused (see ``bench/wire_memory.py`` for the
memory), a line past the bound is refused and the session goes on, the clock
saturates instead of failing, a new machine frees the old one without the
garbage collector, and ``serve --storage-dir DIR --durable`` keeps storages in
files (``--durable`` alone is refused in one line).
"""

from __future__ import annotations

import gc
import io
import sys
import weakref
from pathlib import Path

import pytest
from hardening import one_line_error

from duckybio.cli.main import main
from duckybio.kit._reference_target import ReferenceTarget
from duckybio.kit._targets import resolve_target
from duckybio.kit._wire_server import serve
from duckybio.spec.regmap import BLOCK_SIZE, Flag
from duckybio.spec.wire import WIRE_MAX


def served(*lines: str, max_line: int = 1 << 20, latency: int = 0) -> list[str]:
    """The answers of the bundled server to ``lines``."""
    out = io.StringIO()
    serve(
        lambda: ReferenceTarget(latency=latency),
        io.StringIO("".join(f"{x}\n" for x in lines)),
        out,
        max_line=max_line,
    )
    return out.getvalue().splitlines()


def test_a_long_byte_string_round_trips_through_the_server() -> None:
    n = 1 << 16
    answers = served(
        "machine 0x40000 0x30000",
        f"write 0 {n:#x} 0x{'ab' * n}",
        "read 0x10 4",
        f"write 0 {n:#x} 0x{'ab' * (n - 1)}a",
    )
    assert answers[:3] == ["OK", "OK", "OK 0xabababab"]
    assert answers[3].startswith("FAIL")


def test_the_server_bounds_a_line_and_goes_on() -> None:
    answers = served("version", "write 0 0x400 0x" + "00" * 0x400, "version", max_line=256)
    assert answers[0] == answers[2] == "OK duckybio-wire/1"
    assert answers[1] == "FAIL line longer than 256 characters"


def test_clock_step_saturates_and_the_session_goes_on() -> None:
    answers = served(
        "machine 0x10000 0x8400",
        "storage 1 0x400",
        "writel 0x8404 1",
        "writel 0x8400 0x24",
        "clock_step 0xffffffffffffffff",
        "clock_step",
        "readl 0x8400",
        "clock_step",
        latency=2,
    )
    assert answers[4:] == [f"OK {WIRE_MAX:#x}", f"OK {WIRE_MAX:#x}", "OK 0x1", f"OK {WIRE_MAX:#x}"]


def test_a_new_machine_frees_the_old_one_without_the_garbage_collector() -> None:
    target = ReferenceTarget()
    target.machine(0x10000, 0x8400)
    old = weakref.ref(target.machine_obj)
    gc.disable()
    try:
        target.machine(0x10000, 0x8400)
        assert old() is None, "the old machine is kept alive by a reference cycle"
    finally:
        gc.enable()


def test_serve_refuses_durable_without_a_directory(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--durable"]) == 2
    assert one_line_error(capsys.readouterr().err)


def test_serve_keeps_storages_in_files(tmp_path: Path) -> None:
    with resolve_target(
        f"{sys.executable} -m duckybio serve --storage-dir {tmp_path} --durable"
    ).open() as target:
        target.machine(0x10000, 0x8400)
        target.storage(7, 2 * BLOCK_SIZE)
        target.storage_write(7, 0, b"\x01\x02")
        target.write(0x1000, b"\xaa" * BLOCK_SIZE)
        for offset, value in ((4, 7), (8, 1), (12, 1), (16, 0x1000), (0, 0x28)):
            target.writel(0x8400 + offset, value)
        assert target.readl(0x8400) == Flag.RDY
    assert (tmp_path / "7.img").read_bytes() == b"\x01\x02" + bytes(BLOCK_SIZE - 2) + (
        b"\xaa" * BLOCK_SIZE
    )
