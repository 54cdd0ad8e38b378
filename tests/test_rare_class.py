"""A class rarer than the folds: a fold's training rows miss it, and every family still trains,
predicts all classes and scores (LightGBM's and CatBoost's early stopping saw an unknown label,
XGBoost wanted consecutive labels)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pipeline_run as pr
import pytest


def _one_of_a_kind(folder: Path) -> Path:
    """Three learnable classes and a fourth with a single training row; accuracy."""
    rng = np.random.default_rng(2)
    n = 300
    x = rng.normal(size=(n, 2))
    label = np.where(x[:, 0] > 0.5, "high", np.where(x[:, 0] < -0.5, "low", "mid")).astype(object)
    label[7] = "rare"
    frame = pd.DataFrame({"id": np.arange(n), "a": x[:, 0].round(3), "b": x[:, 1].round(3),
                          "level": label})
    train, test = frame.iloc[:240], frame.iloc[240:]
    pr.write_csvs(folder, train, test.drop(columns="level"),
                  pd.DataFrame({"id": test["id"], "level": "mid"}))
    (folder / "overview.md").write_text("# Levels\n\n## Evaluation\n\nMulti-class log loss.\n")
    return folder


@pytest.mark.parametrize("model", ["lightgbm", "xgboost", "catboost", "linear"])
def test_every_family_trains_when_a_fold_misses_a_class(tmp_path: Path, model: str) -> None:
    run = tmp_path / "run"
    profile = pr.prepare(_one_of_a_kind(tmp_path / "data"), run, model=model)
    assert profile.class_labels == ["high", "low", "mid", "rare"]
    pr.run_scripts(run)
    assert pr.validate(run, profile).ok
    oof = pd.read_csv(run / "output" / "oof.csv").set_index("id")
    assert oof.loc[7, "rare"] == 0.0  # its fold's models never saw the class
    assert (oof.drop(index=7)[["high", "low", "mid"]].idxmax(axis=1) != "rare").all()
    assert pr.score(run, profile).cv_mean < 1.0  # the three learnable classes are learnt
    test_pred = pd.read_csv(run / "output" / "test_pred.csv")
    assert list(test_pred.columns) == ["id", "high", "low", "mid", "rare"]
    assert np.allclose(test_pred[["high", "low", "mid", "rare"]].sum(axis=1), 1.0)


def _one_positive_label(folder: Path) -> Path:
    """Multilabel: two learnable labels and one with a single positive row; column-wise AUC."""
    rng = np.random.default_rng(3)
    n = 300
    x = rng.normal(size=(n, 2))
    frame = pd.DataFrame({"id": np.arange(n), "a": x[:, 0].round(3), "b": x[:, 1].round(3),
                          "t1": (x[:, 0] > 0).astype(int), "t2": (x[:, 1] > 0.5).astype(int),
                          "t3": 0})
    frame.loc[3, "t3"] = 1
    train, test = frame.iloc[:240], frame.iloc[240:]
    pr.write_csvs(folder, train, test[["id", "a", "b"]],
                  pd.DataFrame({"id": test["id"], "t1": 0.5, "t2": 0.5, "t3": 0.5}))
    (folder / "overview.md").write_text("# Labels\n\n## Evaluation\n\nMean column-wise ROC AUC.\n")
    return folder


@pytest.mark.parametrize("model", ["lightgbm", "xgboost", "catboost", "linear"])
def test_every_family_trains_when_a_fold_has_one_class_of_a_label(tmp_path: Path,
                                                                   model: str) -> None:
    run = tmp_path / "run"
    profile = pr.prepare(_one_positive_label(tmp_path / "data"), run, model=model)
    assert profile.task == "multilabel"
    pr.run_scripts(run)
    assert pr.validate(run, profile).ok
    oof = pd.read_csv(run / "output" / "oof.csv")
    assert len(oof) == 240 and oof[["t1", "t2", "t3"]].stack().between(0, 1).all()
    assert pr.score(run, profile).cv_mean > 0.8  # t1 and t2 learnt; t3 is scored where defined
