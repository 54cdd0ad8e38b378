"""Benchmark: autokaggle's baseline vs a plain LightGBM on a seeded 80/20 split of each competition.

    .venv/bin/python bench/baseline.py [--only SLUG ...] [--env current|venv] [--model FAMILY]

Reads ../shared/data/competitions (or $AUTOKAGGLE_SHARED_DATA, which may also point at the
tables of bench/public_tables.py); exits 0 with a message when it is absent. Prints held-out
score, CV score and wall time of autokaggle, and the plain LightGBM's held-out score, all with
the competition's metric; writes bench/results/baseline.json
(baseline-FAMILY.json with --model: that family's template instead of the default).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from competitions import EXPECTED, PUBLIC_TABLES, Expected, shared_competitions
from plain_lgbm import plain_lightgbm
from split import make_split

from autokaggle.evaluate.scorers import Scorer, get_scorer

RESULTS = Path(__file__).parent / "results"


def canonical_from_submission(sub: pd.DataFrame, exp: Expected, classes: list[str]) -> np.ndarray:
    """Turn a submission file back into canonical predictions so the scorer can read it."""
    values = sub[exp.targets[0]].astype(str)
    if exp.submission_kind == "values":
        return values.astype(float).to_numpy()
    if exp.submission_kind == "probabilities":
        p = values.astype(float).to_numpy()
        return np.column_stack([1 - p, p])
    ranks = np.zeros((len(sub), len(classes)))
    index = {c: i for i, c in enumerate(classes)}
    for row, text in enumerate(values):
        for rank, label in enumerate(text.split()):
            ranks[row, index[label]] = len(classes) - rank  # earlier = more likely
    return ranks


def run_autokaggle(split_dir: Path, workdir: Path, env: str,
                   budget_s: float = 0, extra: tuple[str, ...] = ()) -> tuple[dict, float]:
    """Run the CLI on a split with a time budget; return its --json result and the wall time."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "autokaggle", "run", str(split_dir), "--env", env, "--json", "-q",
         "--workdir", str(workdir), "--time-budget", f"{budget_s:g}",
         *extra],
        capture_output=True, text=True,
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        print(proc.stderr[-3000:], file=sys.stderr)
    result = json.loads(proc.stdout) if proc.stdout.strip() else {"status": "failed"}
    return result, wall


def bench_one(src: Path, exp: Expected, env: str, model: str | None = None) -> dict:
    """Split, run both contenders, score both on the hidden 20%."""
    with tempfile.TemporaryDirectory() as tmp:
        split_dir = Path(tmp) / exp.slug
        truth = make_split(src, exp, split_dir)
        train_labels = pd.read_csv(split_dir / "train.csv", dtype=str)[exp.targets[0]]
        classes = sorted(train_labels.unique()) if exp.task != "regression" else []
        scorer = get_scorer(exp.metric)
        y = truth_values(truth, exp)
        extra = ("--model", model) if model else ()
        result, wall = run_autokaggle(split_dir, Path(tmp) / "work", env, 0, extra)
        ours = score_submission(result, truth, exp, classes, scorer, y)
        plain = scorer.score(y, plain_lightgbm(split_dir, exp), classes or None)
    return {"slug": exp.slug, "metric": exp.metric, "greater_is_better": scorer.greater_is_better,
            "status": result.get("status"), "holdout": ours, "cv": result.get("cv_score"),
            "wall_s": round(wall, 1), "plain_lgbm": plain}


def truth_values(truth: pd.DataFrame, exp: Expected) -> np.ndarray:
    col = truth[exp.targets[0]]
    return col.astype(float).to_numpy() if exp.task == "regression" else col.to_numpy()


def score_submission(result: dict, truth: pd.DataFrame, exp: Expected, classes: list[str],
                      scorer: Scorer, y: np.ndarray) -> float | None:
    if not result.get("submission"):
        return None
    sub = pd.read_csv(result["submission"], dtype=str, keep_default_na=False)
    sub = sub.set_index(exp.id_column).loc[truth[exp.id_column]].reset_index()
    return scorer.score(y, canonical_from_submission(sub, exp, classes), classes or None)


def print_table(rows: list[dict]) -> None:
    """A markdown table of the results."""
    print("| competition | metric | autokaggle held-out | CV | wall s | plain LightGBM | better |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        ours, plain = r["holdout"], r["plain_lgbm"]
        better = ours is not None and (ours >= plain if r["greater_is_better"] else ours <= plain)
        cv = "-" if r["cv"] is None else f"{r['cv']:.5f}"
        held = "FAILED" if ours is None else f"{ours:.5f}"
        print(f"| {r['slug']} | {r['metric']} | {held} | {cv} | {r['wall_s']} | {plain:.5f} |"
              f" {'yes' if better else 'no'} |")


def main() -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", help="slugs to run (default: all)")
    parser.add_argument("--env", default="current", choices=["current", "venv"])
    parser.add_argument("--model", choices=["lightgbm", "xgboost", "catboost", "linear"],
                        help="the template family (default: the CLI's choice)")
    args = parser.parse_args()
    root = shared_competitions()
    if root is None:
        print("bench/baseline.py: no ../shared/data/competitions here; nothing to benchmark.")
        return 0
    rows = [bench_one(root / e.slug, e, args.env, args.model) for e in (*EXPECTED, *PUBLIC_TABLES)
            if (not args.only or e.slug in args.only) and (root / e.slug).is_dir()]
    print_table(rows)
    RESULTS.mkdir(exist_ok=True)
    name = f"baseline-{args.model}.json" if args.model else "baseline.json"
    (RESULTS / name).write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
