"""Check a driver: run it on generated scenarios and return what happened, as a value.

:func:`run_scenario` runs one :class:`~._scenario.Scenario`: before each
request its prelude, then the driver, then the checks of the request's end
(D-1 budget, D-2 outcome, D-3 data; the bus checks the others as they
happen).  :func:`run_drive` lets Hypothesis generate scenarios within the
driver's declaration, shrinks the first one that breaks a rule to a minimal
scenario and returns a :class:`DriveReport` (SPEC section 16).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from hypothesis import Phase, given, seed
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..kit.engine import Shrinker, greedy, quiet, search_settings
from ..spec.drive import Request
from ..spec.regmap import BLOCK_SIZE, WORD_SIZE, Flag, Reg
from ._bus import BudgetSpent, CheckedBus, RuleBroken
from ._forms import DriverFailed, DriverSpec
from ._scenario import MAX_BUSY_BOUND, Prelude, Scenario, scenarios, why_invalid

__all__ = ["DriveConfig", "DriveReport", "DriveTrace", "ScenarioOutcome", "minimize",
           "replay", "run_drive", "run_scenario"]

#: The storage id a prelude selects to set ERR (never attached by a scenario).
_UNKNOWN_SID = 0xDEAD


@dataclass(frozen=True, slots=True)
class ScenarioOutcome:
    """One scenario's run: the requests done, the access log, and the rule broken (if any)."""

    requests: int
    log: list[str]
    broken: RuleBroken | None = None


class DriveTrace(BaseModel):
    """A saved counterexample: the driver, the bound, the broken rule, the minimal scenario.

    ``log`` is the driver's access log (every line exchanged, with the
    device's answers).  ``duckybio drive --driver D --replay FILE`` runs the
    scenario again.
    """

    model_config = ConfigDict(extra="forbid")

    driver: str
    busy_bound: int = Field(ge=0, le=MAX_BUSY_BOUND)
    rule: str | None
    failure: str
    scenario: Scenario
    log: list[str]

    @model_validator(mode="after")
    def _within_bound(self) -> DriveTrace:
        if max(self.scenario.latencies) > self.busy_bound:
            raise ValueError(f"a latency of {max(self.scenario.latencies)} exceeds the busy "
                             f"bound {self.busy_bound}")
        return self


class DriveReport(BaseModel):
    """The outcome of checking one driver.

    ``scenarios`` and ``requests`` count what ran (shrinking included);
    ``seconds_to_failure``: from the start to the first scenario that broke a
    rule; ``scenario_size``: :meth:`Scenario.size` of the minimal one.
    """

    model_config = ConfigDict(extra="forbid")

    driver: str
    passed: bool
    busy_bound: int
    scenarios: int
    requests: int
    seed: int
    seconds: float
    rule: str | None = None
    failure: str | None = None
    broken: str | None = None
    seconds_to_failure: float | None = None
    scenario: Scenario | None = None
    scenario_size: int | None = None
    log: list[str] = []

    @property
    def exit_code(self) -> int:
        """0 the driver passed, 1 it broke a rule, 3 the driver itself failed."""
        if self.broken is not None:
            return 3
        return 0 if self.passed else 1

    def trace(self) -> DriveTrace:
        """The counterexample, for saving (only after a broken rule)."""
        assert self.scenario is not None and self.failure is not None
        return DriveTrace(driver=self.driver, busy_bound=self.busy_bound, rule=self.rule,
                          failure=self.failure, scenario=self.scenario, log=self.log)


@dataclass(frozen=True, slots=True)
class DriveConfig:
    """What one driver check is given: the driver, the bound, the budget, the seed."""

    driver: DriverSpec
    busy_bound: int = 0
    examples: int = 100
    seed: int = 0
    max_requests: int = 5
    on_progress: Callable[[int], None] | None = None


# --- one scenario -------------------------------------------------------------------

def _wait(bus: CheckedBus) -> None:
    """Step the clock until the device is idle (the scenario bounds every latency)."""
    while bus.harness.busy:
        bus.clock_step()


def _prelude(bus: CheckedBus, prelude: Prelude) -> None:
    """Put the device into the state ``prelude`` names (accesses of duckybio, not the driver's)."""
    base = bus.mmio_base
    if prelude == "err":
        _wait(bus)
        bus.writel(base + Reg.SID, _UNKNOWN_SID)
    elif prelude == "dma":
        bus.writel(base + Reg.STATUS, Flag.DMA)
    elif prelude == "failed":
        _wait(bus)
        bus.writel(base + Reg.STATUS, Flag.SRST | Flag.READ)
    elif prelude == "half":
        full = [s for s in bus.instance.storages if s.size >= BLOCK_SIZE]
        if not full:
            return
        _wait(bus)
        for reg, value in ((Reg.STATUS, Flag.SRST), (Reg.SID, full[0].sid), (Reg.BLOCK, 0),
                           (Reg.COUNT, 1), (Reg.STATUS, Flag.READ)):
            bus.writel(base + reg, value)
        _wait(bus)
        for _ in range(3):
            bus.readl(base + Reg.DATA)


def _check_end(bus: CheckedBus, request: Request, outcome: bool | bytes,
               ram_before: bytes) -> None:
    """D-2 (the outcome) and D-3 (the data) at the end of ``request``."""
    reason = why_invalid(bus.instance, request)
    succeeded = outcome is not False
    if succeeded and reason is not None:
        raise RuleBroken("D-2", f"reported success, but the request cannot succeed: {reason}")
    if not succeeded and reason is None:
        raise RuleBroken("D-2", "reported failure for a request that succeeds")
    if not succeeded:
        return
    state = bus.harness.model.state
    storage = state.storage(request.sid) or b""
    start, length = request.block * BLOCK_SIZE, request.count * BLOCK_SIZE
    blocks = storage[start:start + length]
    if isinstance(outcome, bytes) and (request.op, request.mode) != ("read", "pio"):
        raise RuleBroken("D-3", f"returned {len(outcome)} bytes for a {request.mode} "
                                f"{request.op}: only a PIO read returns its blocks (a DMA read "
                                f"puts them into RAM at {request.addr:#x})")
    if request.op == "write":
        if blocks != ram_before:
            raise RuleBroken("D-3", f"reported a successful write, but the storage does not "
                                    f"hold the {length} bytes from RAM at {request.addr:#x}"
                                    f"{_first_difference(ram_before, blocks)}")
        return
    if isinstance(outcome, bytes):
        if outcome != blocks:
            raise RuleBroken("D-3", f"returned {len(outcome)} bytes that are not the "
                                    f"{length} bytes read{_first_difference(blocks, outcome)}")
        return
    ram = state.ram[request.addr:request.addr + length]
    if ram != blocks:
        raise RuleBroken("D-3", f"reported a successful read, but RAM at {request.addr:#x} "
                                f"does not hold the blocks{_first_difference(blocks, ram)}")


def _first_difference(expected: bytes, observed: bytes) -> str:
    if len(expected) != len(observed):
        return f" ({len(observed)} bytes instead of {len(expected)})"
    at = next((i for i, (a, b) in enumerate(zip(expected, observed, strict=True)) if a != b), 0)
    at -= at % WORD_SIZE
    return (f" (first difference at byte {at:#x}: expected "
            f"{expected[at:at + WORD_SIZE].hex()}, got {observed[at:at + WORD_SIZE].hex()})")


def run_scenario(spec: DriverSpec, scenario: Scenario, busy_bound: int) -> ScenarioOutcome:
    """Run ``scenario`` with a fresh driver and device.

    A broken rule is returned in the outcome; a driver that fails by itself
    raises :class:`DriverFailed`.
    """
    bus = CheckedBus(scenario, busy_bound)
    driver = spec.factory()
    done = 0
    try:
        driver.start(bus)
        for step in scenario.steps:
            bus.begin(None)
            if step.prelude != "none":
                bus.note(f"(duckybio first: prelude {step.prelude})")
            _prelude(bus, step.prelude)
            request = step.request
            length = request.count * BLOCK_SIZE
            state = bus.harness.model.state
            ram_before = state.ram[request.addr:request.addr + length]
            bus.begin(request)
            try:
                outcome = driver.request(bus, request)
            except BudgetSpent:
                raise bus.broke("D-1", f"no end after {bus.budget} accesses "
                                         "(the device completes every command within "
                                         f"{busy_bound} clock steps)") from None
            except (RuleBroken, DriverFailed):
                raise
            except Exception as exc:  # a driver of form (a) raised: the driver failed
                if bus.broken is not None:
                    raise bus.broken from None
                raise DriverFailed(f"the driver raised {type(exc).__name__}: {exc}") from None
            if bus.broken is not None:
                raise bus.broken
            bus.begin(None)
            done += 1
            _check_end(bus, request, outcome, ram_before)
    except RuleBroken as exc:
        if bus.broken is None:
            bus.log.append(f"  !! {exc}")
        return ScenarioOutcome(done, bus.log, exc)
    finally:
        driver.close()
        bus.release()
    return ScenarioOutcome(done, bus.log)


# --- the search ----------------------------------------------------------------------

class _Stop(BaseException):
    """The driver failed by itself: stop at once, nothing to shrink."""

    def __init__(self, error: DriverFailed, log: list[str]) -> None:
        super().__init__(str(error))
        self.log = log


def run_drive(config: DriveConfig) -> DriveReport:
    """Check ``config.driver`` on generated scenarios; never raises on a broken rule."""
    spec = config.driver
    counts = {"scenarios": 0, "requests": 0}
    found: list[tuple[Scenario, ScenarioOutcome]] = []
    started = time.perf_counter()
    first: list[float] = []

    @seed(config.seed)
    @search_settings(config.examples, phases=(Phase.generate, Phase.shrink))
    @given(scenarios(spec.declaration, config.busy_bound, config.max_requests))
    def check(scenario: Scenario) -> None:
        counts["scenarios"] += 1
        if config.on_progress is not None:
            config.on_progress(counts["scenarios"])
        try:
            outcome = run_scenario(spec, scenario, config.busy_bound)
        except DriverFailed as exc:
            raise _Stop(exc, []) from None
        counts["requests"] += outcome.requests
        if outcome.broken is not None:
            if not first:
                first.append(time.perf_counter() - started)
            found.append((scenario, outcome))
            # One origin for every broken rule, so that shrinking may cross between them.
            raise AssertionError(str(outcome.broken))

    broken: str | None = None
    try:
        with quiet():
            check()
    except _Stop as exc:
        broken = str(exc)
    except AssertionError:
        pass
    elapsed = time.perf_counter() - started
    report = DriveReport(driver=spec.description, passed=not found and broken is None,
                         busy_bound=config.busy_bound, scenarios=counts["scenarios"],
                         requests=counts["requests"], seed=config.seed,
                         seconds=round(elapsed, 3), broken=broken)
    if found and broken is None:
        scenario, outcome = min(found, key=lambda item: (item[0].size(), len(item[1].log)))
        try:
            scenario, outcome = minimize(spec, scenario, outcome, config.busy_bound)
        except DriverFailed as exc:
            broken = str(exc)
        assert outcome.broken is not None
        elapsed = time.perf_counter() - started
        report = report.model_copy(update={
            "rule": outcome.broken.rule, "failure": str(outcome.broken),
            "seconds_to_failure": round(first[0], 3), "scenario": scenario,
            "scenario_size": scenario.size(), "log": outcome.log,
            "seconds": round(elapsed, 3), "broken": broken})
    return report


def _smaller(scenario: Scenario) -> Iterator[Scenario]:
    """Scenarios one step smaller: a request, a prelude, a latency less, plainer contents.

    Every candidate is smaller in some part and no larger in the others, so
    a greedy descent over them ends.
    """
    steps, latencies = scenario.steps, scenario.latencies
    for i in range(len(steps)):
        if len(steps) > 1:
            yield scenario.model_copy(update={"steps": steps[:i] + steps[i + 1:]})
    for i, step in enumerate(steps):
        if step.prelude != "none":
            quiet = step.model_copy(update={"prelude": "none"})
            yield scenario.model_copy(update={"steps": (*steps[:i], quiet, *steps[i + 1:])})
    if scenario.contents:
        yield scenario.model_copy(update={"contents": 0})
    if len(latencies) > 1:  # one latency for every command, so requests can go
        for latency in sorted(set(latencies)):
            yield scenario.model_copy(update={"latencies": (latency,)})
    for i, latency in enumerate(latencies):
        if len(latencies) > 1:
            yield scenario.model_copy(update={"latencies": latencies[:i] + latencies[i + 1:]})
        if latency:
            less = (*latencies[:i], latency - 1, *latencies[i + 1:])
            yield scenario.model_copy(update={"latencies": less})


def minimize(spec: DriverSpec, scenario: Scenario, outcome: ScenarioOutcome,
             busy_bound: int) -> tuple[Scenario, ScenarioOutcome]:
    """Shrink a failing scenario further, one step at a time, while some rule stays broken.

    Hypothesis's shrinking works on the choices that generated the scenario;
    this pass works on the scenario itself (fewer requests, no prelude, lower
    latencies), so the result is minimal in the terms :meth:`Scenario.size`
    counts.  It is a pass of the kit's shrinker (:mod:`duckybio.kit._shrinker`).
    """
    def test(candidate: Scenario) -> ScenarioOutcome | None:
        result = run_scenario(spec, candidate, busy_bound)
        return result if result.broken is not None else None

    shrinker = Shrinker(test, scenario, outcome).run([greedy("smaller scenario", _smaller)])
    return shrinker.best, shrinker.result


def replay(spec: DriverSpec, trace: DriveTrace) -> DriveReport:
    """Run the scenario of ``trace`` once more on ``spec``'s driver."""
    started = time.perf_counter()
    try:
        outcome = run_scenario(spec, trace.scenario, trace.busy_bound)
    except DriverFailed as exc:
        return DriveReport(driver=spec.description, passed=False, busy_bound=trace.busy_bound,
                           scenarios=1, requests=0, seed=0,
                           seconds=round(time.perf_counter() - started, 3), broken=str(exc))
    error = outcome.broken
    return DriveReport(
        driver=spec.description, passed=error is None, busy_bound=trace.busy_bound,
        scenarios=1, requests=outcome.requests, seed=0,
        seconds=round(time.perf_counter() - started, 3),
        rule=None if error is None else error.rule,
        failure=None if error is None else str(error),
        scenario=trace.scenario, scenario_size=trace.scenario.size(), log=outcome.log)
