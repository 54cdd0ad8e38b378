"""The baseline's fallback ladder: GPU, then CPU, then the linear template."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import EXAMPLE

from autokaggle.orchestrator.steps.baseline import ladder


def test_ladder_tries_the_gpu_then_the_cpu_then_linear() -> None:
    assert ladder("xgboost", True) == [("xgboost", True), ("xgboost", False), ("linear", False)]
    assert ladder("lightgbm", False) == [("lightgbm", False), ("linear", False)]
    assert ladder("linear", False) == [("linear", False)]


def test_gpu_request_without_gpu_support_still_gives_the_chosen_model(tmp_path: Path) -> None:
    """PyPI's LightGBM has no GPU learner: --gpu must fall back to LightGBM on the CPU."""
    proc = subprocess.run(
        [sys.executable, "-m", "autokaggle", "run", str(EXAMPLE), "--env", "current", "--gpu",
         "--json", "-q", "--workdir", str(tmp_path)],
        capture_output=True, text=True, env=dict(os.environ), timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    summary = json.loads((Path(result["run_dir"]) / "output" / "run_summary.json").read_text())
    assert summary["model"] == "lightgbm"
