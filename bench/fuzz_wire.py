"""Fuzz campaign: random and mutated wire lines against the bundled server.

Lines are drawn three ways: mutations of valid command lines (the commands of
the golden vectors and a few of each kind: a character flipped, inserted or
deleted, tokens dropped, repeated or swapped, a number replaced by a
boundary value, control and non-ASCII characters, long tokens), random token
soups, and random bytes.  Every line goes through the server's own answer
function (:func:`duckybio.kit._wire_server.answer`) on the reference
implementation and on the model; a Python exception escaping it is a
traceback, and the answer must be one well-formed line (``OK``/``FAIL``).  A
share of the lines is also piped through a real ``duckybio serve`` process,
which must answer every line with exactly one line and write nothing to
stderr.  Machines and storages are capped at 1 MiB so that a line asking for
gigabytes is refused quickly (the real sizes are in the bad-input tables).

Prints the lines tried, the tracebacks (0), the answers by kind and the
rate; exits 1 on any traceback or malformed answer.  ``--lines N`` (default
10^6), ``--quick`` (20 000 lines), ``--seed``.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Final

from duckybio.kit._model_target import ModelTarget
from duckybio.kit._reference_target import ReferenceTarget
from duckybio.kit._target import Target
from duckybio.kit._wire_server import _Session, answer
from duckybio.kit.errors import TargetRefused
from duckybio.spec.wire import COMMAND_NAMES, format_answer, parse_answer

VECTORS: Final = Path(__file__).resolve().parents[1] / "spec" / "vectors"
CAP: Final = 1 << 20
BOUNDARIES: Final = ["0", "0x0", "1", "0x3", "0x4", "0x3ff", "0x400", "0x401", "0x8400",
                     "0xffffffff", "0x100000000", "0xffffffffffffffff", "0x10000000000000000",
                     "18446744073709551615", "18446744073709551616", "-1", "0x", "0x-1",
                     "1e3", "0b101", "0o7", "٣", "0xFFFFFFFF", "0x" + "f" * 40, "9" * 30]
JUNK: Final = ["\x00", "\t", "\x0b", "\x0c", "\r", "\x1c", "\x7f", "\u00e9", "\udcff",
               "\u2028", " ", "  ", "=>", "#", "0x", "OK", "FAIL"]
BASE_LINES: Final = [
    "version", "quit", "machine 0x10000 0x8400", "storage 1 0x800", "storage 2 0x400",
    "storage-write 1 0x10 0x0102030405060708", "storage-read 1 0 0x10", "writel 0x8400 0x40",
    "writel 0x8404 1", "writel 0x8408 0", "writel 0x840c 1", "writel 0x8410 0x100",
    "writel 0x8400 0x28", "writel 0x8400 0x24", "writel 0x8400 0x4", "writel 0x8400 0x8",
    "writel 0x8414 0xdeadbeef", "readl 0x8400", "readl 0x8414", "write 0x100 4 0xa1b2c3d4",
    "read 0x100 4", "clock_step", "clock_step 0x10", "fault 1 read 1", "fault 1 write 2",
]


class Capped:
    """A target that refuses machines and storages over 1 MiB, else the wrapped one."""

    def __init__(self, inner: Target) -> None:
        self.inner = inner
        self.storage_write = inner.storage_write
        self.storage_read = inner.storage_read
        self.writel = inner.writel
        self.readl = inner.readl
        self.write = inner.write
        self.read = inner.read
        self.clock_step = inner.clock_step
        self.close = inner.close

    def machine(self, ram_size: int, mmio_base: int) -> None:
        if ram_size > CAP:
            raise TargetRefused(f"fuzzing caps RAM at {CAP:#x} bytes")
        self.inner.machine(ram_size, mmio_base)

    def storage(self, sid: int, size: int) -> None:
        if size > CAP:
            raise TargetRefused(f"fuzzing caps storages at {CAP:#x} bytes")
        self.inner.storage(sid, size)

    def fault(self, sid: int, op: str, count: int) -> None:
        fault = getattr(self.inner, "fault")  # noqa: B009 - both wrapped targets have it
        fault(sid, op, count)


def corpus() -> list[str]:
    """Valid command lines: the golden vectors' and a few of every kind."""
    lines = list(BASE_LINES)
    for path in sorted(VECTORS.glob("*.json")):
        for step in json.loads(path.read_text())["trace"]["steps"]:
            if len(step["command"]) < 4096:
                lines.append(step["command"])
    return lines


def mutate(line: str, rng: random.Random) -> str:
    """One to three random mutations of ``line``."""
    for _ in range(rng.randint(1, 3)):
        tokens = line.split(" ")
        how = rng.randrange(10)
        if how == 0 and line:
            i = rng.randrange(len(line))
            line = line[:i] + chr(rng.randrange(0x80)) + line[i + 1:]
        elif how == 1:
            i = rng.randrange(len(line) + 1)
            line = line[:i] + rng.choice(JUNK) + line[i:]
        elif how == 2 and line:
            i = rng.randrange(len(line))
            line = line[:i] + line[i + 1:]
        elif how == 3 and len(tokens) > 1:
            del tokens[rng.randrange(len(tokens))]
            line = " ".join(tokens)
        elif how == 4:
            tokens.insert(rng.randrange(len(tokens) + 1), rng.choice(tokens))
            line = " ".join(tokens)
        elif how == 5 and len(tokens) > 1:
            i, j = rng.randrange(len(tokens)), rng.randrange(len(tokens))
            tokens[i], tokens[j] = tokens[j], tokens[i]
            line = " ".join(tokens)
        elif how in (6, 7) and len(tokens) > 1:
            tokens[rng.randrange(1, len(tokens))] = rng.choice(BOUNDARIES)
            line = " ".join(tokens)
        elif how == 8:
            line = line + " " + "0x" + "ab" * rng.choice([0, 1, 3, 1000, 5000])
        else:
            line = line.upper() if rng.random() < 0.5 else line.replace(" ", "\t")
    return line


def soup(rng: random.Random) -> str:
    """A random line of command names, numbers and junk."""
    words = [*COMMAND_NAMES.values(), *BOUNDARIES, *JUNK, "read", "write"]
    return " ".join(rng.choice(words) for _ in range(rng.randint(0, 6)))


def noise(rng: random.Random) -> str:
    """Random bytes, decoded as the server decodes its input."""
    raw = bytes(rng.randrange(256) for _ in range(rng.randint(0, 40)))
    return raw.decode("utf-8", "surrogateescape").replace("\n", " ")


def draw(rng: random.Random, lines: list[str]) -> str:
    roll = rng.random()
    if roll < 0.7:
        return mutate(rng.choice(lines), rng)
    if roll < 0.85:
        return rng.choice(lines)  # valid lines keep the machines in interesting states
    return soup(rng) if roll < 0.95 else noise(rng)


def run_in_process(lines: list[str], rng: random.Random, count: int,
                   tally: Counter[str]) -> list[str]:
    """``count`` lines through :func:`answer` on both targets; the lines that broke it."""
    failures: list[str] = []
    sessions = [_Session(lambda: Capped(ReferenceTarget(latency=rng.choice([0, 2])))),
                _Session(lambda: Capped(ModelTarget(latency=rng.choice([0, 2]))))]
    for session in sessions:
        session.power_on(0x10000, 0x8400)
    for i in range(count):
        line = draw(rng, lines)
        session = sessions[i % 2]
        try:
            reply, done = answer(session, line)
            text = format_answer(reply)
            parse_answer(text)
            if "\n" in text or "\r" in text:
                raise AssertionError(f"answer of more than one line: {text!r}")
        except Exception:  # a traceback: the server would have died
            failures.append(f"{line!r}: {traceback.format_exc().splitlines()[-1]}")
            continue
        tally["OK" if text.startswith("OK") else "FAIL"] += 1
        if done or rng.random() < 0.002:  # quit, or now and then a fresh machine
            session.power_on(0x10000, 0x8400)
    for session in sessions:
        session.close()
    return failures


def run_through_process(lines: list[str], rng: random.Random, count: int) -> list[str]:
    """``count`` lines piped through ``duckybio serve``: one answer each, a silent stderr."""
    sent = ["machine 0x10000 0x8400"]
    while len(sent) < count:
        line = draw(rng, lines)
        if line.strip().split(" ")[:1] == ["quit"] or "machine" in line:
            continue  # the process stays up; machine sizes are left to the in-process run
        sent.append(line)
    data = "".join(f"{line}\n" for line in sent).encode("utf-8", "surrogateescape")
    done = subprocess.run([sys.executable, "-m", "duckybio", "serve"], input=data,
                          capture_output=True, timeout=3600)
    answers = done.stdout.decode("ascii", "replace").splitlines()
    problems = []
    if done.returncode != 0 or done.stderr:
        problems.append(f"serve exited {done.returncode}: {done.stderr[-300:]!r}")
    expected = sum(1 + line.count("\r") for line in sent)  # a lone CR also ends a line
    if not len(sent) <= len(answers) <= expected:
        problems.append(f"{len(sent)} lines, {len(answers)} answers")
    problems += [f"malformed answer {a[:60]!r}" for a in answers
                 if not (a == "OK" or a.startswith(("OK ", "FAIL ")))]
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="20 000 lines (smoke test)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    total = 20_000 if args.quick else args.lines
    piped = max(2_000, total // 20)
    rng = random.Random(args.seed)
    lines = corpus()
    tally: Counter[str] = Counter()
    start = time.perf_counter()
    failures = run_in_process(lines, rng, total - piped, tally)
    problems = run_through_process(lines, rng, piped)
    seconds = time.perf_counter() - start
    print(f"wire fuzz: {total} lines ({total - piped} in process on the reference and the "
          f"model, {piped} piped through duckybio serve), seed {args.seed}")
    print(f"  answers in process: {tally['OK']} OK, {tally['FAIL']} FAIL")
    print(f"  tracebacks: {len(failures)}")
    print(f"  process problems: {len(problems)}")
    print(f"  {total / seconds:,.0f} lines a second ({seconds:.1f} s)")
    for text in (failures + problems)[:10]:
        print(f"    {text}")
    return 1 if failures or problems else 0


if __name__ == "__main__":
    sys.exit(main())
