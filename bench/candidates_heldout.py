"""Every candidate of a finished benchmark run scored on its hidden 20%, next to its CV.

    .venv/bin/python bench/peers.py --budget 120 --seed 1 --only titanic --keep /tmp/kept
    .venv/bin/python bench/candidates_heldout.py /tmp/kept/RUN_FOLDER titanic --seed 1

The run folder (kept without its data by ``peers.py --keep``) holds each candidate's own
``submission.csv``; the split is remade from the seed. Prints one line per valid candidate
(ensembles included), then how far CV ranks them: the held-out range, the best held-out
candidate and its rank by CV, and the Spearman correlation of CV with the held-out score.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
from baseline import score_submission, truth_values
from competitions import by_slug, shared_competitions
from seed_bag_replay import kept_runs_parser, kept_split

from autokaggle.evaluate.scorers import get_scorer


def scored(run: Path, slug: str, seed: int) -> list[dict]:
    """Each valid candidate's number, label, CV and held-out score."""
    exp = by_slug(slug)
    train, truth, _ = kept_split(run, exp, seed)
    classes = sorted(train[exp.targets[0]].unique()) if exp.task != "regression" else []
    scorer, y = get_scorer(exp.metric), truth_values(truth, exp)
    rows = []
    for folder in sorted(run.glob("candidates/[0-9]*")):
        record = json.loads((folder / "candidate.json").read_text())
        submission = folder / "output" / "submission.csv"
        if record.get("status") == "valid" and submission.exists():
            held = score_submission({"submission": str(submission)}, truth, exp, classes,
                                    scorer, y)
            rows.append({"number": record["number"], "label": record["label"],
                         "cv": record["cv_mean"], "holdout": held, "sign": scorer.sign})
    return rows


def summary(rows: list[dict]) -> str:
    """The held-out range, the best held-out candidate's rank by CV, and Spearman's rho."""
    sign = rows[0]["sign"]
    by_cv = sorted(rows, key=lambda r: -sign * r["cv"])
    best = max(rows, key=lambda r: sign * r["holdout"])
    rho = pd.Series([r["cv"] for r in rows]).corr(pd.Series([r["holdout"] for r in rows]),
                                                 method="spearman")
    held = [r["holdout"] for r in rows]
    return (f"{len(rows)} candidates; held-out {min(held):.5f}-{max(held):.5f}; best held-out "
            f"{best['number']:03d} ({best['holdout']:.5f}) ranks {by_cv.index(best) + 1} by CV; "
            f"Spearman(CV, held-out) {rho:.3f}")


def main() -> int:
    """Entry point."""
    parser = kept_runs_parser(__doc__, many=False)
    parser.add_argument("slug", help="the competition of the run")
    args = parser.parse_args()
    if shared_competitions() is None:
        print("bench/candidates_heldout.py: no ../shared/data/competitions here; nothing to do.")
        return 0
    rows = scored(args.run, args.slug, args.seed)
    for r in rows:
        print(f"{r['number']:03d} {r['label'][:60]:60s} CV {r['cv']:.5f} "
              f"held-out {r['holdout']:.5f}")
    print(summary(rows) if rows else "no valid candidate")
    return 0


if __name__ == "__main__":
    sys.exit(main())
