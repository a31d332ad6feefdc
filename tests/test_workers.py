"""Campaigns beyond one process: check --workers, and sharded plugin tests under pytest-xdist."""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from planted import StaleReadBuffer

from duckybio.kit._deviations import Deviation
from duckybio.kit._instance import Instance
from duckybio.kit._reference_target import ReferenceTarget
from duckybio.kit._run import CheckConfig, CheckReport, run_check
from duckybio.kit._targets import TargetSpec
from duckybio.kit.workers import SEED_STRIDE, WorkerJob, jobs_for, max_workers, merge

HERE = Path(__file__).parent


def _job(examples: int) -> WorkerJob:
    return WorkerJob(target=None, latency=0, timeout=10.0, reuse=True, busy_bound=None,
                     examples=examples, steps=5, seed=7, instance=Instance(), database=None,
                     shard=(0, 1))


def test_the_budget_is_split_with_disjoint_seeds() -> None:
    jobs = jobs_for(_job(7), 3)
    assert [j.examples for j in jobs] == [3, 2, 2]
    assert [j.seed for j in jobs] == [7, 7 + SEED_STRIDE, 7 + 2 * SEED_STRIDE]
    assert [j.shard for j in jobs] == [(0, 3), (1, 3), (2, 3)]
    assert jobs_for(_job(7), 1)[0] == _job(7)
    assert len(jobs_for(_job(1), 4)) == 1


def test_reports_merge_as_one_run() -> None:
    a = run_check(CheckConfig(target=TargetSpec("ref", ReferenceTarget, in_process_reference=True),
                              examples=2, steps=5, shard=(0, 2)))
    b = run_check(CheckConfig(target=TargetSpec("ref", ReferenceTarget, in_process_reference=True),
                              examples=2, steps=5, seed=SEED_STRIDE, shard=(1, 2)))
    merged = merge([a, b], seed=0)
    assert merged.conforms and merged.examples == a.examples + b.examples
    assert merged.pair_coverage is not None and a.pair_coverage is not None
    assert merged.pair_coverage.covered >= a.pair_coverage.covered
    assert merged.pair_coverage.percentage == 100.0  # the shards of the tour add up
    bad = run_check(CheckConfig(target=TargetSpec("stale", StaleReadBuffer), examples=2))
    failed = merge([a, bad], seed=0)
    assert not failed.conforms and failed.failure == bad.failure
    assert failed.first_failure == a.examples + (bad.first_failure or 0)


def test_merged_deviations_fold_by_erratum_and_list_new_ones_first() -> None:
    """Workers' deviations merge as one run's do: each signature once with everyone's
    occurrences and consequences, those of one erratum folded into one, known ones last."""
    def report(*deviations: Deviation) -> CheckReport:
        return CheckReport(target="t", conforms=False, examples=1, steps=1, seed=0,
                           seconds=0.1, transitions=[], deviations=list(deviations))

    known = Deviation(signature="k: answer", failure="f", status="known", reason="r")
    e4 = Deviation(signature="a: answer", failure="f", erratum="E4", consequences=["c1"])
    also_e4 = Deviation(signature="b: answer", failure="f", erratum="E4")
    again = e4.model_copy(update={"occurrences": 2, "consequences": ["c1", "c2"]})
    merged = merge([report(known, e4), report(also_e4, again)], seed=0).deviations
    assert [d.signature for d in merged] == ["a: answer", "k: answer"]
    assert merged[0].occurrences == 4 and merged[0].consequences == ["c1", "c2", "b: answer"]


def test_check_workers_reports_one_run() -> None:
    done = subprocess.run([sys.executable, "-m", "duckybio", "check", "--workers", "2",
                           "--examples", "4", "--steps", "5", "--quiet"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "CONFORMS" in done.stdout
    assert "pair coverage:        2294/2294" in done.stdout


def test_workers_keep_going_list_each_deviation_once_and_honour_an_allow_file(
        tmp_path: Path) -> None:
    """Keeping going in two workers on the all-errata double: every signature once, with
    the occurrences of both; the allow file written from it makes a second run pass."""
    allow, report = tmp_path / "allow.json", tmp_path / "report.json"
    common = [sys.executable, "-m", "duckybio", "check", "--workers", "2", "--keep-going",
              "--latency", "1", "--target", "errata_double:every", "--examples", "20",
              "--quiet", "--out", str(tmp_path / "out")]
    done = subprocess.run([*common, "--write-allow", str(allow), "--json", str(report)],
                          capture_output=True, text=True, timeout=600, cwd=HERE)
    assert done.returncode == 1, done.stderr
    found = CheckReport.model_validate_json(report.read_text())
    signatures = [d.signature for d in found.deviations]
    assert len(signatures) == len(set(signatures)) >= 10
    assert all(d.folder and d.occurrences >= 1 for d in found.deviations)
    again = subprocess.run([*common, "--allow", str(allow)], capture_output=True, text=True,
                           timeout=600, cwd=HERE)
    assert again.returncode == 0, again.stdout[-2000:]
    assert "0 new, " in again.stdout and "0 fixed" in again.stdout


def test_a_failure_saved_by_one_shard_is_replayed_first_by_another(tmp_path: Path) -> None:
    db = tmp_path / "db"
    spec = TargetSpec("stale", StaleReadBuffer)
    first = run_check(CheckConfig(target=spec, seed=1, database=str(db), systematic=False))
    assert not first.conforms
    again: CheckReport = run_check(CheckConfig(target=spec, seed=1 + SEED_STRIDE, database=str(db),
                                               systematic=False, minimize=False))
    assert not again.conforms and again.first_failure == 1


def test_a_short_campaign_runs_under_pytest_xdist(tmp_path: Path) -> None:
    shutil.copy(HERE / "planted.py", tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-n", "2",
         "--duckybio-target", "planted:StaleReadBuffer", "--duckybio-shards", "2",
         "--duckybio-examples", "5", "--duckybio-steps", "5",
         "--duckybio-database", str(tmp_path / "db")],
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout[-2000:]
    assert "2 failed" in done.stdout
    assert "duckybio-conformance[0]" in done.stdout and "duckybio-conformance[1]" in done.stdout


# --- robustness: death, signals, the parent's death, the count ------------------------------

SLOW = [sys.executable, "-m", "duckybio", "check", "--workers", "2", "--examples", "100000",
        "--quiet", "--out"]


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux ``/proc``)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                stat = Path(f"/proc/{entry}/stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _workers_of(proc: subprocess.Popen[str]) -> list[int]:
    """The two workers of ``proc``, once both have started."""
    while True:
        found = _children(proc.pid)
        if len(found) >= 2 or proc.poll() is not None:
            return found
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=0.05)


def test_a_killed_worker_ends_the_run_with_one_line_and_exit_3(tmp_path: Path) -> None:
    proc = subprocess.Popen([*SLOW, str(tmp_path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=HERE)
    workers = _workers_of(proc)
    assert len(workers) == 2, proc.communicate()
    os.kill(workers[1], signal.SIGKILL)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 3, err
    assert err.count("\n") == 1 and "was killed by SIGKILL before its report" in err, err
    assert "Traceback" not in err + out
    assert not any(_alive(pid) for pid in workers)


def test_sigterm_ends_the_workers_and_exits_143(tmp_path: Path) -> None:
    proc = subprocess.Popen([*SLOW, str(tmp_path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=HERE)
    workers = _workers_of(proc)
    assert len(workers) == 2, proc.communicate()
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    assert "Traceback" not in err + out and "terminated" in err
    assert not any(_alive(pid) for pid in workers)


def test_workers_end_when_their_parent_is_killed(tmp_path: Path) -> None:
    """SIGKILL leaves the parent no chance: the kernel ends each worker, whose target
    (a served command) reads end of file and ends too."""
    serve = shlex.join([sys.executable, "-m", "duckybio", "serve"])
    proc = subprocess.Popen([*SLOW, str(tmp_path), "--target", serve],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=HERE)
    workers = _workers_of(proc)  # type: ignore[arg-type]
    assert len(workers) == 2
    targets: list[int] = []
    while len(targets) < 2 and proc.poll() is None:
        targets = [t for w in workers for t in _children(w)]
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=0.05)
    proc.kill()
    proc.wait()
    for _ in range(600):  # the kernel's signal and the end of file take a moment
        if not any(_alive(pid) for pid in [*workers, *targets]):
            break
        time.sleep(0.05)
    assert targets and not any(_alive(pid) for pid in [*workers, *targets])


@pytest.mark.parametrize("count", ["1000", "99999999999999999999", str(max_workers() + 1)])
def test_more_workers_than_processors_is_refused_at_once(count: str) -> None:
    done = subprocess.run([sys.executable, "-m", "duckybio", "check", "--workers", count],
                          capture_output=True, text=True, timeout=120, cwd=HERE)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and f"--workers {count}: from 1 to" in done.stderr
