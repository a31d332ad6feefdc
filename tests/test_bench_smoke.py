"""The benchmarks run: each in its quick mode, in a fresh interpreter, exits 0.

Only that they run and check their own results (the DMA read moves the right
bytes); how fast is for the full runs (``--check``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.mark.parametrize("script", ["lockstep_overhead.py", "dma_read.py", "wire_memory.py",
                                    "durability.py", "blackbox.py", "explore_speed.py",
                                    "planted_defects.py", "workers_speed.py",
                                    "corpus.py"])
def test_the_benchmark_runs_in_quick_mode(script: str) -> None:
    done = subprocess.run([sys.executable, str(BENCH / script), "--quick"], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "ratio" in done.stdout


def test_the_wire_path_stays_within_its_memory_bars() -> None:
    """Memory is counted, not timed (tracemalloc), so the quick run also checks the bars:
    the command parser and the client each need a few bytes a data byte."""
    done = subprocess.run([sys.executable, str(BENCH / "wire_memory.py"), "--quick", "--check"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_kill_test_runs_in_quick_mode() -> None:
    """The short kill test (SPEC section 17): SIGKILLs, no torn block, no broken promise."""
    done = subprocess.run([sys.executable, str(BENCH / "kill_test.py"), "--quick"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "kills: 10 " in done.stdout
    assert "torn blocks: 0\n" in done.stdout and "broken promises: 0\n" in done.stdout


@pytest.mark.parametrize(("script", "figure"), [
    ("fuzz_wire.py", "tracebacks: 0\n"), ("fuzz_device.py", "mismatches with the model: 0\n"),
    ("fuzz_inputs.py", "leftover processes: 0\ntracebacks: 0 (all)\n")])
def test_the_fuzz_campaign_runs_in_quick_mode(script: str, figure: str) -> None:
    """The short fuzz campaigns: thousands of hostile lines or operations, nothing breaks."""
    done = subprocess.run([sys.executable, str(BENCH / script), "--quick"], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert figure in done.stdout


def test_the_mutation_run_scores_each_file_in_quick_mode() -> None:
    """mutmut through the duckybio/ links: a seeded sample of two mutants, scored per file."""
    done = subprocess.run([sys.executable, str(BENCH / "mutation_score.py"), "--quick"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "impl/_bio.py: 2 sampled of " in done.stdout
    assert "ratio killed" in done.stdout
