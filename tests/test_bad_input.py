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
import shlex
import socket
import stat
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Final

import pytest
from hypothesis import given, settings

from duckybio.cli.main import main
from duckybio.driver._scenario import MAX_ATTACHED, Scenario, scenarios
from duckybio.kit._deviations import AllowedDeviation, AllowFile
from duckybio.kit._model_target import ModelTarget
from duckybio.kit._reference_target import ReferenceTarget
from duckybio.kit._target import Target
from duckybio.kit._wire_server import serve
from duckybio.kit.errors import TraceError
from duckybio.kit.trace import parse_steps
from duckybio.spec.drive import Declaration, parse_declaration
from duckybio.spec.wire import WireError

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
    (["drive", "--driver", "x:y", "--busy-bound", "1001"], "--busy-bound"),
    (["drive", "--driver", "x:y", "--busy-bound", "1000000000"], "--busy-bound"),
    (["drive", "--driver", "x:y", "--busy-bound", str(1 << 80)], "--busy-bound"),
    (["drive", "--driver", "x:y", "--busy-bound", "-1"], "--busy-bound"),
    (["serve", "--latency", "-1"], "--latency"),
    (["serve", "--max-line", "0"], "--max-line"),
    (["serve", "--max-line", "lots"], "--max-line"),
    (["machine"], "config"),
    (["prove", "--samples", "-1"], "--samples"),
    (["prove", "--samples", "many"], "--samples"),
    (["prove", "--seed", "0.5"], "--seed"),
    (["prove", "--json"], "--json"),
    (["prove", "--colour"], "unrecognized arguments"),
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


# --- storage-directory entries (duckybio serve --storage-dir) ----------------------------------

#: (what ``DIR/1.img`` is made, a fragment of the FAIL message)
STORAGE_DIR_TABLE: Final = [
    ("symlink", "a symbolic link"),
    ("dangling symlink", "a symbolic link"),
    ("hard link", "a hard link"),
    ("fifo", "not a regular file"),
    ("device", "not a regular file"),
    ("directory", "a directory"),
]


def _make_entry(kind: str, entry: Path, outside: Path) -> None:
    if kind == "symlink":
        entry.symlink_to(outside)
    elif kind == "dangling symlink":
        entry.symlink_to(outside.with_name("created-outside.img"))
    elif kind == "hard link":
        os.link(outside, entry)
    elif kind == "fifo":
        os.mkfifo(entry)
    elif kind == "device":
        os.mknod(entry, 0o600 | stat.S_IFCHR, os.makedev(1, 3))  # /dev/null's numbers
    else:
        entry.mkdir()


@pytest.mark.parametrize(("kind", "message"), STORAGE_DIR_TABLE,
                         ids=[f"storage-dir{i}" for i in range(len(STORAGE_DIR_TABLE))])
def test_a_hostile_storage_dir_entry_is_refused_and_left_alone(
        tmp_path: Path, kind: str, message: str) -> None:
    storage_dir, outside = tmp_path / "d", tmp_path / "outside.txt"
    storage_dir.mkdir()
    outside.write_bytes(b"precious")
    entry = storage_dir / "1.img"
    _make_entry(kind, entry, outside)
    before = os.lstat(entry)
    out = io.StringIO()
    serve(lambda: ReferenceTarget(storage_dir=storage_dir),
          io.StringIO("machine 0x10000 0x8400\nstorage 1 0x400\nstorage 2 0x400\nversion\n"),
          out, max_line=4096)
    answers = out.getvalue().splitlines()
    assert answers[1].startswith("FAIL storage 1: cannot use") and message in answers[1], answers
    assert answers[2:] == ["OK", "OK duckybio-wire/1"], "the session does not go on"
    assert outside.read_bytes() == b"precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d", "outside.txt"]
    after = os.lstat(entry)
    assert (after.st_mode, after.st_ino, after.st_size) == (
        before.st_mode, before.st_ino, before.st_size)
    assert (storage_dir / "2.img").read_bytes() == bytes(0x400)


# --- driver declarations (the answer to ``supports``) -------------------------------------------

#: (the declaration token a driver answers ``supports`` with, a fragment of the one-line error)
DECLARATION_TABLE: Final = [
    ("sids=0x100000000", "sids must be u32 values, not 0x100000000"),
    ("counts=0x100000000", "counts must be u32 values"),
    ("sids=0x1,0x1", "sids lists 0x1 twice"),
    ("counts=0x1,0x2,0x1", "counts lists 0x1 twice"),
    ("ops=read,read", "ops lists 'read' twice"),
    ("modes=dma,tape", "modes must be some of dma, pio, not 'tape'"),
    ("ops=" + "x" * 5000, "ops must be some of read, write, not 'xxxx"),
    ("sids=" + ",".join(f"{i:#x}" for i in range(1, 66)), "sids lists 65 values; a declaration "
                                                          "lists at most 64"),
    ("sids=" + ",".join(f"{i:#x}" for i in range(1, 100_001)), "sids lists 100000 values"),
    ("window=0x0-0x100000001", "window must be LOW-HIGH"),
    ("window=0x2000-0x1000", "window must be LOW-HIGH"),
    ("window=0x1000", "window must be LOW-HIGH"),
    ("sids=", "malformed declaration item"),
    ("sids=0x1;sids=0x2", "malformed declaration item"),
    ("colour=blue", "unknown declaration key"),
    ("sids=-1", "not a number"),
]

#: A form (b) driver that declares the text of the file ``argv[1]`` and fails every request.
_DECLARING_DRIVER: Final = """\
import sys
token = open(sys.argv[1]).read()
for line in sys.stdin:
    word = (line.split() or [''])[0]
    answer = {'version': 'OK duckybio-drive/1', 'supports': 'OK ' + token,
              'request': 'done error'}.get(word, 'OK')
    print(answer, flush=True)
    if word == 'quit':
        break
"""


@pytest.mark.parametrize(("token", "message"), DECLARATION_TABLE,
                         ids=[f"declaration{i}" for i in range(len(DECLARATION_TABLE))])
def test_a_bad_declaration_is_one_line_exit_3(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], token: str, message: str) -> None:
    script, declared = tmp_path / "declares.py", tmp_path / "token.txt"
    script.write_text(_DECLARING_DRIVER)
    declared.write_text(token)
    argv = shlex.join([sys.executable, str(script), str(declared)])
    assert main(["drive", "--driver", argv, "--examples", "2", "--out", str(tmp_path)]) == 3
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "bad answer to supports" in lines[0], lines
    assert message in lines[0] and len(lines[0]) < 300, lines[0]
    assert captured.out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["declares.py", "token.txt"]


@pytest.mark.parametrize(("token", "message"), DECLARATION_TABLE[:8],
                         ids=[f"form-a-declaration{i}" for i in range(8)])
def test_a_bad_form_a_declaration_is_refused_where_it_is_made(token: str, message: str) -> None:
    with pytest.raises(WireError) as info:
        parse_declaration(token)
    assert message in str(info.value) and "\n" not in str(info.value)
    fields = dict(item.partition("=")[::2] for item in token.split(";"))
    given_values: dict[str, Any] = {
        key: tuple(int(v, 16) if key in ("sids", "counts") else v for v in value.split(","))
        for key, value in fields.items()}
    with pytest.raises(WireError):
        Declaration(**given_values)


def test_a_long_declaration_is_checked_in_bounded_time() -> None:
    """64 storage ids are allowed; a scenario's machine attaches at most four of them."""
    declaration = parse_declaration("sids=" + ",".join(f"{i:#x}" for i in range(1, 65)))
    assert declaration.sids is not None and len(declaration.sids) == 64

    @given(scenarios(declaration, 0))
    @settings(max_examples=30, database=None)
    def attached(scenario: Scenario) -> None:
        assert len(scenario.instance.storages) <= MAX_ATTACHED
        assert {s.sid for s in scenario.instance.storages} <= set(declaration.sids or ())

    attached()


# --- hostile target text in every report format -------------------------------------------------

#: Text a target puts into its failure (an in-process target's exception) or its stderr (a
#: program), each with the control or markup characters it must not get through.
HOSTILE_TEXT_TABLE: Final = [
    ("\x1b]0;pwned\x07", "\x1b\x07"),
    ("\x1b[2J\x1b[H cleared", "\x1b"),
    ("nul\x00byte", "\x00"),
    ("over\rwritten", "\r"),
    ("back\x08\x08space", "\x08"),
    ("form\x0cfeed\x0bvt", "\x0c\x0b"),
    ("del\x7f", "\x7f"),
    ("c1 \u0085 \u009b31m", "\u0085\u009b"),
    ("<b>&amp;</b> ]]> <!--", ""),
    ("not characters \ufffe\uffff", "\ufffe\uffff"),
]

#: A program that answers ``version``, then every command with hostile text: either
#: (``stderr``) it writes the text of the file ``argv[1]`` to its stderr and answers
#: nonsense, so that the run ends showing its stderr, or (``answer``) answers ``FAIL`` with
#: that text: a deviation.
_HOSTILE_TARGET: Final = """\
import sys
text, mode = open(sys.argv[1], encoding='utf-8').read(), sys.argv[2]
seen = 0
for line in sys.stdin:
    word = (line.split() or [''])[0]
    seen += word != 'version'
    if seen > 0:
        if mode == 'stderr':
            sys.stderr.write(text + '\\n')
            sys.stderr.flush()
        print('nonsense' if mode == 'stderr' else 'FAIL ' + text, flush=True)
        continue
    print('OK duckybio-wire/1' if word == 'version' else 'OK', flush=True)
"""


class RaisingTarget(ReferenceTarget):
    """An in-process target whose register reads raise with ``text``."""

    text = ""

    def readl(self, addr: int) -> int:
        raise RuntimeError(self.text)


def raising_target() -> RaisingTarget:
    return RaisingTarget()


@pytest.mark.parametrize("surface", ["raise", "stderr", "answer"])
@pytest.mark.parametrize(("text", "bad"), HOSTILE_TEXT_TABLE,
                         ids=[f"hostile-text{i}" for i in range(len(HOSTILE_TEXT_TABLE))])
def test_hostile_target_text_is_shown_safely_in_every_format(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        surface: str, text: str, bad: str) -> None:
    if surface == "raise":
        monkeypatch.setattr(RaisingTarget, "text", text)
        target = "test_bad_input:raising_target"
    else:
        (tmp_path / "text.txt").write_text(text, encoding="utf-8")
        (tmp_path / "target.py").write_text(_HOSTILE_TARGET)
        target = shlex.join([sys.executable, str(tmp_path / "target.py"),
                             str(tmp_path / "text.txt"), surface])
    reports = {name: tmp_path / name for name in ("r.json", "r.xml", "r.html")}
    assert main(["check", "--target", target, "--examples", "2", "--quiet",
                 "--json", str(reports["r.json"]), "--junit-xml", str(reports["r.xml"]),
                 "--html", str(reports["r.html"]), "--out", str(tmp_path / "out")]) in (1, 3)
    shown = capsys.readouterr().out
    pages = {name: path.read_text(encoding="utf-8") for name, path in reports.items()}
    unsafe = set(bad) | {"\x00", "\x1b", "\r"}
    for where, content in [("terminal", shown), ("html", pages["r.html"])]:
        assert not unsafe & set(content), (where, sorted(unsafe & set(content)))
    root = ET.fromstring(pages["r.xml"].encode("utf-8"))  # well-formed
    assert not unsafe & set(ET.tostring(root, encoding="unicode"))
    report = json.loads(pages["r.json"])
    if surface != "answer" or text.isascii():  # a FAIL line must be ASCII: else it broke
        kept = " ".join(str(report[key]) for key in ("failure", "broken", "stderr_tail"))
        first_word = text.splitlines()[0].split()[0]  # a failure line ends at a line break
        assert first_word in kept, "JSON keeps the text itself, escaped by JSON"


# --- output paths, checked before the run -------------------------------------------------------

#: (the option, what its path is, a fragment of the one-line error)
OUTPUT_TABLE: Final = [
    ("--json", "fifo", "is a FIFO"),
    ("--json", "directory", "is a directory"),
    ("--json", "under a file", "Not a directory"),
    ("--json", "unwritable", "cannot be created in /sys"),
    ("--junit-xml", "fifo", "is a FIFO"),
    ("--junit-xml", "directory", "is a directory"),
    ("--html", "fifo", "is a FIFO"),
    ("--html", "under a file", "Not a directory"),
    ("--write-allow", "fifo", "is a FIFO"),
    ("--write-allow", "directory", "is a directory"),
    ("--write-allow", "unwritable", "cannot be created in /sys"),
    ("--out", "fifo", "is not a directory"),
    ("--out", "a file", "is not a directory"),
]
#: The options ``drive`` has too.
_DRIVE_OUTPUTS: Final = ("--json", "--junit-xml", "--out")


def _output_path(tmp_path: Path, kind: str) -> Path:
    if kind == "fifo":
        os.mkfifo(tmp_path / "fifo")
        return tmp_path / "fifo"
    if kind == "directory":
        (tmp_path / "dir").mkdir()
        return tmp_path / "dir"
    (tmp_path / "file").write_text("kept")
    if kind == "a file":
        return tmp_path / "file"
    if kind == "under a file":
        return tmp_path / "file" / "r.out"
    return Path("/sys/duckybio-no-such-dir/r.out")  # unwritable, even for root


@pytest.mark.parametrize("command", ["check", "drive"])
@pytest.mark.parametrize(("option", "kind", "message"), OUTPUT_TABLE,
                         ids=[f"output{i}" for i in range(len(OUTPUT_TABLE))])
def test_a_bad_output_path_is_refused_before_the_run(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, option: str,
        kind: str, message: str) -> None:
    if command == "drive" and option not in _DRIVE_OUTPUTS:
        return  # drive has no such option: nothing to check
    path = _output_path(tmp_path, kind)
    before = sorted(p.name for p in tmp_path.iterdir())
    args = (["check", "--examples", "1", "--quiet"] if command == "check" else
            ["drive", "--driver", "duckybio.driver:reference", "--examples", "1"])
    assert main([*args, option, str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "", "the run started"
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"duckybio: {option} "), lines
    assert message in lines[0], lines
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    if kind in ("a file", "under a file"):
        assert (tmp_path / "file").read_text() == "kept"


def test_a_report_is_written_to_a_device_and_a_path_that_is_not_utf8(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    odd = Path(os.fsdecode(bytes(tmp_path) + b"/r\xff.json"))
    assert main(["check", "--examples", "1", "--quiet", "--json", str(odd),
                 "--junit-xml", os.devnull, "--out", str(tmp_path / "out")]) == 0
    assert json.loads((tmp_path / os.fsdecode(b"r\xff.json")).read_text())["examples"] >= 1
    assert "Traceback" not in capsys.readouterr().err


# --- drive traces (duckybio drive --replay) ---------------------------------------------------

#: A saved drive trace that replays: the reference driver keeps every rule on it.
_DRIVE_TRACE: Final = {
    "driver": "duckybio.driver:reference", "busy_bound": 2, "rule": "D-1",
    "failure": "D-1: an earlier failure", "log": [],
    "scenario": {"instance": {"ram_size": 0x4000, "mmio_base": 0x2000,
                              "storages": [{"sid": 1, "size": 0x400}]},
                 "steps": [{"op": "read", "sid": 1, "block": 0, "count": 1, "addr": 0,
                            "mode": "dma"}],
                 "latencies": [1], "contents": 0},
}

#: (where in the trace, the value put there, a fragment of the one-line error)
DRIVE_TRACE_TABLE: Final = [
    (("scenario", "instance", "ram_size"), 1 << 40, "RAM of 0x10000000000 bytes"),
    (("scenario", "instance", "storages", 0, "size"), 1 << 40, "a storage larger"),
    (("scenario", "steps", 0, "count"), 1 << 70, "steps.0.count"),
    (("scenario", "steps", 0, "sid"), 1 << 33, "steps.0.sid"),
    (("scenario", "steps", 0, "addr"), -1, "steps.0.addr"),
    (("scenario", "steps"), [], "scenario.steps"),
    (("scenario", "steps"), [_DRIVE_TRACE["scenario"]["steps"][0]] * 65,  # type: ignore[index]
     "scenario.steps"),
    (("scenario", "latencies"), [10 ** 12], "latencies must lie in 0..1000"),
    (("scenario", "latencies"), [3], "a latency of 3 exceeds the busy bound 2"),
    (("scenario", "latencies"), [], "scenario.latencies"),
    (("scenario", "contents"), 1 << 70, "scenario.contents"),
    (("busy_bound",), -5, "busy_bound"),
    (("busy_bound",), 10 ** 9, "busy_bound"),
    (("busy_bound",), "two", "busy_bound"),
]


@pytest.mark.parametrize(("where", "value", "message"), DRIVE_TRACE_TABLE,
                         ids=[f"drive-trace{i}" for i in range(len(DRIVE_TRACE_TABLE))])
def test_a_bad_drive_trace_is_one_line_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], where: tuple[str | int, ...],
        value: object, message: str) -> None:
    trace = json.loads(json.dumps(_DRIVE_TRACE))
    node = trace
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    path = tmp_path / "drive-trace.json"
    path.write_text(json.dumps(trace))
    assert main(["drive", "--driver", "duckybio.driver:reference",
                 "--replay", str(path), "--out", str(tmp_path / "out")]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("duckybio: drive trace "), lines
    assert message in lines[0] and "Traceback" not in captured.err, lines[0]
    assert captured.out == ""


def test_the_good_drive_trace_replays(tmp_path: Path) -> None:
    path = tmp_path / "drive-trace.json"
    path.write_text(json.dumps(_DRIVE_TRACE))
    assert main(["drive", "--driver", "duckybio.driver:reference",
                 "--replay", str(path), "--out", str(tmp_path / "out")]) == 0


def test_a_byte_order_mark_is_accepted_in_an_allow_file_and_a_trace(tmp_path: Path) -> None:
    allow = tmp_path / "allow.json"
    allow.write_bytes(b"\xef\xbb\xbf" + AllowFile(allowed=[AllowedDeviation(
        signature="x: answer", reason="known")]).to_json().encode())
    assert AllowFile.load(allow).reasons() == {"x: answer": "known"}
    trace = tmp_path / "t.json"
    trace.write_bytes(b"\xef\xbb\xbf" + json.dumps({"name": "bom", "steps": [
        {"command": "machine 0x10000 0x8400", "expect": "OK"}]}).encode())
    assert main(["replay", str(trace)]) == 0
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
