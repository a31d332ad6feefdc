"""Fuzz campaign over the driver-facing inputs: protocol lines, declarations, allow files, traces.

Four campaigns, each of ``--inputs`` hostile inputs (default 10^5), drawn as
mutations of valid ones (a character flipped, inserted or deleted, tokens
dropped, repeated or swapped, a number replaced by a boundary value, control
and non-ASCII characters, long tokens; see ``fuzz_wire.py``):

- ``lines``: the lines a form (b) driver sends while it carries out a
  request (bus accesses and ``done``), through the same code the driver
  protocol client runs (:class:`~duckybio.driver._forms.ProcessDriver`), on a
  checked bus; a share also through a real driver process, which must leave
  no process behind.
- ``declarations``: ``supports`` answers (numbers made boundary values,
  lists repeated and grown, text mutated), parsed; every 50th accepted one
  is then used for a one-scenario ``drive`` of the reference driver.
- ``allow``: allow files (JSON, text and bytes mutated), loaded as ``check
  --allow`` loads them; the accepted ones have their reproducers verified
  against the reference implementation.
- ``traces``: drive traces (JSON mutated), loaded as ``drive --replay`` does;
  every fifth accepted one that fits the bench's caps (RAM and storages up
  to 1 MiB, 1,000 latencies of at most 1,000 steps, a busy bound of at most
  1,000, 64 blocks a request) is replayed with the reference driver.

Only the kit's own errors (one line for the user) may come out; any other
exception is a traceback, counted per campaign with its first examples.
Prints each campaign's inputs, accepted, errors and tracebacks, and the
processes left over; exits 1 on any traceback or leftover.  ``--quick``:
2,000 inputs each; ``--campaign NAME`` runs one; ``--seed``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Final, TypeVar

from fuzz_wire import BOUNDARIES, mutate

from duckybio.driver._adapters import reference
from duckybio.driver._bus import BudgetSpent, CheckedBus, RuleBroken
from duckybio.driver._forms import (
    DriverFailed,
    DriverSpec,
    ProcessDriver,
    drives,
    python_driver,
    resolve_driver,
)
from duckybio.driver._run import DriveConfig, DriveTrace, replay, run_drive, run_scenario
from duckybio.driver._scenario import DriveStep, Scenario
from duckybio.kit._deviations import AllowFile
from duckybio.kit._instance import Instance, StorageShape
from duckybio.kit._jsonfile import load_json
from duckybio.kit._run import CheckConfig, verify_allowed
from duckybio.kit._runlog import RunLog
from duckybio.kit._targets import resolve_target
from duckybio.kit.errors import InputError, KitError
from duckybio.spec.drive import Declaration, Request, parse_declaration
from duckybio.spec.wire import WireError

CAP: Final = 1 << 20
#: A small machine: RAM 0x4000 with the MMIO page at 0x4000, two storages.
INSTANCE: Final = Instance(ram_size=0x4000, mmio_base=0x4000,
                           storages=(StorageShape(sid=1, size=0x1000),
                                     StorageShape(sid=2, size=0x800)))
DRIVER_LINES: Final = [
    "readl 0x4000", "readl 0x4014", "writel 0x4000 0x40", "writel 0x4004 1", "writel 0x4008 0",
    "writel 0x400c 1", "writel 0x4010 0x100", "writel 0x4000 0x28", "writel 0x4000 0x24",
    "writel 0x4000 0x4", "read 0x100 16", "read 0x0 0x400", "write 0x100 4 0xa1b2c3d4",
    "clock_step", "clock_step 5", "done ok", "done error", "done ok 0x0102030405060708",
    "version", "machine 0x4000 0x4000", "quit", "storage 1 0x400"]
DECLARATIONS: Final = [
    "any", "ops=read", "ops=read,write;modes=dma", "modes=pio;sids=0x1,0x2",
    "sids=1;counts=1,2,3", "counts=0,1;window=0x0-0x4000", "window=0x100-0x2000",
    "ops=write;modes=dma,pio;sids=2;counts=1;window=0x0-0x1000"]
#: Mutations of a JSON document: values that a hostile or careless file holds.
JSON_VALUES: Final[list[object]] = [
    None, True, -1, 0, 1, 1 << 32, 1 << 64, 1 << 80, 1.5, float("inf"), "",
    "x" * 1000, "\x00", "\ufeff", [], {}, [[[[]]]], "0x10", "read", "D-1"]


# --- mutations of JSON documents -------------------------------------------------------

def mutate_json(value: object, rng: random.Random, depth: int = 0) -> object:
    """``value`` with one part replaced, dropped or duplicated (recursively)."""
    if isinstance(value, dict) and value and rng.random() < 0.8:
        key = rng.choice(list(value))
        out = dict(value)
        how = rng.randrange(5)
        if how == 0:
            del out[key]
        elif how == 1:
            out[key + rng.choice(["", "_", "x"])] = rng.choice(JSON_VALUES)
        else:
            out[key] = mutate_json(value[key], rng, depth + 1)
        return out
    if isinstance(value, list) and value and rng.random() < 0.8:
        out_list = list(value)
        i = rng.randrange(len(out_list))
        how = rng.randrange(4)
        if how == 0:
            del out_list[i]
        elif how == 1:
            out_list.insert(i, out_list[i])
        else:
            out_list[i] = mutate_json(out_list[i], rng, depth + 1)
        return out_list
    if isinstance(value, str) and rng.random() < 0.6:
        return mutate(value, rng)
    if isinstance(value, int) and not isinstance(value, bool) and rng.random() < 0.6:
        return rng.choice([value + 1, value - 1, -value, value * 1024, value << 40, 0])
    return rng.choice(JSON_VALUES)


def document(base: object, rng: random.Random) -> bytes:
    """A mutated document: JSON mutated as a value, as text, or as bytes."""
    how = rng.randrange(10)
    value = base
    for _ in range(rng.randint(1, 3)):
        value = mutate_json(value, rng)
    text = json.dumps(value)
    if how == 0:
        text = mutate(text, rng)
    elif how == 1:
        text = "\ufeff" + text
    data = text.encode("utf-8", "surrogatepass")
    if how == 2 and data:
        i = rng.randrange(len(data))
        data = data[:i] + bytes([rng.randrange(256)]) + data[i + 1:]
    elif how == 3:
        data = data[:rng.randrange(len(data) + 1)]
    return data


# --- the campaigns ---------------------------------------------------------------------

_T = TypeVar("_T")


class Tally:
    """Inputs, accepted ones, refusals (by kind), tracebacks (with the first examples)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.inputs = 0
        self.accepted = 0
        self.used = 0
        self.refused: Counter[str] = Counter()
        self.tracebacks: list[str] = []

    def parse(self, load: Callable[[], _T], what: Callable[[], object],
              refusals: tuple[type[Exception], ...] = (InputError,)) -> _T | None:
        """``load()`` of one input, counted: ``None`` when it is refused (a one-line error
        of the kit's, by kind) or raised anything else (a traceback, shown as ``what()``)."""
        self.inputs += 1
        try:
            value = load()
        except refusals as exc:
            self.refused[type(exc).__name__] += 1
            return None
        except Exception:
            self.traceback(what())
            return None
        self.accepted += 1
        return value

    def traceback(self, what: object) -> None:
        exc = sys.exc_info()[1]
        first = (str(exc).strip().splitlines() or [""])[0]
        self.tracebacks.append(f"{what!r:.160}: {type(exc).__name__}: {first[:120]}")

    def show(self) -> None:
        print(f"{self.name}: {self.inputs} inputs, {self.accepted} accepted, {self.used} "
              f"used further, tracebacks: {len(self.tracebacks)}")
        for kind, n in self.refused.most_common(4):
            print(f"  refused ({kind}): {n}")
        for line in self.tracebacks[:5]:
            print(f"  TRACEBACK {line}")


class FuzzLines:
    """A form (b) driver's side of a request, its lines taken from a fuzz source."""

    def __init__(self, lines: Iterator[str], tally: Tally) -> None:
        self.lines = lines
        self.tally = tally
        self.sent = 0

    def line(self, text: str) -> str:
        self.sent += 1
        if self.sent % 25 == 0:  # end the request now and then
            return "done ok"
        self.tally.inputs += 1
        return next(self.lines)

    def start(self, bus: CheckedBus) -> None:
        return None

    def request(self, bus: CheckedBus, request: Request) -> bool | bytes:
        # The driver protocol client's own loop, with this object's lines.
        return ProcessDriver._request(self, bus, request)  # type: ignore[arg-type]

    def close(self) -> None:
        return None


def line_source(rng: random.Random) -> Iterator[str]:
    while True:
        base = rng.choice(DRIVER_LINES)
        yield base if rng.random() < 0.3 else mutate(base, rng)


def scenario_of(rng: random.Random) -> Scenario:
    steps = tuple(DriveStep(op=rng.choice(["read", "write"]), sid=rng.choice([1, 2, 3]),
                       block=rng.choice([0, 1, 5]), count=rng.choice([0, 1, 2]),
                       addr=rng.choice([0, 0x100, 0x3c00]), mode=rng.choice(["dma", "pio"]),
                       prelude=rng.choice(["none", "err", "dma", "half", "failed"]))
                  for _ in range(3))
    return Scenario(instance=INSTANCE, steps=steps, latencies=(rng.choice([0, 1, 3]),))


def fuzz_lines(count: int, rng: random.Random, tally: Tally) -> None:
    """Driver protocol lines, in process; a share through real driver processes.

    Most lines go through the protocol client's request loop on one checked
    bus after another (a new one every 200 requests or once a rule is
    broken); every 50th scenario is run whole, end checks included.
    """
    source = line_source(rng)
    bus: CheckedBus | None = None
    requests = 0
    while tally.inputs < count:
        requests += 1
        if requests % 50 == 0:
            driver = FuzzLines(source, tally)
            spec = DriverSpec("fuzz", Declaration(), lambda d=driver: d)  # type: ignore[misc]
            try:
                tally.accepted += run_scenario(spec, scenario_of(rng), busy_bound=3).requests
            except DriverFailed as exc:
                tally.refused[str(exc).split(":")[0][:40]] += 1
            except Exception:
                tally.traceback("driver lines (scenario)")
            continue
        if bus is None or bus.broken is not None or requests % 200 == 0:
            if bus is not None:
                bus.release()
            scenario = scenario_of(rng)
            bus = CheckedBus(scenario, 3)
        request = rng.choice(scenario.steps).request
        bus.begin(request)
        try:
            FuzzLines(source, tally).request(bus, request)
            tally.accepted += 1
        except (DriverFailed, RuleBroken, BudgetSpent) as exc:
            tally.refused[str(exc).split(":")[0][:40]] += 1
        except Exception:
            tally.traceback("driver lines")
        bus.begin(None)
    if bus is not None:
        bus.release()
    processes = max(4, count // 2000)
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(processes):
            lines = [rng.choice(DRIVER_LINES) if rng.random() < 0.3 else
                     mutate(rng.choice(DRIVER_LINES), rng) for _ in range(40)]
            script = Path(tmp) / f"driver{k}.py"
            script.write_text(_DRIVER_SCRIPT.format(lines=lines))
            tally.inputs += len(lines)
            try:
                spec = resolve_driver(f"{sys.executable} {script}", timeout=5.0)
                tally.accepted += run_scenario(spec, scenario_of(rng), busy_bound=3).requests
            except (DriverFailed, InputError) as exc:
                tally.refused[str(exc).split(":")[0][:40]] += 1
            except Exception:
                tally.traceback(f"driver process {k}")
            tally.used += 1


#: A form (b) driver that answers supports, machine, then sends its fuzz lines.
_DRIVER_SCRIPT: Final = '''import sys
lines = {lines!r}
out = sys.stdout
for text in sys.stdin:
    text = text.strip()
    if text == "version":
        out.write("OK duckybio-drive/1\\n")
    elif text == "supports":
        out.write("OK any\\n")
    elif text.startswith("machine") or text == "quit":
        out.write("OK\\n")
    elif lines:
        out.write(lines.pop(0).replace("\\n", " ") + "\\n")
    else:
        out.write("done ok\\n")
    out.flush()
'''


NUMBER: Final = re.compile(r"0x[0-9a-fA-F]+|[0-9]+")


def mutate_declaration(token: str, rng: random.Random) -> str:
    """A declaration with a number made a boundary value, a list grown, or text mutated."""
    how = rng.randrange(4)
    numbers = list(NUMBER.finditer(token))
    if how == 0 and numbers:
        hit = rng.choice(numbers)
        return token[:hit.start()] + rng.choice(BOUNDARIES) + token[hit.end():]
    if how == 1 and numbers:
        hit = rng.choice(numbers)
        grown = ",".join([hit.group()] * rng.choice([2, 3, 50]))
        return token[:hit.start()] + grown + token[hit.end():]
    return mutate(token, rng)


def _marked(declaration: Declaration) -> DriverSpec:
    def driver(bus: object, request: Request) -> bool | bytes:
        return reference(bus, request)  # type: ignore[arg-type]
    return python_driver(drives(declaration)(driver), "fuzzed declaration")


def fuzz_declarations(count: int, rng: random.Random, tally: Tally) -> None:
    """``supports`` answers; every 200th accepted one drives one scenario."""
    for _ in range(count):
        base = rng.choice(DECLARATIONS)
        token = base if rng.random() < 0.1 else mutate_declaration(base, rng)
        declaration = tally.parse(partial(parse_declaration, token), partial(str, token),
                                  (WireError, InputError))
        if declaration is None:
            continue
        if tally.accepted % 50:
            continue
        tally.used += 1
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                run_drive(DriveConfig(driver=_marked(declaration), examples=1, max_requests=2,
                                      seed=rng.randrange(1000)))
        except (KitError, DriverFailed):
            pass
        except Exception:
            tally.traceback(token)


ALLOW: Final = {"format": "duckybio-allow/1", "allowed": [
    {"signature": "write STATUS (DMA read, ok): R stays empty", "reason": "known",
     "trace": [{"command": "machine 0x4000 0x2000", "expect": "OK"},
               {"command": "storage 1 0x400", "expect": "OK"},
               {"command": "writel 0x2004 1", "expect": "OK"},
               {"command": "readl 0x2000", "expect": "OK 0x1"}]},
    {"signature": "read DATA (PIO read): value", "reason": "x", "erratum": "E14"}]}


def fuzz_allow(count: int, rng: random.Random, tally: Tally) -> None:
    """Allow files, loaded as ``--allow`` loads them; accepted ones verified by replay."""
    spec = resolve_target(None)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "allow.json"
        for _ in range(count):
            path.write_bytes(document(ALLOW, rng))
            allow = tally.parse(lambda: AllowFile.load(path), lambda: path.read_bytes()[:200])
            if allow is None:
                continue
            if tally.accepted % 20:
                continue
            tally.used += 1
            try:
                verify_allowed(CheckConfig(target=spec, allowed=tuple(allow.allowed)), RunLog())
            except KitError:
                pass
            except Exception:
                tally.traceback(path.read_bytes()[:200])


TRACE: Final = {"driver": "duckybio.driver:reference", "busy_bound": 2, "rule": "D-3",
                "failure": "D-3: a read's bytes differ", "log": ["> request read 0x1 0x0 0x1"],
                "scenario": {"instance": {"ram_size": 16384, "mmio_base": 16384,
                                          "storages": [{"sid": 1, "size": 4096}]},
                             "steps": [{"prelude": "half", "op": "read", "sid": 1, "block": 1,
                                        "count": 1, "addr": 256, "mode": "pio"},
                                       {"op": "write", "sid": 1, "block": 0, "count": 2,
                                        "addr": 0, "mode": "dma"}],
                             "latencies": [0, 2], "contents": 1}}


def within_caps(trace: DriveTrace) -> bool:
    scenario = trace.scenario
    return (scenario.instance.ram_size <= CAP
            and all(s.size <= CAP for s in scenario.instance.storages)
            and len(scenario.latencies) <= 1000 and max(scenario.latencies) <= 1000
            and trace.busy_bound <= 1000 and all(s.count <= 64 for s in scenario.steps))


def fuzz_traces(count: int, rng: random.Random, tally: Tally) -> None:
    """Drive traces, loaded as ``--replay`` loads them; those within the caps replayed."""
    spec = python_driver(reference, "duckybio.driver:reference")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "trace.json"
        for _ in range(count):
            path.write_bytes(document(TRACE, rng))
            trace = tally.parse(lambda: load_json(DriveTrace, path, InputError, "drive trace"),
                                lambda: path.read_bytes()[:200])
            if trace is None:
                continue
            if not within_caps(trace):
                tally.refused["accepted over the bench's caps (not replayed)"] += 1
                continue
            if tally.accepted % 5:
                continue
            tally.used += 1
            try:
                replay(spec, trace)
            except (KitError, DriverFailed):
                pass
            except Exception:
                tally.traceback(path.read_bytes()[:200])


CAMPAIGNS: Final[dict[str, Callable[[int, random.Random, Tally], None]]] = {
    "lines": fuzz_lines, "declarations": fuzz_declarations, "allow": fuzz_allow,
    "traces": fuzz_traces}


def leftovers() -> list[str]:
    """Processes still running that this one started (its descendants)."""
    done = subprocess.run(["ps", "-e", "-o", "pid=,ppid=,args="], capture_output=True,
                          text=True, check=False)
    children: dict[int, list[tuple[int, str]]] = {}
    for row in done.stdout.splitlines():
        parts = row.split(None, 2)
        children.setdefault(int(parts[1]), []).append((int(parts[0]), " ".join(parts[2:])))
    found: list[str] = []
    todo = [os.getpid()]
    while todo:
        for pid, args in children.get(todo.pop(), []):
            if not args.startswith("ps -e"):  # the listing itself has ended
                found.append(f"{pid} {args[:80]}")
                todo.append(pid)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--campaign", choices=sorted(CAMPAIGNS), default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    count = 2000 if args.quick else args.inputs
    names = [args.campaign] if args.campaign else list(CAMPAIGNS)
    failed = False
    for name in names:
        rng = random.Random(f"{args.seed}:{name}")
        tally = Tally(name)
        started = time.perf_counter()
        CAMPAIGNS[name](count, rng, tally)
        tally.show()
        print(f"  {tally.inputs / (time.perf_counter() - started):.0f} inputs/s", flush=True)
        failed |= bool(tally.tracebacks)
    left = leftovers()
    print(f"leftover processes: {len(left)}")
    for row in left[:5]:
        print(f"  {row}")
    total = "all" if len(names) > 1 else names[0]
    print(f"tracebacks: {'some' if failed else 0} ({total})")
    return 1 if failed or left else 0


if __name__ == "__main__":
    sys.exit(main())
