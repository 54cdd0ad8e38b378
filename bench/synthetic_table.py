"""A large binary (or multiclass) table with a known, smooth signal and no leak between rows.

    .venv/bin/python bench/synthetic_table.py OUT_DIR --train 3000000 --test 750000
    .venv/bin/autokaggle run OUT_DIR --env current --time-budget 120
    .venv/bin/python bench/synthetic_table.py OUT_DIR --train 750000 --classes 7   # MAP@3

Kaggle's recent Playground tables hold 300k to 3M rows; the shared competitions hold at most
21k and ``bench/upsample.py`` repeats rows (its CV leaks). This writes OUT_DIR/{train,test,
sample_submission}.csv and overview.md (AUC) and, beside OUT_DIR, OUT_DIR-truth.csv with the
test labels: ten numeric columns (one log-normal), two categories (8 and 40 levels), a target
drawn from a logistic model with a sine, a threshold effect and a product of two columns.
With ``--classes K``: K labels drawn from a softmax over K such scores, each its own mix of the
same terms, scored by MAP@3 (as Playground S5E6, 750k rows and 7 fertilizers, is).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

OVERVIEW = ("# Synthetic Binary\n\nPredict `target`.\n\n## Evaluation\n\nSubmissions are "
            "evaluated on area under the ROC curve between the predicted probability and the "
            "observed target.\n")


MULTICLASS_OVERVIEW = ("# Synthetic Multiclass\n\nPredict `target`.\n\n## Evaluation\n\n"
                       "Submissions are evaluated according to the Mean Average Precision @ 3 "
                       "(MAP@3).\n")


def table(n: int, seed: int = 0, classes: int = 2) -> pd.DataFrame:
    """n rows: an id, the features and the target (0/1, or labels c0..c{classes - 1})."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 10))
    x[:, 3] = np.exp(x[:, 3])
    region, store = rng.integers(0, 8, n), rng.integers(0, 40, n)
    terms = np.column_stack([x[:, 0], x[:, 1], np.sin(2 * x[:, 2]), np.log1p(x[:, 3]),
                             (x[:, 4] > 0.5) * x[:, 5], x[:, 6] * x[:, 7]])
    frame = pd.DataFrame(x.round(4), columns=[f"x{i}" for i in range(10)])
    frame["region"] = np.array([f"r{i}" for i in range(8)])[region]
    frame["store"] = np.array([f"s{i:02d}" for i in range(40)])[store]
    frame.insert(0, "id", np.arange(n))
    if classes == 2:
        signal = (terms @ np.array([0.8, -0.6, 0.5, 0.3, 0.6, 0.4])
                  + rng.normal(0, 0.5, 8)[region] + rng.normal(0, 0.3, 40)[store] - 0.8)
        frame["target"] = (rng.random(n) < 1 / (1 + np.exp(-signal))).astype(int)
        return frame
    logits = (terms @ rng.normal(0, 0.5, (terms.shape[1], classes))
              + rng.normal(0, 0.4, (8, classes))[region] + rng.normal(0, 0.3, (40, classes))[store])
    proba = np.exp(logits - logits.max(axis=1, keepdims=True))
    proba /= proba.sum(axis=1, keepdims=True)
    label = (proba.cumsum(axis=1) > rng.random((n, 1))).argmax(axis=1)
    frame["target"] = np.array([f"c{i}" for i in range(classes)])[label]
    return frame


def main() -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--train", type=int, default=3_000_000)
    parser.add_argument("--test", type=int, default=750_000)
    parser.add_argument("--classes", type=int, default=2, help="3 or more: MAP@3 on K labels")
    args = parser.parse_args()
    frame = table(args.train + args.test, classes=args.classes)
    train, test = frame.iloc[:args.train], frame.iloc[args.train:]
    args.out.mkdir(parents=True, exist_ok=True)
    train.to_csv(args.out / "train.csv", index=False)
    test.drop(columns="target").to_csv(args.out / "test.csv", index=False)
    fill = 0.5 if args.classes == 2 else "c0 c1 c2"
    pd.DataFrame({"id": test["id"], "target": fill}).to_csv(args.out / "sample_submission.csv",
                                                             index=False)
    test[["id", "target"]].to_csv(args.out.parent / f"{args.out.name}-truth.csv", index=False)
    (args.out / "overview.md").write_text(OVERVIEW if args.classes == 2 else MULTICLASS_OVERVIEW)
    print(f"wrote {args.out} ({len(train):,} training rows, {len(test):,} test rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
