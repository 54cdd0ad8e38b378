"""One AutoML peer (FLAML or AutoGluon) on one split, run with the peers' own interpreter.

    PEERS_PYTHON bench/peer_automl.py {flaml,autogluon} SPLIT_DIR OUT.npy --id ID --target T
        --task TASK --metric METRIC --budget SECONDS [--seed N]

Writes canonical test predictions (class probabilities in sorted-label order, or values) in
test.csv row order to OUT.npy. Standalone on purpose: it imports neither autokaggle nor the
bench helpers, so the peers run in their own environment (bench/requirements-peers.txt).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

# The peers' names for our metrics; RMSLE is RMSE on log1p of the target (as the template does).
# FLAML has no kappa: log loss, as for MAP@3, gives it the probabilities its labels come from;
# nor SMAPE: MAPE is the nearest it has.
FLAML_METRIC = {"accuracy": "accuracy", "roc_auc": "roc_auc", "map@3": "log_loss",
                "qwk": "log_loss", "f1": "f1",
                "mae": "mae", "mape": "mape", "smape": "mape", "rmse": "rmse", "rmsle": "rmse",
                "log_loss": "log_loss"}
AG_METRIC = {"accuracy": "accuracy", "roc_auc": "roc_auc", "map@3": "log_loss",
             "qwk": "quadratic_kappa", "f1": "f1",
             "mae": "mean_absolute_error", "mape": "mean_absolute_percentage_error",
             "smape": "symmetric_mean_absolute_percentage_error",
             "rmse": "root_mean_squared_error",
             "rmsle": "root_mean_squared_error", "log_loss": "log_loss"}


# Metrics scored on labels: a peer is scored on the labels its ``predict`` gives (AutoGluon
# tunes its decision threshold for F1, for instance), not on the most probable class.
LABEL_METRICS = frozenset({"accuracy", "qwk", "f1"})


def one_hot(labels: np.ndarray, classes: list[str]) -> np.ndarray:
    """Predicted labels as a 0/1 matrix over ``classes`` (what our label scorers read back)."""
    return (np.asarray(labels, dtype=str)[:, None] == np.asarray(classes)[None, :]).astype(float)


def timestamps(values: pd.Series) -> pd.Series | None:
    """The column as (zone-free) datetimes when every value is a timestamp, else None.

    Numbers (also read as text) are never timestamps: "1" would parse as a day of this month.
    """
    if pd.to_numeric(values, errors="coerce").notna().any():
        return None
    parsed = pd.to_datetime(values, errors="coerce", format="mixed", utc=True)
    return parsed.dt.tz_localize(None) if parsed.notna().all() else None


def load(split: Path, id_col: str, target: str) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Features and target of train, features of test (same columns).

    The id is dropped, unless it is a timestamp: then it is kept as a datetime column, as a
    competitor would pass it, and both peers derive their own date features from it.
    """
    train = pd.read_csv(split / "train.csv")
    test = pd.read_csv(split / "test.csv")
    y = train.pop(target)
    stamps = timestamps(train[id_col]), timestamps(test[id_col])
    keep_id = stamps[0] is not None and stamps[1] is not None
    if keep_id:
        train[id_col], test[id_col] = stamps
    columns = [c for c in test.columns if (keep_id or c != id_col) and c in train.columns]
    return train[columns], y, test[columns]


def run_flaml(x: pd.DataFrame, y: pd.Series, xt: pd.DataFrame, task: str, metric: str,
              budget: float, seed: int) -> np.ndarray:
    """FLAML's AutoML with the whole budget (its own CV/holdout choice)."""
    from flaml import AutoML

    automl = AutoML()
    kind = "regression" if task == "regression" else "classification"
    automl.fit(x, y, task=kind, metric=FLAML_METRIC[metric], time_budget=budget, seed=seed,
               verbose=0, n_jobs=-1)
    if kind == "classification" and metric in LABEL_METRICS:
        return one_hot(automl.predict(xt), sorted(y.unique()))
    return automl.predict_proba(xt) if kind == "classification" else automl.predict(xt)


def run_autogluon(x: pd.DataFrame, y: pd.Series, xt: pd.DataFrame, task: str, metric: str,
                  budget: float, seed: int, workdir: Path) -> np.ndarray:
    """AutoGluon TabularPredictor with presets='best_quality' and the whole budget."""
    from autogluon.tabular import TabularPredictor

    frame = x.assign(__target__=y.to_numpy())
    predictor = TabularPredictor(label="__target__", eval_metric=AG_METRIC[metric],
                                 path=str(workdir), verbosity=0)
    predictor.fit(frame, presets="best_quality", time_limit=budget)
    if task == "regression":
        return predictor.predict(xt).to_numpy()
    if metric in LABEL_METRICS:
        return one_hot(predictor.predict(xt).to_numpy(), sorted(y.unique()))
    proba = predictor.predict_proba(xt)
    return proba[sorted(proba.columns, key=str)].to_numpy()


def main() -> None:
    """Entry point."""
    parser = argparse.ArgumentParser()
    parser.add_argument("peer", choices=["flaml", "autogluon"])
    parser.add_argument("split", type=Path)
    parser.add_argument("out", type=Path)
    for name in ("--id", "--target", "--task", "--metric"):
        parser.add_argument(name, required=True)
    parser.add_argument("--budget", type=float, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    x, y, xt = load(args.split, args.id, args.target)
    if args.task != "regression":
        y = y.astype(str)
    elif args.metric == "rmsle":
        y = np.log1p(y.astype(float))
    if args.peer == "flaml":
        pred = run_flaml(x, y, xt, args.task, args.metric, args.budget, args.seed)
    else:
        pred = run_autogluon(x, y, xt, args.task, args.metric, args.budget, args.seed,
                             args.out.with_suffix(".ag"))
    if args.task == "regression" and args.metric == "rmsle":
        pred = np.expm1(pred)
    np.save(args.out, np.asarray(pred, dtype=float))


if __name__ == "__main__":
    main()
