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


@pytest.mark.parametrize("script", ["lockstep_overhead.py", "dma_read.py", "blackbox.py",
                                    "explore_speed.py", "planted_defects.py"])
def test_the_benchmark_runs_in_quick_mode(script: str) -> None:
    done = subprocess.run([sys.executable, str(BENCH / script), "--quick"], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "ratio" in done.stdout
