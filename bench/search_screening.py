"""Screening before full CV, measured: candidates made, screened out, promoted, held-out score.

    .venv/bin/python bench/search_screening.py --budget 120 --only playground-series-s4e2 \
        [--src OTHER_CHECKOUT/src]

The split protocol of ``bench/baseline.py`` (seeded 80/20 of train.csv, the 20% hidden and
scored with the competition's metric). ``--src`` runs another checkout's code (e.g. main before
screening, exported with ``git archive``) with this interpreter, for a before/after comparison on
the same split. Prints one JSON line per competition, with the load average at start and end.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from baseline import score_submission, truth_values
from competitions import EXPECTED, Expected, shared_competitions
from split import make_split

from autokaggle.evaluate.scorers import get_scorer


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "autokaggle", *args], capture_output=True,
                          text=True, env=env)


def bench_one(src: Path, exp: Expected, budget: float, code: Path | None) -> dict:
    """Split, run autokaggle with the budget, count its candidates, score the hidden 20%."""
    env = dict(os.environ)
    if code is not None:
        env["PYTHONPATH"] = str(code)
    with tempfile.TemporaryDirectory() as tmp:
        split_dir = Path(tmp) / exp.slug
        truth = make_split(src, exp, split_dir)
        labels = pd.read_csv(split_dir / "train.csv", dtype=str)[exp.targets[0]]
        classes = sorted(labels.unique()) if exp.task != "regression" else []
        load = os.getloadavg()[0]
        start = time.perf_counter()
        run = _cli(["run", str(split_dir), "--env", "current", "--json", "-q", "--workdir",
                    str(Path(tmp) / "work"), "--time-budget", f"{budget:g}"], env)
        wall = time.perf_counter() - start
        result = json.loads(run.stdout) if run.stdout.strip() else {"status": "failed"}
        status = json.loads(_cli(["status", result.get("run_id", ""), "--json", "--workdir",
                                  str(Path(tmp) / "work")], env).stdout or "{}")
        cands = [c for c in status.get("candidates", []) if c["origin"] != "ensemble"]
        holdout = score_submission(result, truth, exp, classes, get_scorer(exp.metric),
                                   truth_values(truth, exp))
    looked = [c for c in cands if (c.get("meta") or {}).get("screen")]
    return {"slug": exp.slug, "code": str(code or "this checkout"), "budget": budget,
            "candidates": len(cands), "valid": sum(c["status"] == "valid" for c in cands),
            "screened_out": sum(c["status"] == "screened" for c in cands),
            "promoted": sum(c["status"] == "valid" for c in looked),
            "tuning": sum((c.get("meta") or {}).get("operator") == "tune" for c in cands),
            "seconds_in_candidates": round(sum(c["duration_s"] or 0.0 for c in cands), 1),
            "holdout": holdout, "cv": result.get("cv_score"), "wall_s": round(wall, 1),
            "load_start": round(load, 2), "load_end": round(os.getloadavg()[0], 2),
            "board": [[c["label"], c["status"], c["cv_mean"], c["duration_s"]] for c in cands]}


def main() -> int:
    """Run the chosen competitions and print one JSON line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=120.0)
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--src", type=Path, default=None, help="another checkout's src/")
    args = parser.parse_args()
    root = shared_competitions()
    if root is None:
        print("no shared competitions folder", file=sys.stderr)
        return 1
    for exp in EXPECTED:
        if args.only is None or exp.slug in args.only:
            print(json.dumps(bench_one(root / exp.slug, exp, args.budget, args.src)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
