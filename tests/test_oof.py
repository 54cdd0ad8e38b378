"""OOF scoring: alignment by id, per-fold scores, and actionable errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from autokaggle.errors import RunFailed
from autokaggle.evaluate.oof import score_oof, scorer_for_profile
from autokaggle.evaluate.scorers import get_scorer
from autokaggle.profile.model import DataProfile, MetricChoice, SubmissionFormat


def make_profile(task: str, targets: list[str], labels: list[str] | None = None,
                 metric: MetricChoice | None = None) -> DataProfile:
    return DataProfile(
        slug="t", title="t", train_file="train.csv", test_file="test.csv",
        sample_file="sample_submission.csv", files=[], columns=[], id_column="id",
        target_columns=targets, task=task, class_labels=labels or [],  # type: ignore[arg-type]
        metric=metric or MetricChoice(name="roc_auc", greater_is_better=True),
        submission_format=SubmissionFormat(kind="probabilities", id_column="id",
                                           columns=["id", *targets], target_columns=targets),
        feature_columns=["x"],
    )


IDS = [f"00{i:02d}" for i in range(8)]
TRAIN = pd.DataFrame({"id": IDS, "Survived": ["0", "1", "1", "0", "1", "0", "1", "0"],
                      "price": ["1.5", "2", "3", "4", "5", "6", "7", "8"]})
FOLDS = pd.DataFrame({"id": IDS, "fold": [0, 0, 0, 0, 1, 1, 1, 1]})
P1 = np.array([.2, .9, .6, .4, .7, .3, .4, .6])


def write_oof(path: Path, frame: pd.DataFrame) -> Path:
    frame.to_csv(path, index=False)
    return path


@pytest.mark.smoke
def test_binary_oof_scored_per_fold_and_overall(tmp_path: Path) -> None:
    oof = pd.DataFrame({"id": IDS[::-1], "0": (1 - P1)[::-1], "1": P1[::-1]})  # any row order
    profile = make_profile("binary", ["Survived"], ["0", "1"])
    result = score_oof(write_oof(tmp_path / "oof.csv", oof), TRAIN, FOLDS, profile,
                       get_scorer("roc_auc"))
    y = (TRAIN["Survived"] == "1").astype(int).to_numpy()
    per_fold = [skm.roc_auc_score(y[:4], P1[:4]), skm.roc_auc_score(y[4:], P1[4:])]
    assert [f.score for f in result.folds] == pytest.approx(per_fold)
    assert [f.rows for f in result.folds] == [4, 4]
    assert result.cv_mean == pytest.approx(np.mean(per_fold))
    assert result.cv_std == pytest.approx(np.std(per_fold))
    assert result.oof_score == pytest.approx(skm.roc_auc_score(y, P1))
    assert (result.metric, result.greater_is_better, result.n_rows) == ("roc_auc", True, 8)
    written = json.loads(result.write(tmp_path / "output" / "metrics.json").read_text())
    assert written["oof_score"] == pytest.approx(result.oof_score)
    # In train's order (the template's, read without a lookup), with folds.csv in any order:
    # the same scores.
    in_order = pd.DataFrame({"id": IDS, "0": 1 - P1, "1": P1})
    for folds in (FOLDS, FOLDS[::-1]):
        again = score_oof(write_oof(tmp_path / "oof.csv", in_order), TRAIN, folds, profile,
                          get_scorer("roc_auc"))
        assert again.model_dump() == result.model_dump()


def test_regression_oof(tmp_path: Path) -> None:
    pred = np.arange(8, dtype=float) + 1
    oof = write_oof(tmp_path / "oof.csv", pd.DataFrame({"id": IDS, "price": pred}))
    result = score_oof(oof, TRAIN, FOLDS, make_profile("regression", ["price"]),
                       get_scorer("rmse"))
    truth = TRAIN["price"].astype(float).to_numpy()
    assert result.oof_score == pytest.approx(np.sqrt(np.mean((truth - pred) ** 2)))


def test_numeric_train_labels_match_label_strings(tmp_path: Path) -> None:
    train = TRAIN.assign(Survived=TRAIN["Survived"].astype(float))
    oof = write_oof(tmp_path / "oof.csv", pd.DataFrame({"id": IDS, "0": 1 - P1, "1": P1}))
    result = score_oof(oof, train, FOLDS, make_profile("binary", ["Survived"], ["0", "1"]),
                       get_scorer("accuracy"))
    assert 0 <= result.oof_score <= 1


@pytest.mark.parametrize(("frame", "message"), [
    (pd.DataFrame({"id": IDS[:6], "0": (1 - P1)[:6], "1": P1[:6]}), "2 of 8 train ids"),
    (pd.DataFrame({"id": IDS, "0": 1 - P1, "1": [np.nan, *P1[1:]]}), "NaN"),
    (pd.DataFrame({"id": IDS, "prob": P1}), "missing \\['0', '1'\\]"),
    (pd.DataFrame({"ID": IDS, "0": 1 - P1, "1": P1}), "no id column"),
    (pd.DataFrame({"id": [*IDS, "9999"], "0": [*(1 - P1), .5], "1": [*P1, .5]}),
     "not in train"),
    (pd.DataFrame({"id": [*IDS, IDS[0]], "0": [*(1 - P1), .5], "1": [*P1, .5]}), "duplicated"),
])
def test_bad_oof_files_fail_with_actionable_messages(tmp_path: Path, frame: pd.DataFrame,
                                                     message: str) -> None:
    profile = make_profile("binary", ["Survived"], ["0", "1"])
    with pytest.raises(RunFailed, match=message) as info:
        score_oof(write_oof(tmp_path / "oof.csv", frame), TRAIN, FOLDS, profile,
                  get_scorer("roc_auc"))
    assert "code contract" in str(info.value)


def test_missing_oof_file(tmp_path: Path) -> None:
    with pytest.raises(RunFailed, match="not written"):
        score_oof(tmp_path / "oof.csv", TRAIN, FOLDS, make_profile("binary", ["Survived"],
                                                                   ["0", "1"]),
                  get_scorer("roc_auc"))


def test_scorer_for_profile_uses_name_or_custom_file(tmp_path: Path) -> None:
    assert scorer_for_profile(make_profile("binary", ["Survived"], ["0", "1"])).name == "roc_auc"
    path = tmp_path / "m.py"
    path.write_text("def score(y_true, y_pred):\n    return float(abs(y_true - y_pred).max())\n")
    custom = MetricChoice(name="custom", greater_is_better=False, source="custom",
                          custom_file=f"{path}:score")
    scorer = scorer_for_profile(make_profile("regression", ["price"], metric=custom))
    assert scorer.needs == "values" and scorer.score([1.0, 2.0], [1.5, 4.0]) == 2.0
