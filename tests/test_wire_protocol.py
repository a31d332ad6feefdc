"""The wire grammar: commands and answers round-trip; malformed lines are refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from duckybio.spec.wire import (
    PROTOCOL_VERSION,
    WIRE_MAX,
    Answer,
    AttachStorage,
    ClockStep,
    Command,
    Fail,
    Ok,
    PowerOn,
    Quit,
    RamRead,
    RamWrite,
    Readl,
    StorageRead,
    StorageWrite,
    Version,
    WireError,
    Writel,
    answer_bytes,
    answer_empty,
    answer_number,
    fail,
    format_answer,
    format_bytes,
    format_command,
    ok_bytes,
    ok_number,
    parse_answer,
    parse_bytes,
    parse_command,
    parse_number,
)

u64 = st.integers(0, WIRE_MAX)
blobs = st.binary(max_size=64)

commands: st.SearchStrategy[Command] = st.one_of(
    st.just(Version()),
    st.just(Quit()),
    st.builds(PowerOn, u64, u64),
    st.builds(AttachStorage, u64, u64),
    st.builds(StorageWrite, u64, u64, blobs),
    st.builds(StorageRead, u64, u64, u64),
    st.builds(Writel, u64, u64),
    st.builds(Readl, u64),
    st.builds(RamWrite, u64, blobs),
    st.builds(RamRead, u64, u64),
    st.builds(ClockStep, st.none() | u64),
)


@given(commands)
def test_every_command_round_trips(command: Command) -> None:
    line = format_command(command)
    assert line.isascii() and "\n" not in line
    assert parse_command(line) == command
    assert parse_command(line + "\r\n") == command


@pytest.mark.parametrize(("command", "line"), [
    (Version(), "version"),
    (Quit(), "quit"),
    (PowerOn(0x1000000, 0x8400), "machine 0x1000000 0x8400"),
    (AttachStorage(1, 0x800), "storage 0x1 0x800"),
    (StorageWrite(1, 0x10, b"\x01\xab"), "storage-write 0x1 0x10 0x01ab"),
    (StorageWrite(1, 0, b""), "storage-write 0x1 0x0 0x"),
    (StorageRead(2, 0, 4), "storage-read 0x2 0x0 0x4"),
    (Writel(0x8400, 0x6C), "writel 0x8400 0x6c"),
    (Readl(0x8414), "readl 0x8414"),
    (RamWrite(0x100, b"\x00\xff"), "write 0x100 0x2 0x00ff"),
    (RamRead(0x100, 2), "read 0x100 0x2"),
    (ClockStep(), "clock_step"),
    (ClockStep(100), "clock_step 0x64"),
])
def test_commands_are_formatted_in_hex(command: Command, line: str) -> None:
    assert format_command(command) == line


@pytest.mark.parametrize(("line", "command"), [
    ("machine 65536 33792", PowerOn(0x10000, 0x8400)),
    ("readl   0X8400\t", Readl(0x8400)),
    ("writel 0x8400 0XFF", Writel(0x8400, 0xFF)),
    ("write 16 2 0xABcd", RamWrite(16, b"\xab\xcd")),
    ("clock_step 0", ClockStep(0)),
    (f"readl {WIRE_MAX}", Readl(WIRE_MAX)),
])
def test_a_server_accepts_decimal_and_any_hex_case(line: str, command: Command) -> None:
    assert parse_command(line) == command


@pytest.mark.parametrize("line", [
    "",
    "   \n",
    "bogus",
    "READL 0x0",
    "version now",
    "quit 0",
    "machine 0x10",
    "machine 0x10 0x20 0x30",
    "readl -1",
    "readl +5",
    "readl 0x",
    "readl 0xg",
    "readl 1_0",
    "readl 0x1_0",
    "readl 1.5",
    "readl 0x10000000000000000",
    "readl 18446744073709551616",
    "readl \u0661",
    "storage-write 1 0 0x123",
    "storage-write 1 0 12",
    "storage-write 1 0 0xzz",
    "write 0 0x2 0x00",
    "write 0 1",
    "read 0",
    "clock_step 1 2",
    "readl 0x0\rreadl 0x4",
])
def test_malformed_commands_raise_wire_error(line: str) -> None:
    with pytest.raises(WireError) as info:
        parse_command(line)
    assert "\n" not in str(info.value) and str(info.value)


@pytest.mark.parametrize("command", [
    Readl(-1), Readl(WIRE_MAX + 1), PowerOn(0, -0x100), RamWrite(-4, b"\x00"), ClockStep(-1),
])
def test_numbers_outside_64_bits_cannot_be_sent(command: Command) -> None:
    with pytest.raises(WireError, match="64 unsigned bits"):
        format_command(command)


@given(u64)
def test_numbers_round_trip(value: int) -> None:
    assert parse_number(hex(value)) == value
    assert parse_number(str(value)) == value


@given(st.binary(max_size=300))
def test_byte_strings_round_trip(data: bytes) -> None:
    token = format_bytes(data)
    assert token.startswith("0x") and len(token) == 2 + 2 * len(data)
    assert parse_bytes(token) == data


answers: st.SearchStrategy[Answer] = st.one_of(
    st.just(Ok()),
    st.builds(ok_number, u64),
    st.builds(ok_bytes, blobs),
    st.just(Ok(PROTOCOL_VERSION)),
    st.builds(fail, st.text(st.characters(codec="ascii"), min_size=1).filter(str.strip)),
)


@given(answers)
def test_every_answer_round_trips(answer: Answer) -> None:
    line = format_answer(answer)
    assert line.isascii() and "\n" not in line
    assert parse_answer(line + "\n") == answer


def test_answers_are_formatted_as_the_brief_says() -> None:
    assert format_answer(Ok()) == "OK"
    assert format_answer(ok_number(0x13)) == "OK 0x13"
    assert format_answer(ok_bytes(b"")) == "OK 0x"
    assert format_answer(ok_bytes(b"\x0a\xff")) == "OK 0x0aff"
    assert format_answer(Ok(PROTOCOL_VERSION)) == "OK duckybio-wire/1"
    assert format_answer(Fail("no storage 7")) == "FAIL no storage 7"


def test_fail_squeezes_its_message_to_one_ascii_line() -> None:
    assert fail("bad\nthing  here\u00e9") == Fail("bad thing here?")
    assert fail("  \n ") == Fail("refused")
    with pytest.raises(WireError):
        Fail("two\nlines")


def test_a_fail_message_keeps_its_inner_spacing() -> None:
    assert parse_answer("FAIL range [0x0, +0x4) is not RAM\n") == Fail(
        "range [0x0, +0x4) is not RAM")


@pytest.mark.parametrize("line", ["", "ok", "OK 0x1 0x2", "FAIL", "FAIL   ", "hello", "0x12"])
def test_malformed_answers_raise_wire_error(line: str) -> None:
    with pytest.raises(WireError):
        parse_answer(line)


def test_answer_shapes_are_checked() -> None:
    assert answer_number(Ok("0x10")) == 16
    assert answer_bytes(Ok("0x0102"), 2) == b"\x01\x02"
    answer_empty(Ok())
    with pytest.raises(WireError, match="bare OK"):
        answer_number(Ok())
    with pytest.raises(WireError, match="not a number"):
        answer_number(Ok("ten"))
    with pytest.raises(WireError, match="expected 3 bytes, got 2"):
        answer_bytes(Ok("0x0102"), 3)
    with pytest.raises(WireError, match="bare OK"):
        answer_bytes(Ok(), 0)
    with pytest.raises(WireError, match="expected a bare OK"):
        answer_empty(Ok("0x1"))
    with pytest.raises(WireError):
        Ok("two tokens")
