"""Benchmark: autokaggle vs plain LightGBM, FLAML and AutoGluon at the same wall-clock budget.

    .venv/bin/python bench/peers.py --budget 120 [--only SLUG ...] [--peers-python PATH]
        [--systems autokaggle flaml autogluon plain_lgbm] [--seed SPLIT_SEED] [--keep DIR]

The protocol of ../shared/data/README.md: a seeded 80/20 split of each competition's train.csv,
the 20% labels hidden from every system, scored with the competition's metric. Every system gets
the same budget; the table shows the held-out score, the wall time and the overrun (wall time
past the budget, in % of it). FLAML and AutoGluon run with their own interpreter (PEERS_PYTHON or
--peers-python; install bench/requirements-peers.txt there) and are skipped without one. Writes
bench/results/peers-BUDGET.json and prints a markdown table for docs/benchmarks.md. A run adds
to that file: its rows replace earlier ones of the same competition, system and split seed, so a
long benchmark can be measured in parts (peers in one session, autokaggle in another).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from baseline import RESULTS, run_autokaggle, score_submission, truth_values
from competitions import EXPECTED, PUBLIC_TABLES, Expected, shared_competitions
from plain_lgbm import plain_lightgbm
from split import SEED, make_split

from autokaggle.evaluate.scorers import Scorer, get_scorer

PEER_SCRIPT = Path(__file__).parent / "peer_automl.py"
SYSTEMS = ("autokaggle", "plain_lgbm", "flaml", "autogluon")


def run_peer(peer: str, python: str, split: Path, exp: Expected, budget: float,
             out: Path) -> tuple[np.ndarray | None, float]:
    """Run one AutoML peer in its own interpreter; its canonical test predictions and wall time."""
    cmd = [python, str(PEER_SCRIPT), peer, str(split), str(out), "--id", exp.id_column,
           "--target", exp.targets[0], "--task", exp.task, "--metric", exp.metric,
           "--budget", f"{budget:g}"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        print(f"{peer} failed on {exp.slug}:\n{proc.stderr[-2000:]}", file=sys.stderr)
        return None, wall
    return np.load(out), wall


def as_submitted(pred: np.ndarray, scorer: Scorer, task: str) -> np.ndarray:
    """Plain LightGBM's class probabilities as the labels its ``predict`` submits (the most
    probable class) when the metric scores labels, so that our scorer's decoding of
    probabilities (grades by rank for QWK, a threshold for F1) is not lent to it. FLAML and
    AutoGluon return their own predicted labels for those metrics (``peer_automl``)."""
    if scorer.needs != "labels" or task not in ("binary", "multiclass") or pred.ndim != 2:
        return pred
    return np.eye(pred.shape[1])[pred.argmax(axis=1)]


def bench_one(src: Path, exp: Expected, budget: float, systems: list[str],
              peers_python: str | None, seed: int = SEED, keep: Path | None = None) -> list[dict]:
    """Split once, run every system on it, score each on the hidden 20%.

    ``keep``: copy autokaggle's run folder there (without the data) for a later look.
    """
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        split = Path(tmp) / exp.slug
        truth = make_split(src, exp, split, seed)
        labels = pd.read_csv(split / "train.csv", dtype=str)[exp.targets[0]]
        classes = sorted(labels.unique()) if exp.task != "regression" else []
        scorer, y = get_scorer(exp.metric), truth_values(truth, exp)
        for system in systems:
            score, wall = None, 0.0
            if system == "autokaggle":
                result, wall = run_autokaggle(split, Path(tmp) / "work", "current", budget)
                score = score_submission(result, truth, exp, classes, scorer, y)
                if keep is not None and result.get("run_dir"):
                    run_dir = Path(result["run_dir"])
                    shutil.copytree(run_dir, keep / run_dir.name, symlinks=True,
                                    ignore=lambda d, names: ["data"] if d.endswith("input")
                                    else [n for n in names if n.endswith(".pkl")])
            elif system == "plain_lgbm":
                start = time.perf_counter()
                pred = plain_lightgbm(split, exp)
                wall = time.perf_counter() - start
                score = scorer.score(y, as_submitted(pred, scorer, exp.task), classes or None)
            elif peers_python:
                pred, wall = run_peer(system, peers_python, split, exp, budget,
                                      Path(tmp) / f"{system}.npy")
                score = None if pred is None else scorer.score(y, pred, classes or None)
            else:
                continue
            rows.append({"slug": exp.slug, "seed": seed, "metric": exp.metric, "system": system,
                         "greater_is_better": scorer.greater_is_better, "holdout": score,
                         "wall_s": round(wall, 1), "budget_s": budget,
                         "overrun_pct": round(max(0.0, wall - budget) / budget * 100, 1)
                         if budget else None})
    return rows


def print_table(rows: list[dict], systems: list[str]) -> None:
    """One line per competition: each system's held-out score (wall s, overrun %)."""
    print("| competition | metric | " + " | ".join(systems) + " |")
    print("|---|---|" + "---|" * len(systems))
    for slug in dict.fromkeys(r["slug"] for r in rows):
        mine = {r["system"]: r for r in rows if r["slug"] == slug}
        cells = []
        for system in systems:
            r = mine.get(system)
            if r is None:
                cells.append("-")
            elif r["holdout"] is None:
                cells.append(f"FAILED ({r['wall_s']} s)")
            else:
                over = f", +{r['overrun_pct']}%" if r.get("overrun_pct") else ""
                cells.append(f"{r['holdout']:.5f} ({r['wall_s']} s{over})")
        metric = next(iter(mine.values()))["metric"]
        print(f"| {slug} | {metric} | " + " | ".join(cells) + " |")


def main() -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--budget", type=float, default=120.0, help="seconds per system")
    parser.add_argument("--only", nargs="*", help="slugs to run, in this order (default: all)")
    parser.add_argument("--systems", nargs="*", default=list(SYSTEMS), choices=SYSTEMS)
    parser.add_argument("--peers-python", default=os.environ.get("PEERS_PYTHON"))
    parser.add_argument("--seed", type=int, default=SEED, help="the 80/20 split's seed")
    parser.add_argument("--keep", type=Path, help="keep autokaggle's run folders here (no data)")
    args = parser.parse_args()
    root = shared_competitions()
    if root is None:
        print("bench/peers.py: no ../shared/data/competitions here; nothing to benchmark.")
        return 0
    if not args.peers_python:
        print("No --peers-python / PEERS_PYTHON: FLAML and AutoGluon are skipped.", file=sys.stderr)
    rows: list[dict] = []
    RESULTS.mkdir(exist_ok=True)
    order = args.only or [e.slug for e in EXPECTED]
    for slug in order:
        exp = next((e for e in EXPECTED + PUBLIC_TABLES if e.slug == slug), None)
        if exp is None or not (root / slug).is_dir():
            continue
        rows += bench_one(root / slug, exp, args.budget, args.systems, args.peers_python,
                          args.seed, args.keep)
        # Written after each competition, so a long benchmark cut short keeps what it measured.
        merge_results(RESULTS / f"peers-{args.budget:g}.json", rows)
    print_table(rows, args.systems)
    return 0


def merge_results(path: Path, rows: list[dict]) -> None:
    """Add ``rows`` to the results file, replacing rows of the same competition, system, seed."""
    def key(r: dict) -> tuple:
        return r["slug"], r["system"], r.get("seed", SEED)

    new = {key(r) for r in rows}
    old = json.loads(path.read_text()) if path.exists() else []
    kept = [r for r in old if key(r) not in new]
    path.write_text(json.dumps(kept + rows, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
