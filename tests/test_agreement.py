"""A submission against its own test predictions: template pipelines of every submission kind
agree; one changed cell is found and named by its id."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import gen_fixtures as fx
import numpy as np
import pandas as pd
import pytest
from test_generate import fast_options, run_pipeline

from autokaggle.evaluate.agreement import disagreement
from autokaggle.generate import render_pipeline
from autokaggle.profile.model import DataProfile


def _flip_bool(values: pd.Series) -> pd.Series:
    return values.map({"True": "False", "False": "True"})


def _demote_first(values: pd.Series) -> pd.Series:
    return values.map(lambda v: " ".join([*v.split(" ")[1:], v.split(" ")[0]]))


def _complement(values: pd.Series) -> pd.Series:
    return (1 - values.astype(float)).astype(str)


def _scale(values: pd.Series) -> pd.Series:
    return (values.astype(float) * 1.1).astype(str)


def _flip_bit(values: pd.Series) -> pd.Series:
    return values.map({"0": "1", "1": "0"})


@pytest.mark.parametrize(("make", "column", "change"), [
    (fx.binary_bool, "Transported", _flip_bool),
    (fx.multiclass_topk, "prognosis", _demote_first),
    (fx.multiclass_proba, "Status_CL", _complement),
    (fx.regression_rmsle, "SalePrice", _scale),
    (fx.multilabel, "EC2", _flip_bit),
])
def test_template_submissions_agree_and_one_changed_row_is_found(
        tmp_path: Path, make: Callable[[Path], tuple[DataProfile, Path]], column: str,
        change: Callable[[pd.Series], pd.Series]) -> None:
    profile, run = make(tmp_path)
    render_pipeline(profile, fast_options(), run)
    run_pipeline(run)
    submission, test_pred = run / "output/submission.csv", run / "output/test_pred.csv"
    assert disagreement(submission, test_pred, profile) is None

    frame = pd.read_csv(submission, dtype=str, keep_default_na=False)
    id_col = profile.submission_format.id_column
    rows = np.flatnonzero(change(frame[column]) != frame[column])
    assert len(rows), "the change must change something"
    row = int(rows[0])
    frame.loc[row, column] = change(frame[column]).iloc[row]
    frame.to_csv(submission, index=False)
    found = disagreement(submission, test_pred, profile)
    assert found is not None and f"1 of {len(frame)} rows" in found
    assert f"id {frame.loc[row, id_col]!r}" in found and repr(column) in found


def test_ids_missing_from_the_test_predictions_are_named(tmp_path: Path) -> None:
    profile, run = fx.binary_bool(tmp_path)
    render_pipeline(profile, fast_options(), run)
    run_pipeline(run)
    test_pred = pd.read_csv(run / "output/test_pred.csv", dtype=str)
    test_pred.iloc[1:].to_csv(run / "output/test_pred.csv", index=False)
    found = disagreement(run / "output/submission.csv", run / "output/test_pred.csv", profile)
    assert found is not None and "no prediction for 1 of" in found
    assert repr(test_pred["PassengerId"].iloc[0]) in found
