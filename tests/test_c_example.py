"""The C example device answers like the model over the wire; each planted mutant does not."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cdevice import MUTANTS, SOURCE

from duckybio.kit._model_target import ModelTarget
from duckybio.kit._target import Target
from duckybio.kit._wire_client import WireTarget
from duckybio.kit.errors import TargetBroken, TargetRefused
from duckybio.spec.regmap import BLOCK_SIZE, DATA_INVALID, PAGE_SIZE, Flag, Reg

BASE = 0x8400
RAM = 0x10000
STATUS, SID, BLOCK, COUNT, ADDR, DATA = (BASE + r for r in Reg)
RDY, ERR, READ, WRITE, BUSY, DMA, SRST = (int(f) for f in Flag)

Call = tuple[Any, ...]


def outcome(target: Target, call: Call) -> object:
    name, *args = call
    try:
        result: object = getattr(target, name)(*args)
    except TargetRefused:
        return "refused"
    return result


def run(target: Target, script: list[Call]) -> list[object]:
    return [outcome(target, call) for call in script]


Difference = tuple[Call, object, object]


def differences(exe: Path, script: list[Call], latency: int = 0) -> list[Difference]:
    """The calls where the C device and the model disagree."""
    argv = [str(exe)] if latency == 0 else [str(exe), "--latency", str(latency)]
    with WireTarget(argv, timeout=10.0) as device:
        got = run(device, script)
    assert device.returncode == 0
    expected = run(ModelTarget(latency), script)
    return [(c, e, g) for c, e, g in zip(script, expected, got, strict=True) if e != g]


def setup(size: int = 4 * BLOCK_SIZE) -> list[Call]:
    data = bytes((7 * i + 3) & 0xFF for i in range(size))
    return [("machine", RAM, BASE), ("storage", 1, size), ("storage_write", 1, 0, data)]


def everything() -> list[Call]:
    return [("read", 0, RAM), ("storage_read", 1, 0, 4 * BLOCK_SIZE)]


SCRIPT: list[Call] = [
    *setup(),
    ("storage", 1, 16), ("storage", 2, 0),
    ("storage_read", 1, 4 * BLOCK_SIZE - 1, 2), ("storage_write", 9, 0, b"\x00"),
    ("storage_read", 1, 4 * BLOCK_SIZE, 0),
    ("readl", STATUS), ("readl", SID), ("readl", BASE + 0x18), ("readl", BASE + 1),
    ("readl", BASE + PAGE_SIZE - 2), ("readl", BASE - 2), ("readl", RAM - 4), ("readl", RAM - 2),
    ("writel", 0x40, 0xDEADBEEF), ("readl", 0x40), ("read", 0x40, 4),
    ("write", BASE - 4, b"\x01\x02\x03\x04\x05"), ("write", RAM, b""), ("read", 1 << 40, 0),
    # PIO read of blocks 1..2, then past the end
    ("writel", SID, 1), ("writel", BLOCK, 1), ("writel", COUNT, 2), ("writel", STATUS, READ),
    ("readl", STATUS), ("readl", DATA), ("readl", DATA), ("readl", STATUS),
    *[("readl", DATA)] * 2,
    # PIO write: two words, then padding; overrun of a one-block buffer
    ("writel", BLOCK, 3), ("writel", COUNT, 1), ("writel", DATA, 0x11223344),
    ("writel", DATA, 0x55667788), ("writel", STATUS, WRITE), ("readl", STATUS),
    ("storage_read", 1, 3 * BLOCK_SIZE, 12), ("readl", DATA), ("readl", DATA),
    ("writel", COUNT, 0), ("writel", DATA, 1), ("readl", STATUS), ("writel", STATUS, WRITE),
    # ERR is sticky until SRST
    ("writel", STATUS, SRST), ("readl", STATUS), ("readl", DATA), ("readl", STATUS),
    # SRST deselects the storage
    ("writel", STATUS, SRST), ("writel", STATUS, READ), ("readl", STATUS),
    ("writel", STATUS, SRST), ("writel", SID, 1),
    # DMA read, exact fit at the end of the storage
    ("writel", BLOCK, 2), ("writel", COUNT, 2), ("writel", ADDR, 0x1000),
    ("writel", STATUS, DMA | READ), ("readl", STATUS), ("read", 0x1000, 16), ("readl", DATA),
    # out of bounds, wrap-around candidates, DMA ranges that are not RAM
    ("writel", STATUS, SRST), ("writel", SID, 1), ("writel", BLOCK, 3), ("writel", COUNT, 2),
    ("writel", STATUS, READ), ("readl", STATUS),
    ("writel", STATUS, SRST), ("writel", SID, 1), ("writel", BLOCK, 0xFFFFFFFF),
    ("writel", COUNT, 1), ("writel", STATUS, READ), ("readl", STATUS),
    ("writel", STATUS, SRST), ("writel", SID, 1), ("writel", BLOCK, 0x400000),
    ("writel", COUNT, 0), ("writel", STATUS, READ), ("readl", STATUS),
    ("writel", STATUS, SRST | DMA), ("writel", SID, 1), ("writel", COUNT, 1),
    ("writel", ADDR, BASE - 0x200), ("writel", STATUS, WRITE), ("readl", STATUS),
    ("writel", STATUS, SRST | DMA), ("writel", SID, 1), ("writel", COUNT, 1),
    ("writel", ADDR, RAM - 0x200), ("writel", STATUS, READ), ("readl", STATUS),
    ("writel", STATUS, SRST | DMA), ("writel", SID, 1), ("writel", COUNT, 0),
    ("writel", ADDR, 0xFFFFFFFF), ("writel", STATUS, READ), ("readl", STATUS),
    # DMA write from RAM, then an empty storage and an unknown id
    ("writel", STATUS, SRST | DMA), ("writel", SID, 1), ("writel", COUNT, 1),
    ("writel", ADDR, 0x40), ("writel", STATUS, WRITE | 0xFFFFFF80), ("readl", STATUS),
    ("writel", SID, 2), ("writel", COUNT, 0), ("writel", STATUS, READ), ("readl", STATUS),
    ("writel", SID, 3), ("readl", STATUS), ("writel", STATUS, READ | WRITE), ("readl", STATUS),
    ("clock_step", None), ("clock_step", 1000),
    # injected faults (R-HOST-7): a refused one, a failed PIO read, a failed DMA write
    ("fault", 9, "read", 1), ("fault", 1, "read", 1), ("fault", 1, "write", 1),
    ("writel", STATUS, SRST), ("writel", SID, 1), ("writel", COUNT, 1),
    ("writel", STATUS, READ), ("readl", STATUS), ("readl", DATA), ("writel", STATUS, SRST | DMA),
    ("writel", SID, 1), ("writel", COUNT, 1), ("writel", STATUS, WRITE), ("readl", STATUS),
    ("writel", STATUS, WRITE), ("readl", STATUS),
    *everything(),
]

BUSY_SCRIPT: list[Call] = [
    *setup(),
    ("writel", SID, 1), ("writel", BLOCK, 1), ("writel", COUNT, 1), ("writel", ADDR, 0x100),
    ("writel", STATUS, DMA | READ), ("readl", STATUS), ("readl", DATA), ("writel", SID, 9),
    ("writel", COUNT, 0), ("writel", STATUS, SRST | WRITE), ("readl", STATUS),
    ("clock_step", None), ("readl", STATUS), ("clock_step", None), ("clock_step", None),
    ("readl", STATUS), ("read", 0x100, 8), ("readl", DATA),
    ("writel", SID, 1), ("writel", COUNT, 1), ("writel", STATUS, WRITE), ("readl", STATUS),
    ("clock_step", None), ("clock_step", None), ("clock_step", None), ("readl", STATUS),
    *everything(),
]

def random_script(seed: int, length: int = 200) -> list[Call]:
    """A reproducible random MMIO sequence on a small machine, then a full comparison."""
    rng = random.Random(seed)
    base, ram = 0x400, 0x2000
    values: dict[int, list[int]] = {
        Reg.STATUS: [READ, WRITE, DMA | READ, DMA | WRITE, SRST, SRST | READ, 0x6C, 0xFF],
        Reg.SID: [1, 2, 3, 0xFFFFFFFF],
        Reg.BLOCK: [0, 1, 2, 3, 0xFFFFFFFF, 0x400000],
        Reg.COUNT: [0, 1, 2, 3, 0xFFFFFFFF],
        Reg.ADDR: [0, 0x100, 0x300, 0x1C00, 0x1E00, 0xFFFFFFFF],
    }
    script: list[Call] = [("machine", ram, base), ("storage", 1, 3 * BLOCK_SIZE),
                          ("storage", 2, BLOCK_SIZE)]
    for _ in range(length):
        roll = rng.random()
        if roll < 0.5:
            offset = rng.choice([*values, Reg.DATA, Reg.DATA, 0x18, 0x01])
            value = rng.choice(values.get(offset, [rng.getrandbits(32)]))
            script.append(("writel", base + offset, value))
        elif roll < 0.8:
            script.append(("readl", base + rng.choice([Reg.STATUS, Reg.DATA, Reg.SID, 0x18])))
        elif roll < 0.9:
            script.append(("clock_step", None))
        elif roll < 0.95:
            script.append(("write", rng.randrange(0, ram, 4), rng.randbytes(8)))
        else:
            script.append(("storage_write", rng.choice([1, 2]), rng.randrange(0, BLOCK_SIZE),
                           rng.randbytes(4)))
    return [*script, ("read", 0, ram), ("storage_read", 1, 0, 3 * BLOCK_SIZE),
            ("storage_read", 2, 0, BLOCK_SIZE)]


#: For each mutant, a short sequence on which it disagrees with the model.
MUTANT_SCRIPTS: dict[int, list[Call]] = {
    1: [*setup(), ("writel", SID, 7), ("readl", STATUS)],
    2: [*setup(BLOCK_SIZE), ("writel", SID, 1), ("writel", COUNT, 1),
        ("writel", STATUS, READ), ("readl", STATUS)],
    3: [*setup(BLOCK_SIZE), ("writel", SID, 1), ("writel", BLOCK, 0x400000),
        ("writel", STATUS, READ), ("readl", STATUS)],
    4: [*setup(BLOCK_SIZE), ("writel", SID, 1), ("writel", COUNT, 1),
        ("writel", STATUS, READ), ("readl", DATA)],
    5: [*setup(), ("writel", SID, 7), ("writel", SID, 1), ("writel", STATUS, READ),
        ("readl", STATUS)],
    6: [*setup(), ("writel", SID, 1), ("writel", STATUS, SRST | READ), ("readl", STATUS)],
    7: [*setup(BLOCK_SIZE), ("writel", SID, 1), ("writel", COUNT, 1),
        ("writel", STATUS, READ), ("readl", DATA), ("readl", DATA)],
    8: [*setup(), ("writel", DATA, 1), ("readl", STATUS)],
    9: [*setup(BLOCK_SIZE), ("writel", SID, 1), ("writel", COUNT, 1),
        ("writel", ADDR, BASE - 0x100), ("writel", STATUS, DMA | READ), ("readl", STATUS)],
    10: [*setup(), ("writel", SID, 1), ("writel", STATUS, READ), ("readl", STATUS)],
    11: [*setup(BLOCK_SIZE), ("fault", 1, "read", 1), ("writel", SID, 1), ("writel", COUNT, 1),
         ("writel", STATUS, READ), ("readl", STATUS)],
}


def test_every_mutant_has_a_script() -> None:
    assert sorted(MUTANT_SCRIPTS) == sorted(MUTANTS) == list(range(1, 12))
    readme = (SOURCE / "README.md").read_text()
    assert all(f"| {n} |" in readme for n in MUTANTS)


def test_the_c_register_map_matches_the_spec() -> None:
    header = (SOURCE / "bio.h").read_text()
    defines = {name: int(value, 0) for name, value in
               re.findall(r"^#define (BIO_\w+) (0x[0-9A-Fa-f]+|\d+)u$", header, re.M)}
    expected = {"BIO_BLOCK_SIZE": BLOCK_SIZE, "BIO_PAGE_SIZE": PAGE_SIZE,
                "BIO_DATA_INVALID": DATA_INVALID}
    expected |= {f"BIO_REG_{r.name}": int(r) for r in Reg}
    expected |= {f"BIO_{f.name}": int(f) for f in Flag if f.name}
    assert defines == expected


def test_the_c_device_answers_like_the_model(c_device: Callable[[int], Path]) -> None:
    assert differences(c_device(0), SCRIPT) == []


@pytest.mark.parametrize(("seed", "latency"), [(seed, seed % 3) for seed in range(6)])
def test_random_sequences_agree_with_the_model(
        c_device: Callable[[int], Path], seed: int, latency: int) -> None:
    assert differences(c_device(0), random_script(seed), latency) == []


@pytest.mark.parametrize("latency", [1, 3])
def test_the_c_device_with_latency_answers_like_the_model(
        c_device: Callable[[int], Path], latency: int) -> None:
    assert differences(c_device(0), BUSY_SCRIPT, latency) == []


@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_the_scripts_pass_on_the_conforming_device(
        c_device: Callable[[int], Path], mutant: int) -> None:
    assert differences(c_device(0), MUTANT_SCRIPTS[mutant]) == []


@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_each_mutant_diverges_from_the_model(c_device: Callable[[int], Path], mutant: int) -> None:
    found = differences(c_device(mutant), MUTANT_SCRIPTS[mutant])
    assert found, f"mutant {mutant} ({MUTANTS[mutant]}) went unnoticed"
    assert found[0][0] == MUTANT_SCRIPTS[mutant][-1]


def caught(exe: Path, script: list[Call], latency: int = 0) -> bool:
    """Whether the device disagrees with the model or breaks on ``script``."""
    try:
        return bool(differences(exe, script, latency))
    except TargetBroken:
        return True


def test_the_big_scripts_catch_every_mutant(c_device: Callable[[int], Path]) -> None:
    missed = [n for n in MUTANTS
              if not caught(c_device(n), SCRIPT) and not caught(c_device(n), BUSY_SCRIPT, 1)]
    assert missed == []
