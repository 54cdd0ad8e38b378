"""The benchmark competitions in ../shared/data and what a correct reading of each is."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Expected:
    """The truth about one competition (from its PROVENANCE.md and Kaggle page)."""

    slug: str
    id_column: str
    targets: tuple[str, ...]
    task: str
    metric: str
    submission_kind: str


EXPECTED: tuple[Expected, ...] = (
    Expected("titanic", "PassengerId", ("Survived",), "binary", "accuracy", "labels"),
    Expected("spaceship-titanic", "PassengerId", ("Transported",), "binary", "accuracy", "labels"),
    Expected("house-prices-advanced-regression-techniques", "Id", ("SalePrice",), "regression",
             "rmsle", "values"),
    Expected("playground-series-s4e2", "id", ("NObeyesdad",), "multiclass", "accuracy", "labels"),
    Expected("playground-series-s5e3", "id", ("rainfall",), "binary", "roc_auc", "probabilities"),
    Expected("playground-series-s3e14", "id", ("yield",), "regression", "mae", "values"),
    Expected("playground-series-s3e13", "id", ("prognosis",), "multiclass", "map@3", "topk"),
)

# Larger tables made from public data by bench/public_tables.py (not in ../shared): benchmark
# them with AUTOKAGGLE_SHARED_DATA=<its folder> bench/peers.py --only <slug> ...
PUBLIC_TABLES: tuple[Expected, ...] = (
    Expected("nyc-flights-delay", "id", ("delayed",), "binary", "roc_auc", "probabilities"),
    Expected("diamonds-price", "id", ("price",), "regression", "rmse", "values"),
    Expected("bike-sharing-hourly", "datetime", ("count",), "regression", "rmsle", "values"),
    Expected("movies-rating", "id", ("rating",), "regression", "rmse", "values"),
    Expected("diamonds-cut-grade", "id", ("cut",), "multiclass", "qwk", "labels"),
    Expected("credit-default-f1", "id", ("default",), "binary", "f1", "labels"),
    Expected("caravan-insurance-f1", "id", ("Purchase",), "binary", "f1", "labels"),
    # bench/synthetic_table.py: a Playground-sized binary table with no leak between rows
    Expected("synthetic-binary", "id", ("target",), "binary", "roc_auc", "probabilities"),
    Expected("synthetic-multiclass", "id", ("target",), "multiclass", "map@3", "topk"),
    # bench/public_tables.py's copies of three regression tables, scored by MAE,
    Expected("diamonds-price-mae", "id", ("price",), "regression", "mae", "values"),
    Expected("bike-sharing-hourly-mae", "datetime", ("count",), "regression", "mae", "values"),
    Expected("movies-rating-mae", "id", ("rating",), "regression", "mae", "values"),
    # two scored by MAPE, one by SMAPE
    Expected("diamonds-price-mape", "id", ("price",), "regression", "mape", "values"),
    Expected("bike-sharing-hourly-mape", "datetime", ("count",), "regression", "mape", "values"),
    Expected("bike-sharing-hourly-smape", "datetime", ("count",), "regression", "smape",
             "values"),
)


def by_slug(slug: str) -> Expected:
    """The expectations of one competition, shared or public (a StopIteration: unknown)."""
    return next(e for e in (*EXPECTED, *PUBLIC_TABLES) if e.slug == slug)


def shared_competitions() -> Path | None:
    """The folder of real competitions, or None when this clone has no ../shared/data."""
    env = os.environ.get("AUTOKAGGLE_SHARED_DATA")
    root = Path(env) if env else REPO.parent / "shared" / "data" / "competitions"
    return root if root.is_dir() else None
