"""Where a budgeted run's time goes: budget overrun and the search's own overhead.

    .venv/bin/python bench/search_overhead.py COMPETITION_DIR --budget 120 [--workers 1]

Runs ``autokaggle run DIR --env current --time-budget B`` and prints: the wall time after the
intake (what the budget covers) and its overrun, the search step's seconds, the seconds spent
inside candidates (their environment check, scripts, scoring and validation), and the rest —
the search's overhead (scheduler, Optuna, rendering, journal, promotion, ensemble weights).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path


def measure(source: Path, budget: float, workers: int) -> dict:
    """One run's time accounting (seconds) from ``status --json``."""
    with tempfile.TemporaryDirectory() as tmp:
        run = [sys.executable, "-m", "autokaggle", "run", str(source), "--env", "current",
               "--json", "-q", "--workdir", tmp, "--time-budget", f"{budget:g}",
               "--workers", str(workers)]
        result = json.loads(subprocess.run(run, capture_output=True, text=True,
                                           check=True).stdout)
        status = json.loads(subprocess.run(
            [sys.executable, "-m", "autokaggle", "status", result["run_id"], "--json",
             "--workdir", tmp], capture_output=True, text=True, check=True).stdout)
    steps = {s["name"]: s["duration_s"] or 0.0 for s in status["steps"]}
    after_data = sum(v for k, v in steps.items() if k != "intake")
    searched = [c for c in status["candidates"] if c["meta"].get("operator")]
    inside = sum(c["duration_s"] or 0.0 for c in searched)
    search = steps.get("search", 0.0)
    return {"budget_s": budget, "after_data_s": round(after_data, 1),
            "overrun_pct": round(max(0.0, after_data - budget) / budget * 100, 1),
            "search_s": round(search, 1), "candidates": len(searched),
            "in_candidates_s": round(inside, 1), "overhead_s": round(search - inside, 1),
            "overhead_pct_of_budget": round((search - inside) / budget * 100, 1),
            "cv": result.get("cv_score")}


def main() -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("source", type=Path)
    parser.add_argument("--budget", type=float, default=120.0)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    print(json.dumps(measure(args.source, args.budget, args.workers), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
