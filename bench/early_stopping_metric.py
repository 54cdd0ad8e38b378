"""Early stopping on the validation AUC or on the log loss, for a binary AUC competition.

    .venv/bin/python bench/early_stopping_metric.py TRAIN_CSV TARGET [--id ID] [--splits 10]
        [--learning-rate 0.05]

For each of ``--splits`` seeded 80/20 splits of TRAIN_CSV: LightGBM on 5 folds of the 80%,
stopped early (50 rounds) on each fold by the validation AUC or by the validation log loss, the
five fold models' mean predicting the 20%. Prints the mean held-out AUC of each, how often the
log loss won, the mean difference and its standard error, and the seconds per fit. Text columns
become categories; nothing else is prepared, so a timestamp column should be dropped or
expanded first.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, train_test_split

METRICS = ("auc", "binary_logloss")


def held_out(x: pd.DataFrame, y: np.ndarray, split: int, metric: str,
             rate: float) -> tuple[float, float]:
    """Held-out AUC of the fold models' mean, and the mean seconds per fit."""
    x_fit, x_held, y_fit, y_held = train_test_split(x, y, test_size=0.2, random_state=split,
                                                    stratify=y)
    pred, seconds = np.zeros(len(y_held)), []
    for fit, valid in StratifiedKFold(5, shuffle=True, random_state=0).split(x_fit, y_fit):
        start = time.perf_counter()
        model = lgb.LGBMClassifier(n_estimators=2000, learning_rate=rate, verbose=-1, n_jobs=2)
        model.fit(x_fit.iloc[fit], y_fit[fit], eval_set=[(x_fit.iloc[valid], y_fit[valid])],
                  eval_metric=metric,
                  callbacks=[lgb.early_stopping(50, verbose=False, first_metric_only=True)])
        seconds.append(time.perf_counter() - start)
        pred += model.predict_proba(x_held)[:, 1] / 5
    return float(roc_auc_score(y_held, pred)), float(np.mean(seconds))


def main() -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("train", type=Path)
    parser.add_argument("target")
    parser.add_argument("--id", default="id", help="the id column, dropped (default: id)")
    parser.add_argument("--splits", type=int, default=10)
    parser.add_argument("--learning-rate", type=float, default=0.05)
    args = parser.parse_args()
    if not args.train.is_file():
        print(f"{args.train}: no such file; nothing to do.")
        return 0
    warnings.filterwarnings("ignore")
    frame = pd.read_csv(args.train)
    x = frame.drop(columns=[c for c in (args.id, args.target) if c in frame])
    for col in x.columns:
        if not pd.api.types.is_numeric_dtype(x[col]):
            x[col] = x[col].astype("category")
    y = frame[args.target].to_numpy()
    scores = {m: [held_out(x, y, s, m, args.learning_rate) for s in range(args.splits)]
              for m in METRICS}
    auc, loss = (np.array([s for s, _ in scores[m]]) for m in METRICS)
    diff = loss - auc
    noise = diff.std(ddof=1) / np.sqrt(len(diff)) if len(diff) > 1 else float("nan")
    print(f"held-out AUC, stopped on the AUC {auc.mean():.5f}, on the log loss {loss.mean():.5f}"
          f" (better in {int((diff > 0).sum())} of {len(diff)}; difference {diff.mean():+.5f}"
          f" ± {noise:.5f})")
    for m in METRICS:
        print(f"seconds per fit, stopped on {m}: {np.mean([t for _, t in scores[m]]):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
