"""A large binary table with a known, smooth signal and no leak between rows, for timing.

    .venv/bin/python bench/synthetic_table.py OUT_DIR --train 3000000 --test 750000
    .venv/bin/autokaggle run OUT_DIR --env current --time-budget 120

Kaggle's recent Playground tables hold 300k to 3M rows; the shared competitions hold at most
21k and ``bench/upsample.py`` repeats rows (its CV leaks). This writes OUT_DIR/{train,test,
sample_submission}.csv and overview.md (AUC) and, beside OUT_DIR, OUT_DIR-truth.csv with the
test labels: ten numeric columns (one log-normal), two categories (8 and 40 levels), a target
drawn from a logistic model with a sine, a threshold effect and a product of two columns.
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


def table(n: int, seed: int = 0) -> pd.DataFrame:
    """n rows: an id, the features and the 0/1 target."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 10))
    x[:, 3] = np.exp(x[:, 3])
    region, store = rng.integers(0, 8, n), rng.integers(0, 40, n)
    signal = (0.8 * x[:, 0] - 0.6 * x[:, 1] + 0.5 * np.sin(2 * x[:, 2]) + 0.3 * np.log1p(x[:, 3])
              + 0.6 * (x[:, 4] > 0.5) * x[:, 5] + 0.4 * x[:, 6] * x[:, 7]
              + rng.normal(0, 0.5, 8)[region] + rng.normal(0, 0.3, 40)[store] - 0.8)
    frame = pd.DataFrame(x.round(4), columns=[f"x{i}" for i in range(10)])
    frame["region"] = np.array([f"r{i}" for i in range(8)])[region]
    frame["store"] = np.array([f"s{i:02d}" for i in range(40)])[store]
    frame.insert(0, "id", np.arange(n))
    frame["target"] = (rng.random(n) < 1 / (1 + np.exp(-signal))).astype(int)
    return frame


def main() -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--train", type=int, default=3_000_000)
    parser.add_argument("--test", type=int, default=750_000)
    args = parser.parse_args()
    frame = table(args.train + args.test)
    train, test = frame.iloc[:args.train], frame.iloc[args.train:]
    args.out.mkdir(parents=True, exist_ok=True)
    train.to_csv(args.out / "train.csv", index=False)
    test.drop(columns="target").to_csv(args.out / "test.csv", index=False)
    pd.DataFrame({"id": test["id"], "target": 0.5}).to_csv(args.out / "sample_submission.csv",
                                                            index=False)
    test[["id", "target"]].to_csv(args.out.parent / f"{args.out.name}-truth.csv", index=False)
    (args.out / "overview.md").write_text(OVERVIEW)
    print(f"wrote {args.out} ({len(train):,} training rows, {len(test):,} test rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
