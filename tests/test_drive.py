"""``duckybio drive``'s checker: the driver rules, the protocol, both forms of driver.

Every driver rule of SPEC section 16 has a realistic buggy driver
(``buggy_drivers.FLAWS``) that breaks it and is caught, with a minimal
scenario; the reference driver and the C example driver keep every rule at
busy bounds 0, 2 and 8.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Final

import buggy_drivers
import pytest
from cdevice import CC, NO_CC

from duckybio.driver import DriveConfig, DriverFailed, DriverSpecError, resolve_driver, run_drive
from duckybio.driver._bus import CheckedBus, access_budget
from duckybio.driver._run import run_scenario
from duckybio.driver._scenario import DriveStep, Scenario, why_invalid
from duckybio.kit import Instance, StorageShape
from duckybio.spec.drive import (
    DRIVER_RULES,
    Declaration,
    Request,
    defined_driver_rules,
    format_done,
    parse_declaration,
    parse_done,
    parse_request,
)
from duckybio.spec.rules import SPEC_PATH
from duckybio.spec.wire import WireError

HERE: Final = Path(__file__).resolve().parent
ROOT: Final = HERE.parent
WIRE_DRIVER: Final = f"{sys.executable} {HERE / 'wire_driver.py'}"
FAULTY: Final = f"{sys.executable} {HERE / 'faulty_driver.py'}"
#: The busy bound at which each flaw shows as its rule.
BOUND: Final[dict[str, int]] = {
    "starts the command before writing ADDR": 0,
}


def _check(driver: str, bound: int, examples: int = 60) -> tuple[str | None, int | None]:
    report = run_drive(DriveConfig(resolve_driver(driver), busy_bound=bound, examples=examples))
    assert report.broken is None, report.broken
    return report.rule, report.scenario_size


# --- SPEC and the rule registry -----------------------------------------------------

def test_spec_defines_exactly_the_driver_rules() -> None:
    defined = defined_driver_rules(SPEC_PATH.read_text(encoding="utf-8"))
    assert defined == [rule.id for rule in DRIVER_RULES]
    assert defined == [f"D-{n}" for n in range(1, len(defined) + 1)]


def test_every_driver_rule_has_a_buggy_driver() -> None:
    assert {rule.id for rule in DRIVER_RULES} <= set(buggy_drivers.FLAWS.values())


@pytest.mark.parametrize("flaw", sorted(buggy_drivers.FLAWS))
def test_each_buggy_driver_is_caught_with_its_rule(flaw: str) -> None:
    rule, size = _check(f"buggy_drivers:{buggy_drivers.NAMES[flaw]}", BOUND.get(flaw, 2))
    expected = buggy_drivers.FLAWS[flaw]
    if flaw == "trusts STATUS right after the start":  # what it gets wrong depends on the request
        assert rule in {"D-2", "D-3", "D-5"}
    else:
        assert rule == expected
    assert size is not None and size <= 3


def test_a_flaw_that_needs_latency_is_not_reported_at_bound_0() -> None:
    """Writing setup registers without waiting after SRST is harmless when nothing stays BUSY."""
    assert _check("buggy_drivers:no_wait_after_srst", 0, examples=30) == (None, None)


# --- drivers that keep the rules -----------------------------------------------------

@pytest.mark.parametrize("bound", [0, 2, 8])
def test_reference_driver_keeps_every_rule(bound: int) -> None:
    assert _check("duckybio.driver:reference", bound) == (None, None)


@pytest.mark.parametrize("bound", [0, 2, 8])
def test_the_flawless_buggy_driver_keeps_every_rule(bound: int) -> None:
    assert _check("buggy_drivers:correct", bound, examples=30) == (None, None)


@pytest.fixture(scope="module")
def c_driver(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if CC is None:
        pytest.skip(NO_CC)
    exe = tmp_path_factory.mktemp("c-driver") / "biodrv"
    subprocess.run([CC, "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-o", str(exe),
                    str(ROOT / "examples" / "c-driver" / "driver.c")],
                   check=True, capture_output=True, timeout=120)
    return exe


@pytest.mark.parametrize("bound", [0, 2, 8])
def test_c_example_driver_keeps_every_rule(c_driver: Path, bound: int) -> None:
    """Form (b): the C driver, one block per request as it declares."""
    assert _check(str(c_driver), bound, examples=30) == (None, None)


def test_c_example_driver_declares_one_block() -> None:
    text = (ROOT / "examples" / "c-driver" / "driver.c").read_text()
    assert 'say("OK counts=0x1")' in text
    assert parse_declaration("counts=0x1") == Declaration(counts=(1,))


# --- form (b) in Python; a driver process that fails ----------------------------------

def test_form_b_runs_a_python_program() -> None:
    assert _check(f"{WIRE_DRIVER} duckybio.driver:reference", 2, examples=4) == (
        None, None)


def test_form_b_buggy_program_is_caught() -> None:
    inst = Instance(ram_size=0x4000, mmio_base=0x2000, storages=())
    step = DriveStep(op="read", sid=1, block=0, count=1, addr=0, mode="dma")
    scenario = Scenario(instance=inst, steps=(step,))
    outcome = run_scenario(resolve_driver(f"{WIRE_DRIVER} buggy_drivers:ignores_err"),
                           scenario, 0)
    assert outcome.broken is not None and outcome.broken.rule == "D-2"
    assert outcome.log[0] == "> request read 0x1 0x0 0x1 0x0 dma"
    assert outcome.log[-2] == "< done ok"


def test_form_b_handshake_checks_the_version() -> None:
    with pytest.raises(DriverFailed, match="expected duckybio-drive/1"):
        resolve_driver(f"{FAULTY} bad-version")


@pytest.mark.parametrize(("flaw", "message"), [
    ("crash", "driver exited with status 1"),
    ("garbage", "unknown command 'hello'"),
    ("silent", "did not answer"),
])
def test_a_failing_driver_process_stops_the_run(flaw: str, message: str) -> None:
    spec = resolve_driver(f"{FAULTY} {flaw}", timeout=2.0)
    report = run_drive(DriveConfig(spec, examples=5))
    assert report.exit_code == 3
    assert report.broken is not None and message in report.broken
    assert "target" not in report.broken and "while answering" not in report.broken


def test_driver_failures_name_the_driver() -> None:
    with pytest.raises(DriverFailed) as info:
        resolve_driver("/nonexistent/duckybio-driver")
    assert str(info.value) == (
        "cannot start driver /nonexistent/duckybio-driver: No such file or directory")
    with pytest.raises(DriverFailed) as info:
        resolve_driver(f"{FAULTY} bad-version")
    assert str(info.value).startswith("driver speaks ")


def test_a_form_a_driver_that_raises_failed() -> None:
    spec = resolve_driver("buggy_drivers:raises")
    report = run_drive(DriveConfig(spec, examples=5))
    assert report.exit_code == 3
    assert report.broken == "the driver raised RuntimeError: out of memory"


def test_unmarked_callable_is_refused() -> None:
    with pytest.raises(DriverSpecError, match="not marked"):
        resolve_driver("buggy_drivers:_drive")


# --- scenarios and the declaration ----------------------------------------------------

def test_scenarios_stay_within_the_declaration() -> None:
    report = run_drive(DriveConfig(resolve_driver("buggy_drivers:narrow"), busy_bound=2,
                                   examples=60))
    assert report.exit_code == 0, report.failure or report.broken


def test_validity_of_requests() -> None:
    inst = Instance(ram_size=0x4000, mmio_base=0x2000,
                    storages=(StorageShape(sid=1, size=0x800),))
    assert why_invalid(inst, Request("read", 1, 1, 1, 0x1000, "dma")) is None
    assert why_invalid(inst, Request("read", 2, 0, 1, 0x1000, "dma")) == (
        "storage 0x2 is not attached")
    assert "past the end" in str(why_invalid(inst, Request("write", 1, 2, 1, 0, "pio")))
    assert "not RAM" in str(why_invalid(inst, Request("read", 1, 0, 1, 0x1d00, "dma")))
    assert why_invalid(inst, Request("read", 1, 0, 1, 0x1d00, "pio")) is None
    assert "not RAM" in str(why_invalid(inst, Request("write", 1, 0, 1, 0x3c01, "pio")))
    assert why_invalid(inst, Request("read", 1, 2, 0, 0xFFFFFFFF, "dma")) is None


def test_a_scenario_runs_its_preludes_and_latencies() -> None:
    inst = Instance(ram_size=0x4000, mmio_base=0x2000,
                    storages=(StorageShape(sid=1, size=0x800),))
    steps = tuple(DriveStep(prelude=p, op="read", sid=1, block=0, count=1, addr=0x1000, mode="pio")
                  for p in ("err", "dma", "half", "failed"))
    scenario = Scenario(instance=inst, steps=steps, latencies=(3, 0))
    outcome = run_scenario(resolve_driver("duckybio.driver:reference"), scenario, 3)
    assert outcome.broken is None and outcome.requests == 4
    assert sum("clock_step" in line for line in outcome.log) >= 3
    forgets = run_scenario(resolve_driver("buggy_drivers:forgets_srst"), scenario, 3)
    assert forgets.broken is not None and forgets.broken.rule == "D-6"


def test_the_budget_counts_the_latencies_the_device_shows_not_the_bound() -> None:
    """D-1 does not depend on the declared bound, which a driver is not told."""
    inst = Instance(ram_size=0x4000, mmio_base=0x2000,
                    storages=(StorageShape(sid=1, size=0x800),))
    request = Request("read", 1, 0, 1, 0x1000, "dma")
    scenario = Scenario(instance=inst, steps=(DriveStep(op="read", sid=1, block=0, count=1,
                                                   addr=0x1000, mode="dma"),),
                        latencies=(2, 0))
    budgets = []
    for bound in (2, 50):
        bus = CheckedBus(scenario, bound)
        bus.begin(request)
        budgets.append(bus.budget)
        bus.release()
    assert budgets == [access_budget(request, 2)] * 2
    assert access_budget(request, 2) < access_budget(request, 50)
    for bound in (2, 50):
        outcome = run_scenario(resolve_driver("duckybio.driver:reference"), scenario,
                               bound)
        assert outcome.broken is None, bound
    spins = run_scenario(resolve_driver("buggy_drivers:polls_rdy_only"), Scenario(
        instance=inst, steps=(DriveStep(op="read", sid=2, block=0, count=1, addr=0x1000,
                                   mode="dma"),), latencies=(2, 0)), 50)
    assert spins.broken is not None and spins.broken.rule == "D-1"


# --- the protocol's lines --------------------------------------------------------------

def test_request_lines_round_trip() -> None:
    request = Request("write", 0xFFFFFFFF, 3, 0, 0x2100, "pio")
    assert request.line() == "request write 0xffffffff 0x3 0x0 0x2100 pio"
    assert parse_request(request.line()) == request
    for bad in ("request read 1 2 3 4", "request move 1 2 3 4 dma", "done ok",
                "request read 1 2 3 4 mmio"):
        with pytest.raises(WireError):
            parse_request(bad)


def test_done_lines_round_trip() -> None:
    for outcome in (True, False, b"\x01\x02"):
        assert parse_done(format_done(outcome)) == outcome
    assert format_done(b"") == "done ok 0x"
    for bad in ("done", "done maybe", "done ok 0xz", "finished ok"):
        with pytest.raises(WireError):
            parse_done(bad)


def test_declarations_round_trip() -> None:
    full = Declaration(ops=("read",), modes=("dma",), sids=(1,), counts=(1, 2),
                       window=(0x1000, 0x3000))
    assert full.token() == "ops=read;modes=dma;sids=0x1;counts=0x1,0x2;window=0x1000-0x3000"
    assert parse_declaration(full.token()) == full
    assert parse_declaration(None) == parse_declaration("any") == Declaration()
    assert Declaration().token() == "any"
    for bad in ("ops=erase", "modes=", "sids=1;sids=2", "color=red", "window=5",
                "window=0x3000-0x1000", "counts"):
        with pytest.raises(WireError):
            parse_declaration(bad)
