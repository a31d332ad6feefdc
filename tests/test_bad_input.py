"""Bad-input tables: hostile inputs to every front door, one line, the promised code, no change.

- The wire server: each hostile line is answered by exactly one ``FAIL``
  line naming the problem, the session goes on, and a snapshot of the machine
  (RAM, storages, registers) read after it equals the snapshot read without it.
- INI configurations (``duckybio machine``): exit 2, one line naming the
  section and key, and the storage file they point to is left untouched.
- Trace JSON (``duckybio replay``): exit 2 and one line.
- Command-line options: exit 2 and a usage line naming the option; nothing
  is written.
- ``check --database`` and ``--workers``: exit 2 and one line before the run
  starts; nothing is written.
"""

from __future__ import annotations

import io
import json
import os
import socket
from pathlib import Path
from typing import Final

import pytest

from duckybio.cli.main import main
from duckybio.kit.errors import TraceError
from duckybio.kit.model_target import ModelTarget
from duckybio.kit.reference_target import ReferenceTarget
from duckybio.kit.target import Target
from duckybio.kit.trace import parse_steps
from duckybio.kit.wire_server import serve

#: A machine with state everywhere: RAM, two storages, latched registers, a staged word.
SETUP: Final = ["machine 0x10000 0x8400", "storage 1 0x800", "storage 2 0x400",
                "storage-write 1 0x10 0x0102030405060708", "write 0x100 4 0xa1b2c3d4",
                "writel 0x8404 1", "writel 0x8408 1", "writel 0x840c 1", "writel 0x8410 0x100",
                "writel 0x8414 0xdeadbeef"]
#: Everything observable, read back (a DATA read or STATUS read changes nothing here:
#: STATUS is a pure read and DATA is read last).
SNAPSHOT: Final = ["read 0 0x8400", "read 0x9400 0x6c00", "storage-read 1 0 0x800",
                   "storage-read 2 0 0x400", "readl 0x8400", "clock_step", "readl 0x8400"]

#: (hostile line, a fragment the FAIL message must contain)
WIRE_TABLE: Final = [
    ("", "empty line"),
    ("   \t ", "empty line"),
    ("bogus 1 2", "unknown command"),
    ("READL 0x8400", "unknown command"),
    ("readl", "takes 1 argument"),
    ("readl 0x8400 0x8400", "takes 1 argument"),
    ("machine 0x10000", "takes 2 argument"),
    ("version now", "takes 0 argument"),
    ("quit now", "takes 0 argument"),
    ("clock_step 1 2", "takes 0 to 1 argument"),
    ("readl -4", "not a number"),
    ("readl 0x", "not a number"),
    ("readl 0x8400g", "not a number"),
    ("readl 1e3", "not a number"),
    ("readl 0x1" + "0" * 16, "does not fit in 64"),
    ("readl " + "9" * 21, "not a number"),
    ("readl 18446744073709551616", "does not fit in 64"),
    ("writel 0x8400 0x1" + "0" * 16, "does not fit in 64"),
    ("readl \u00e9", "ASCII"),
    ("readl 0x8400\x00", "not a number"),
    ("readl\r0x8400", "line break"),
    ("write 0x200 2 0xabc", "not a byte string"),
    ("write 0x200 2 abcd", "not a byte string"),
    ("write 0x200 2 0xzzzz", "not a byte string"),
    ("write 0x200 3 0xabcd", "says 3 bytes but carries 2"),
    ("write 0x200 2 0x" + "ab" * 2 + " extra", "takes 3 argument"),
    ("storage-write 1 0 0xabc", "not a byte string"),
    ("storage-write 1 0x7ff 0xabcd", "past its end"),
    ("storage-write 9 0 0xab", "no storage"),
    ("storage-read 1 0x7ff 2", "past its end"),
    ("storage-read 1 0xffffffffffffffff 1", "past its end"),
    ("storage 1 0x10", "already attached"),
    ("storage 0x100000000 0x10", "not a u32"),
    ("storage 3 0xffffffffffffffff", "cannot allocate"),
    ("read 0x8400 4", "not RAM"),
    ("read 0xfffe 4", "not RAM"),
    ("read 0 0xffffffffffffffff", "not RAM"),
    ("write 0x83fe 4 0x01020304", "not RAM"),
    ("writel 0x10000 1", "not RAM"),
    ("readl 0xfffffffffffffffc", "not RAM"),
    ("fault 9 read 1", "no storage"),
    ("fault 1 sideways 1", "read or write"),
    ("fault 1 read", "takes 3 argument"),
    ("fault 1 read -1", "not a number"),
    ("x" * 5000, "line longer than 4096"),
    ("write 0 0x1000 0x" + "00" * 0x1000, "line longer than 4096"),
]


def answers(lines: list[str], factory: type[Target] = ReferenceTarget) -> list[str]:
    out = io.StringIO()
    serve(factory, io.StringIO("".join(f"{line}\n" for line in lines)), out, max_line=4096)
    return out.getvalue().splitlines()


@pytest.mark.parametrize("factory", [ReferenceTarget, ModelTarget])
@pytest.mark.parametrize(("line", "message"), WIRE_TABLE,
                         ids=[f"wire{i}" for i in range(len(WIRE_TABLE))])
def test_a_hostile_wire_line_fails_alone_and_changes_nothing(
        factory: type[Target], line: str, message: str) -> None:
    clean = answers([*SETUP, *SNAPSHOT], factory)
    hostile = answers([*SETUP, line, *SNAPSHOT], factory)
    assert len(hostile) == len(clean) + 1, "not exactly one answer line"
    reply = hostile[len(SETUP)]
    assert reply.startswith("FAIL ") and message in reply, reply
    assert hostile[:len(SETUP)] + hostile[len(SETUP) + 1:] == clean, "the line changed state"


def test_the_setup_and_snapshot_are_accepted() -> None:
    clean = answers([*SETUP, *SNAPSHOT])
    assert all(a.startswith("OK") for a in clean), clean


def test_a_hostile_line_before_machine_fails_too() -> None:
    assert answers(["readl 0", "bogus", "version"]) == [
        "FAIL no machine: send 'machine RAM_SIZE MMIO_BASE' first",
        "FAIL unknown command 'bogus'", "OK duckybio-wire/1"]


# --- INI configurations ------------------------------------------------------------------------

#: (INI text, a fragment of the one-line error); ``{disk}`` is an existing storage file.
INI_TABLE: Final = [
    ("[machine]\nram-size = lots\n", "[machine] ram-size: not an integer"),
    ("[machine]\nram-size = 0x1001\n", "ram-size"),
    ("[machine]\nram-size = -4096\n", "ram-size"),
    ("[machine]\nram-size = 0x10000000000\n", "cannot allocate"),
    ("[machine]\nram-size = 0x10000000000000000\n", "cannot allocate"),
    ("[machine]\ncolour = blue\n", "[machine] colour: unknown key"),
    ("[d]\nklass = storage\nsid = 1\nfilepath = {disk}\nsize = 4\n", "not both"),
    ("[d]\nklass = storage\nsid = 1\n", "missing key"),
    ("[d]\nklass = storage\nfilepath = {disk}\n", "[d] sid: missing key"),
    ("[d]\nklass = storage\nsid = 0x100000000\nfilepath = {disk}\n", "[d] sid"),
    ("[d]\nklass = storage\nsid = -1\nfilepath = {disk}\n", "[d] sid"),
    ("[d]\nklass = storage\nsid = 1\nfilepath = {disk}\ndurable = maybe\n", "not a boolean"),
    ("[d]\nklass = storage\nsid = 1\nsize = 16\ndurable = yes\n", "filepath"),
    ("[d]\nklass = storage\nsid = 1\nfilepath = ~nobody-duckybio-x/d.img\n", "cannot expand"),
    ("[d]\nklass = storage\nsid = 1\nfilepath = /dev/null\n", "not a regular file"),
    ("[d]\nklass = storage\nsid = 1\nfilepath = {missing}\n", "cannot use"),
    ("[d]\nklass = storage\nsid = 1\nsize = 0x10000000000\n", "cannot allocate"),
    ("[d]\nklass = storage\nsid = 1\nfilepath = {disk}\n[e]\nklass = storage\nsid = 1\n"
     "size = 8\n", "already used"),
    ("[b]\nklass = bio\nmmio-address = 0x8401\n", "not page aligned"),
    ("[b]\nklass = bio\nmmio-address = 0x100000000\n", "mmio-address"),
    ("[b]\nklass = bio\nirq = -1\n", "irq"),
    ("[b]\nklass = bio\nlatency = soon\n", "not an integer"),
    ("[b]\nklass = bio\n[c]\nklass = bio\n", "a second bio section"),
    ("[x]\nklass = floppy\n", "unknown klass"),
    ("[x]\nsid = 1\n", "[x] klass: missing key"),
    ("[d]\nklass = storage\ndriver = Tape\nsid = 1\nsize = 8\n", "unknown driver"),
    ("no section header\n", "no section headers"),
    ("[machine]\nram-size = 1\n[machine]\n", "already exists"),
    ("\udcff", "not a UTF-8 text file"),
]


@pytest.mark.parametrize(("text", "message"), INI_TABLE, ids=[f"ini{i}" for i in
                                                               range(len(INI_TABLE))])
def test_a_bad_ini_is_one_line_exit_2_and_touches_no_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str) -> None:
    disk = tmp_path / "disk.img"
    disk.write_bytes(b"\x5a" * 2048)
    before = os.stat(disk)
    ini = tmp_path / "m.ini"
    ini.write_bytes(text.format(disk=disk, missing=tmp_path / "none.img").encode(
        "utf-8", "surrogateescape"))
    assert main(["machine", str(ini)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("duckybio: ") and message in lines[0], lines
    assert disk.read_bytes() == b"\x5a" * 2048
    assert os.stat(disk).st_mtime_ns == before.st_mtime_ns
    assert sorted(p.name for p in tmp_path.iterdir()) == ["disk.img", "m.ini"]


# --- trace JSON ----------------------------------------------------------------------------------

#: (file contents, or a special path, and a fragment of the one-line error)
TRACE_TABLE: Final = [
    (b"", "malformed"),
    (b"{", "malformed"),
    (b"[]", "malformed"),
    (b"null", "malformed"),
    (b'{"name": "x"}', "steps"),
    (b'{"name": "x", "steps": "readl 0"}', "steps"),
    (b'{"name": "x", "steps": [{"command": ""}]}', "steps.0.command"),
    (b'{"name": "x", "steps": [{"command": 5}]}', "steps.0.command"),
    (b'{"name": "x", "steps": [{"command": "readl 0", "colour": 1}]}', "colour"),
    (b'{"name": "x", "format": "duckybio-trace/9", "steps": []}', "format"),
    (b'{"name": "x", "steps": [{"command": "frobnicate"}]}', "malformed command"),
    (b'{"name": "x", "steps": [{"command": "readl 0x10000000000000000"}]}', "64 unsigned"),
    (b'{"name": "x", "steps": [{"command": "write 0 2 0xabc"}]}', "not a byte string"),
    (b'{"name": "x", "steps": [{"command": "readl 0\\nreadl 4"}]}', "line break"),
    # the format string, the steps, each command and each expected answer, checked on load
    (b'{"name": "x", "format": "duckybio-trace/2", "steps": [{"command": "version"}]}',
     "format"),
    (b'{"name": "x", "format": null, "steps": [{"command": "version"}]}', "format"),
    (b'{"name": "x", "format": "duckybio-trace/1"}', "steps"),
    (b'{"name": "x", "steps": null}', "steps"),
    (b'{"name": "x", "steps": [{"expect": "OK"}]}', "steps.0.command"),
    (b'{"name": "x", "steps": [{"command": "version"}, {"command": "", "expect": "OK"}]}',
     "steps.1.command"),
    (b'{"steps": [{"command": "version"}]}', "name"),
    (b'{"name": "x", "steps": [{"command": "version"}, {"command": "poke 1"}]}',
     "step 2 has a malformed command: unknown command 'poke'"),
    (b'{"name": "x", "steps": [{"command": "   "}]}', "step 1 has a malformed command"),
    (b'{"name": "x", "steps": [{"command": "readl"}]}', "takes 1 argument"),
    (b'{"name": "x", "steps": [{"command": "write 0 3 @words(1,2)"}]}',
     "says 3 bytes but carries 2"),
    (b'{"name": "x", "steps": [{"command": "write 0 2 @words(1,two)"}]}', "not a byte string"),
    (b'{"name": "x", "steps": [{"command": "write 0 0x100000000 @words(1,0x100000000)"}]}',
     "fill references of 0x100000000 bytes"),
    (b'{"name": "x", "steps": [{"command": "storage-write 1 0 @bytes(1,2)"}]}',
     "not a byte string"),
    (b'{"name": "x", "steps": [{"command": "version", "expect": "yes"}]}',
     "step 1 expects a malformed answer: not an answer"),
    (b'{"name": "x", "steps": [{"command": "version", "expect": ""}]}', "empty line"),
    (b'{"name": "x", "steps": [{"command": "version", "expect": "OK a b"}]}',
     "more than one value"),
    (b'{"name": "x", "steps": [{"command": "version", "expect": "ok"}]}', "not an answer"),
    (b'{"name": "x", "steps": [{"command": "version", "expect": "FAIL "}]}',
     "FAIL without a message"),
    (b'{"name": "x", "steps": [{"command": "version", "expect": "OK  0x1"}]}',
     "not written as a target writes it"),
    (b'{"name": "x", "steps": [{"command": "version", "expect": "OK 0x1\\n"}]}',
     "not written as a target writes it"),
    (b'{"name": "x", "steps": [{"command": "version", "expect": "OK \\u00e9"}]}', "ASCII"),
    (b'{"name": "x", "steps": [{"command": "version", "expect": 1}]}', "steps.0.expect"),
    (b"\xff\xfe garbage", "not UTF-8"),
    ("/dev/zero", "not a regular file"),
    ("DIR", "not a regular file"),
    ("MISSING", "cannot read"),
]


@pytest.mark.parametrize(("content", "message"), TRACE_TABLE,
                         ids=[f"trace{i}" for i in range(len(TRACE_TABLE))])
def test_a_bad_trace_is_one_line_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | str,
        message: str) -> None:
    if isinstance(content, bytes):
        path = tmp_path / "t.json"
        path.write_bytes(content)
    else:
        path = {"DIR": tmp_path, "MISSING": tmp_path / "none.json"}.get(content, Path(content))
    assert main(["replay", str(path)]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("duckybio: ") and message in lines[0], lines
    assert "Traceback" not in captured.err
    assert captured.out == ""


@pytest.mark.parametrize(("text", "message"), [
    ("version => OK duckybio-wire/1\nreadl => OK", "line 2 has a malformed command: readl takes"),
    ("# a comment\n\nversion => OK  duckybio-wire/1", "line 3 expects an answer not written"),
    ("version => yes", "line 1 expects a malformed answer"),
    ("=> OK", "line 1: no command"),
])
def test_a_bad_plain_text_trace_names_its_line(text: str, message: str) -> None:
    with pytest.raises(TraceError) as info:
        parse_steps(text)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_a_good_trace_passes(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"name": "ok", "steps": [
        {"command": "machine 0x10000 0x8400", "expect": "OK"},
        {"command": "readl 0x8400", "expect": "OK 0x1"},
        {"command": "write 0 8 @words(0x5a,8)", "expect": "OK"},
        {"command": "read 0x4 4"},
        {"command": "read 0x8400 4", "expect": "FAIL"},
        {"command": "storage 1 0x400", "expect": "FAIL no such luck"},
        {"command": "clock_step"}]}))
    assert main(["replay", str(path)]) == 1, "the storage is attached: OK, not FAIL"
    steps = json.loads(path.read_text())
    steps["steps"][5]["expect"] = "OK"
    path.write_text(json.dumps(steps))
    assert main(["replay", str(path)]) == 0


# --- command-line options ---------------------------------------------------------------------

#: (arguments, the option the usage error names)
CLI_TABLE: Final = [
    (["check", "--examples", "0"], "--examples"),
    (["check", "--examples", "-5"], "--examples"),
    (["check", "--examples", "many"], "--examples"),
    (["check", "--steps", "0"], "--steps"),
    (["check", "--seed", "0.5"], "--seed"),
    (["check", "--latency", "-1"], "--latency"),
    (["check", "--busy-bound", "-1"], "--busy-bound"),
    (["check", "--busy-bound", "1e3"], "--busy-bound"),
    (["check", "--timeout", "0"], "--timeout"),
    (["check", "--timeout", "-1"], "--timeout"),
    (["check", "--timeout", "inf"], "--timeout"),
    (["check", "--timeout", "nan"], "--timeout"),
    (["check", "--timeout", "1e10"], "--timeout"),
    (["check", "--timeout", "soon"], "--timeout"),
    (["check", "--colour"], "unrecognized arguments"),
    (["replay"], "trace"),
    (["replay", "t.json", "--timeout", "inf"], "--timeout"),
    (["replay", "t.json", "--latency", "x"], "--latency"),
    (["vectors", "--timeout", "1e10"], "--timeout"),
    (["vectors", "--check", "--regenerate"], "not allowed with"),
    (["serve", "--latency", "-1"], "--latency"),
    (["serve", "--max-line", "0"], "--max-line"),
    (["serve", "--max-line", "lots"], "--max-line"),
    (["machine"], "config"),
    (["nonsense"], "invalid choice"),
    ([], "required"),
]


@pytest.mark.parametrize(("args", "option"), CLI_TABLE,
                         ids=[f"cli{i}" for i in range(len(CLI_TABLE))])
def test_a_bad_option_is_a_usage_error_that_writes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        args: list[str], option: str) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main([*args, "--json", "r.json"] if args[:1] == ["check"] else args)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1].startswith("duckybio")
    assert option in err.strip().splitlines()[-1], err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", [["serve", "--durable"],
                                  ["serve", "--storage-dir", "no-such-dir"],
                                  ["serve", "--model", "--storage-dir", "."]])
def test_serve_refuses_contradictory_storage_options(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        args: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--" in err
    assert list(tmp_path.iterdir()) == []


# --- the campaign's database and the workers ----------------------------------------------

def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


#: (arguments after ``check``, a fragment of the one error line); "FILE" is a regular file.
DATABASE_TABLE: Final = [
    (["--database", "redis://"], "expected redis://HOST:PORT/N"),
    (["--database", "redis://127.0.0.1:6379/zero"], "expected redis://HOST:PORT/N"),
    (["--database", "redis://127.0.0.1:6379/0?x=1"], "expected redis://HOST:PORT/N"),
    (["--database", "redis://127.0.0.1:99999/0"], "port"),
    (["--database", "redis://127.0.0.1:port/0"], "port"),
    (["--database", "http://127.0.0.1/0"], "not a directory nor a redis://"),
    (["--database", "unreachable"], "cannot use the Redis server"),
    (["--database", "FILE"], "cannot write there"),
    (["--database", "FILE/db"], "cannot write there"),
    (["--workers", "1000"], "--workers 1000: from 1 to"),
    (["--workers", "99999999999999999999"], "--workers 99999999999999999999: from 1 to"),
]


@pytest.mark.parametrize(("args", "message"), DATABASE_TABLE,
                         ids=[f"db{i}" for i in range(len(DATABASE_TABLE))])
def test_a_bad_database_or_worker_count_is_one_line_exit_2_before_the_run(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        args: list[str], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    Path("FILE").write_text("not a directory\n")
    args = [f"redis://127.0.0.1:{_closed_port()}/0" if a == "unreachable" else a
            for a in args]
    assert main(["check", *args, "--json", "r.json"]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and message in captured.err, captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["FILE"]
