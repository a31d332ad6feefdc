"""``duckybio drive``: check a driver against the most adversarial conforming device.

Exit codes (as for ``check``): 0 the driver keeps every driver rule, 1 it
broke one (with the minimal scenario and the driver's access log), 2 usage or
configuration error, 3 the driver itself failed (raised, crashed, hung, broke
the protocol).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..driver import (
    MAX_BUSY_BOUND,
    PRELUDE_MEANING,
    DriveConfig,
    DriveReport,
    DriverFailed,
    DriverSpecError,
    DriveTrace,
    replay,
    resolve_driver,
    run_drive,
)
from ..kit.errors import InputError
from ..kit.reports import Case, dump_json, load_json, render_junit
from .options import at_most, check_outputs, integer, positive, seconds, write_text


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "drive", help="check a driver against the device, under generated scenarios",
        description="Run a driver against the reference implementation, checked against the "
                    "model, under generated scenarios (machines, valid and invalid requests, "
                    "latencies up to the busy bound, the state the device is left in) and "
                    "check the driver rules of SPEC section 16. Exit 0 the driver keeps "
                    "them, 1 it broke one, 2 usage error, 3 the driver failed.")
    p.add_argument("--driver", required=True, metavar="DRIVER",
                   help="'module:callable' (a Python driver marked with duckybio.driver.drives) "
                        "or a command line speaking the driver protocol on stdin/stdout")
    p.add_argument("--busy-bound", type=at_most(MAX_BUSY_BOUND), default=0, metavar="N",
                   help="each command stays BUSY for 0 to N clock steps, chosen per command "
                        f"(default 0, at most {MAX_BUSY_BOUND})")
    p.add_argument("--examples", type=positive, default=100,
                   help="number of generated scenarios (default 100)")
    p.add_argument("--seed", type=integer, default=0, help="random seed (default 0: reproducible)")
    p.add_argument("--timeout", type=seconds, default=10.0, metavar="SECONDS",
                   help="limit for every line of an out-of-process driver (default 10)")
    p.add_argument("--replay", type=Path, default=None, metavar="FILE",
                   help="run the scenario of a saved drive-trace.json once instead")
    p.add_argument("--json", type=Path, default=None, metavar="FILE",
                   help="also write the report as JSON")
    p.add_argument("--junit-xml", type=Path, default=None, metavar="FILE",
                   help="also write the result as JUnit XML")
    p.add_argument("--out", type=Path, default=Path("duckybio-counterexample"), metavar="DIR",
                   help="where a counterexample is saved as drive-trace.json and access-log.txt "
                        "(default ./duckybio-counterexample)")


def run(args: argparse.Namespace) -> int:
    if not check_outputs({"--json": args.json, "--junit-xml": args.junit_xml},
                         {"--out": args.out}):
        return 2
    try:
        spec = resolve_driver(args.driver, timeout=args.timeout)
        if args.replay is not None:
            trace = load_json(DriveTrace, args.replay, InputError, "drive trace")
            report = replay(spec, trace)
        else:
            report = run_drive(DriveConfig(spec, busy_bound=args.busy_bound,
                                           examples=args.examples, seed=args.seed))
    except (DriverSpecError, InputError) as exc:
        print(f"duckybio: {exc}", file=sys.stderr)
        return 2
    except DriverFailed as exc:
        print(f"duckybio: the driver failed: {exc}", file=sys.stderr)
        return 3
    print_report(report)
    if report.failure is not None and args.replay is None and not _save(report, args.out):
        return 2
    if args.json is not None and not write_text(args.json,
                                                dump_json(report, 2)):
        return 2
    if args.junit_xml is not None and not write_text(args.junit_xml, junit(report)):
        return 2
    return report.exit_code


def _save(report: DriveReport, out: Path) -> bool:
    trace = report.trace()
    files = {
        out / "drive-trace.json": dump_json(trace, 1),
        out / "access-log.txt": "\n".join(report.log) + "\n",
    }
    for path, text in files.items():
        if not write_text(path, text):
            return False
    print(f"  saved: {out / 'drive-trace.json'} (replay: duckybio drive --driver ... "
          f"--replay {out / 'drive-trace.json'}), {out / 'access-log.txt'}")
    return True


def junit(report: DriveReport) -> str:
    case = Case(name=f"driver rules for {report.driver} (busy bound {report.busy_bound})",
                seconds=report.seconds, failure=report.failure, error=report.broken,
                details="\n".join(report.log))
    return render_junit("duckybio-drive", [case])


def print_report(report: DriveReport) -> None:
    verdict = {0: "KEEPS THE DRIVER RULES", 1: "BREAKS A DRIVER RULE",
               3: "DRIVER FAILED"}[report.exit_code]
    print(f"{report.driver}: {verdict}")
    print(f"  busy bound:           {report.busy_bound}")
    print(f"  scenarios run:        {report.scenarios}")
    print(f"  requests:             {report.requests}")
    print(f"  seed:                 {report.seed}")
    print(f"  time:                 {report.seconds:.1f} s")
    if report.broken is not None:
        print(f"  driver failure:       {report.broken}")
    if report.failure is None or report.scenario is None:
        return
    print(f"  rule broken:          {report.failure}")
    if report.seconds_to_failure is not None:
        print(f"  caught after:         {report.seconds_to_failure:.2f} s")
    scenario = report.scenario
    inst = scenario.instance
    print(f"  minimal scenario (size {report.scenario_size}):")
    storages = ", ".join(f"{s.sid:#x}: {s.size:#x} bytes" for s in inst.storages) or "none"
    print(f"    machine: RAM {inst.ram_size:#x}, MMIO page at {inst.mmio_base:#x}; "
          f"storages {storages}")
    print(f"    latencies: {', '.join(str(n) for n in scenario.latencies)} "
          "(clock steps, per command in turn)")
    for i, step in enumerate(scenario.steps, 1):
        before = "" if step.prelude == "none" else f" (first: {PRELUDE_MEANING[step.prelude]})"
        print(f"    {i}. {step.request.line()}{before}")
    print("  access log ('>' duckybio, '=>' the device's answer):")
    for line in report.log:
        print(f"    {line if len(line) <= 110 else line[:100] + ' ...'}")
