"""Harness-side scoring of ``output/oof.csv``: per fold and overall, with the run's Scorer.

Pass ``train`` read with the id and target columns as strings (``dtype=str``) so ids such as
"0013_01" and labels such as "True" compare exactly as written in train.csv.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd
from pydantic import BaseModel

from autokaggle.errors import RunFailed
from autokaggle.evaluate.custom import load_custom_scorer
from autokaggle.evaluate.decode import Decode, applicable
from autokaggle.evaluate.folds import column
from autokaggle.evaluate.scorers import Scorer, get_scorer
from autokaggle.profile.model import DataProfile
from autokaggle.profile.reader import read_csv_frame

_CONTRACT = ("The code contract: output/oof.csv has the id column, then one prediction column per "
             "class label (classification) or per target (multilabel, regression), one row per "
             "train id.")



def paired_gap(base: Sequence[float], other: Sequence[float]) -> tuple[float, float]:
    """Per-fold ``other - base``: the mean gap and its standard error (0 with one fold).

    The fold noise every comparison of candidates uses (selection guard, screening, ablation,
    ensemble): a gap within one standard error is indistinguishable from the luck of the folds.
    """
    gaps = [b - a for a, b in zip(base, other, strict=True)]
    noise = statistics.stdev(gaps) / len(gaps) ** 0.5 if len(gaps) > 1 else 0.0
    return statistics.fmean(gaps), noise

class FoldScore(BaseModel):
    """The score of one validation fold."""

    fold: int
    score: float
    rows: int


class CVResult(BaseModel):
    """Cross-validated score of a candidate; ``output/metrics.json``."""

    metric: str
    greater_is_better: bool
    cv_mean: float
    cv_std: float
    oof_score: float
    folds: list[FoldScore]
    n_rows: int

    def write(self, path: Path) -> Path:
        """Write as JSON (``output/metrics.json``)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.model_dump_json(indent=2) + "\n", encoding="utf-8")
        return path


def scorer_for_profile(profile: DataProfile) -> Scorer:
    """The run's scorer: the profile's metric, or the user's ``--metric-file`` function."""
    choice = profile.metric
    if choice.source == "custom" and choice.custom_file:
        needs = "values" if profile.task in ("regression", "multioutput_regression") else "proba"
        return load_custom_scorer(choice.custom_file, greater_is_better=choice.greater_is_better,
                                  needs=needs)
    return get_scorer(choice.name)


def profile_decode(profile: DataProfile) -> Decode:
    """How the run's labels come from probabilities (``config.yaml``'s ``submission.decode``):
    the metric's decoding where its classes allow it; ``argmax`` for a custom metric."""
    if profile.metric.source == "custom":
        return "argmax"
    return applicable(get_scorer(profile.metric.name).decode, profile.class_labels)


def prediction_columns(profile: DataProfile) -> list[str]:
    """The canonical prediction columns: class labels, or target columns."""
    if profile.task in ("binary", "multiclass"):
        return list(profile.class_labels)
    return list(profile.target_columns)


def _fail(message: str, what: str = "output/oof.csv") -> RunFailed:
    return RunFailed(f"{what}: {message}", hint=_CONTRACT)


def _sample(values: object, n: int = 5) -> str:
    items = list(values)  # type: ignore[call-overload]
    more = f", … ({len(items)} in all)" if len(items) > n else ""
    return ", ".join(repr(v) for v in items[:n]) + more


def read_oof(path: Path, profile: DataProfile, what: str = "output/oof.csv") -> pd.DataFrame:
    """Read and check canonical predictions (OOF, or test's with ``what``); indexed by id
    (string), canonical columns in order."""
    if not path.is_file():
        raise _fail(f"{str(path)!r} was not written", what)
    oof = read_csv_frame(path, dtype={profile.id_column: str})
    if profile.id_column not in oof.columns:
        raise _fail(f"no id column {profile.id_column!r}; columns are {list(oof.columns)}", what)
    expected = prediction_columns(profile)
    have = [c for c in oof.columns if c != profile.id_column]
    missing, extra = [c for c in expected if c not in have], [c for c in have if c not in expected]
    if missing or extra:
        raise _fail(f"expected prediction columns {expected}; missing {missing}, unexpected "
                    f"{extra}", what)
    ids = column(oof, profile.id_column)
    dup = sorted(set(ids[ids.duplicated()]))
    if dup:
        raise _fail(f"{len(dup)} duplicated ids: {_sample(dup)}", what)
    return _numeric(oof.set_index(profile.id_column).loc[:, expected], what)


def _numeric(preds: pd.DataFrame, what: str) -> pd.DataFrame:
    """Predictions as floats; non-numbers, NaN and inf are reported by column."""
    out = preds.apply(pd.to_numeric, errors="coerce").astype(float)
    bad = ~np.isfinite(out.to_numpy())
    if bad.any():
        cols = [f"{c!r} ({int(n)} rows)" for c, n in zip(out.columns, bad.sum(axis=0), strict=True)
                if n]
        rows = out.index.to_numpy()[bad.any(axis=1)].tolist()
        raise _fail(f"non-numeric, NaN or infinite predictions in {', '.join(cols)}; "
                    f"ids {_sample(rows)}", what)
    return cast(pd.DataFrame, out)


def _label_strings(values: pd.Series, labels: list[str]) -> pd.Series:
    """Train labels as the profile's label strings (1.0 read as float -> "1")."""
    text = values.astype(str)
    if text.isin(labels).all() or not pd.api.types.is_numeric_dtype(values):
        return text
    as_int = values.map(lambda v: str(int(v)) if float(v).is_integer() else str(v))
    return as_int if as_int.isin(labels).all() else text


def truth(train: pd.DataFrame, profile: DataProfile) -> tuple[pd.Index, np.ndarray]:
    """Train ids (strings) and targets in canonical form: label strings or numbers."""
    ids = pd.Index(train[profile.id_column].astype(str), name=profile.id_column)
    targets = profile.target_columns
    if profile.task in ("binary", "multiclass"):
        y = _label_strings(column(train, targets[0]), profile.class_labels).to_numpy()
        unknown = sorted(set(y) - set(profile.class_labels))
        if unknown:
            raise RunFailed(f"train target has labels {unknown[:5]} missing from the profile's "
                            f"class labels {profile.class_labels}",
                            hint="Re-run the profile step (autokaggle profile).")
        return ids, y
    y = train[targets].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    return ids, (y[:, 0] if profile.task == "regression" else y)


def _align(oof: pd.DataFrame, ids: pd.Index) -> np.ndarray:
    """OOF predictions in train row order; every train id must be present, no others."""
    if oof.index.equals(ids):  # written in train's order, as the template writes it: no lookup
        return oof.to_numpy()  # (on 3M rows the lookup by string id took seconds)
    missing, extra = ids.difference(oof.index), oof.index.difference(ids)
    if len(missing):
        raise _fail(f"{len(missing)} of {len(ids)} train ids have no prediction: "
                    f"{_sample(missing)}")
    if len(extra):
        raise _fail(f"{len(extra)} ids are not in train: {_sample(extra)}")
    return oof.loc[ids].to_numpy()


def _fold_numbers(folds: pd.DataFrame, ids: pd.Index, id_column: str) -> np.ndarray:
    mapping = folds.assign(**{id_column: folds[id_column].astype(str)}).set_index(id_column)
    if mapping.index.equals(ids):  # folds.csv is in train's order: no lookup by string id
        return mapping["fold"].to_numpy(dtype=int)
    missing = ids.difference(mapping.index)
    if len(missing):
        raise RunFailed(f"{len(missing)} train ids have no fold in folds.csv: {_sample(missing)}",
                        hint="Re-run the folds step; train.csv changed since folds were made.")
    return mapping.loc[ids, "fold"].to_numpy(dtype=int)


def score_predictions(scorer: Scorer, y: np.ndarray, p: np.ndarray,
                      classes: list[str] | None) -> float:
    """Score a canonical prediction matrix (rows aligned with ``y``); ValueError if it can't."""
    return scorer.score(y, p[:, 0] if y.ndim == 1 and classes is None else p, classes)


def _score(scorer: Scorer, y: np.ndarray, p: np.ndarray, classes: list[str] | None,
           where: str) -> float:
    try:
        return score_predictions(scorer, y, p, classes)
    except ValueError as exc:
        raise RunFailed(f"scoring {where} with {scorer.name} failed: {exc}",
                        hint=_CONTRACT) from exc


def score_oof(oof_path: Path, train: pd.DataFrame, folds: pd.DataFrame, profile: DataProfile,
              scorer: Scorer, folds_to_run: list[int] | None = None) -> CVResult:
    """Score ``oof.csv`` against train's targets per fold and overall (rows with a target).

    With ``folds_to_run`` (a screened candidate) only those folds' rows are expected and scored.
    """
    all_ids = pd.Index(train[profile.id_column].astype(str), name=profile.id_column)
    fold = _fold_numbers(folds, all_ids, profile.id_column)
    if folds_to_run is not None:
        ran = np.isin(fold, folds_to_run)
        train, all_ids, fold = cast(pd.DataFrame, train.loc[ran]), all_ids[ran], fold[ran]
    known = np.asarray(train[profile.target_columns].notna().to_numpy().all(axis=1))
    p = _align(read_oof(oof_path, profile), all_ids)[known]
    fold = fold[known]
    ids, y = truth(cast(pd.DataFrame, train.loc[known]), profile)
    classes = profile.class_labels if profile.task in ("binary", "multiclass") else None
    per_fold = [FoldScore(fold=int(f), score=_score(scorer, y[fold == f], p[fold == f], classes,
                                                     f"fold {f}"), rows=int((fold == f).sum()))
                for f in np.unique(fold)]
    scores = np.array([f.score for f in per_fold])
    return CVResult(metric=scorer.name, greater_is_better=scorer.greater_is_better,
                    cv_mean=float(scores.mean()), cv_std=float(scores.std()),
                    oof_score=_score(scorer, y, p, classes, "all rows"), folds=per_fold,
                    n_rows=len(ids))
