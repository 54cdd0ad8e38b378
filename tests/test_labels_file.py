"""Targets in a file of their own (Mechanisms of Action): joined into train on the id."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pipeline_run as pr

from autokaggle.profile.labels_file import JoinedLabels, join_labels
from autokaggle.profile.prepare import prepare_tables


def _split_labels(folder: Path) -> pd.DataFrame:
    """train_features.csv, train_targets_scored.csv (ids shuffled, one train id missing),
    test_features.csv and a sample asking for two 0/1 targets; returns the full train."""
    rng = np.random.default_rng(5)
    n = 360
    x = rng.normal(size=(n, 2))
    frame = pd.DataFrame({"sig_id": [f"id_{i:04d}" for i in range(n)], "a": x[:, 0].round(3),
                          "b": x[:, 1].round(3), "t_up": (x[:, 0] > 0).astype(int),
                          "t_far": (np.abs(x[:, 1]) > 1).astype(int)})
    train, test = frame.iloc[:300], frame.iloc[300:]
    folder.mkdir(parents=True)
    train[["sig_id", "a", "b"]].to_csv(folder / "train_features.csv", index=False)
    labels = train[["sig_id", "t_up", "t_far"]].sample(frac=1, random_state=0).iloc[1:]
    labels.to_csv(folder / "train_targets_scored.csv", index=False)
    test[["sig_id", "a", "b"]].to_csv(folder / "test_features.csv", index=False)
    pd.DataFrame({"sig_id": test["sig_id"], "t_up": 0.5, "t_far": 0.5}).to_csv(
        folder / "sample_submission.csv", index=False)
    (folder / "overview.md").write_text("# Split\n\n## Evaluation\n\nMean column-wise log loss.\n")
    return train.assign(missing=~train["sig_id"].isin(labels["sig_id"]))


def test_labels_are_joined_on_the_id_in_train_order(tmp_path: Path) -> None:
    train = _split_labels(tmp_path / "data")
    found = join_labels(tmp_path / "data", tmp_path / "prepared")
    assert found == JoinedLabels("train_targets_scored.csv", "train_features.csv", 2, 1)
    joined = pd.read_csv(tmp_path / "prepared" / "train_features.csv", dtype={"sig_id": str})
    assert joined["sig_id"].tolist() == train["sig_id"].tolist()
    labelled = ~train["missing"].to_numpy()
    assert (joined.loc[labelled, ["t_up", "t_far"]].to_numpy()
            == train.loc[labelled, ["t_up", "t_far"]].to_numpy()).all()
    assert joined.loc[~labelled, "t_up"].isna().all()
    assert sorted(p.name for p in (tmp_path / "prepared").iterdir()) == [
        "overview.md", "sample_submission.csv", "test_features.csv", "train_features.csv"]
    assert "1 train rows have no label" in found.note()  # type: ignore[union-attr]


def test_nothing_is_joined_when_train_holds_its_targets(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _split_labels(data)
    features = pd.read_csv(data / "train_features.csv")
    labels = pd.read_csv(data / "train_targets_scored.csv")
    features.merge(labels, on="sig_id").to_csv(data / "train_features.csv", index=False)
    assert join_labels(data, tmp_path / "prepared") is None
    assert prepare_tables(data, tmp_path / "prepared") == (data, [])


def test_a_table_with_the_target_columns_but_not_train_s_ids_is_not_joined(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _split_labels(data)
    (data / "train_targets_scored.csv").unlink()  # only an old submission of test's ids is left
    sample = pd.read_csv(data / "sample_submission.csv")
    sample.to_csv(data / "my_old_submission.csv", index=False)
    assert join_labels(data, tmp_path / "prepared") is None
    assert not (tmp_path / "prepared").exists()


def test_a_run_joins_the_labels_and_ends_with_a_valid_submission(tmp_path: Path) -> None:
    _split_labels(tmp_path / "data")
    result, stderr = pr.cli_run(tmp_path / "data", tmp_path / "work")
    submission = pd.read_csv(result["submission"])
    assert list(submission.columns) == ["sig_id", "t_up", "t_far"] and len(submission) == 60
    assert result["cv_score"] < 0.5  # t_up is learnt from a: far below log(2) per column
    assert "come from train_targets_scored.csv" in stderr
