"""Several rows per id (TPS April 2022's sequences): each id's rows summarised into one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pipeline_run as pr
import pytest

from autokaggle.errors import InputError
from autokaggle.kaggle.local import load_local
from autokaggle.profile import build_profile
from autokaggle.profile.group_rows import summarise_groups
from autokaggle.profile.prepare import prepare_tables


def _sequences(folder: Path, steps: int = 6) -> pd.DataFrame:
    """train.csv and test.csv with ``steps`` rows per ``sequence`` (ids like "s007", test's
    rows shuffled), the labels in train_labels.csv, one sample row per test sequence; the
    label is whether sensor_a's mean is positive. Returns train's rows with their labels."""
    rng = np.random.default_rng(7)
    ids = [f"s{i:03d}" for i in range(160)]
    offsets = rng.normal(size=len(ids))
    rows = pd.DataFrame({"sequence": np.repeat(ids, steps), "step": np.tile(range(steps), 160),
                         "sensor_a": np.repeat(offsets, steps) + rng.normal(size=160 * steps),
                         "kind": rng.choice(["x", "y"], 160 * steps)})
    rows["state"] = np.repeat((offsets > 0).astype(int), steps)
    train, test = rows[rows["sequence"] < "s120"], rows[rows["sequence"] >= "s120"]
    folder.mkdir(parents=True)
    train.drop(columns="state").to_csv(folder / "train.csv", index=False)
    train.groupby("sequence")["state"].first().reset_index().to_csv(
        folder / "train_labels.csv", index=False)
    test.drop(columns="state").sample(frac=1, random_state=0).to_csv(folder / "test.csv",
                                                                    index=False)
    pd.DataFrame({"sequence": ids[120:], "state": 0.5}).to_csv(
        folder / "sample_submission.csv", index=False)
    (folder / "overview.md").write_text("# Sequences\n\n## Evaluation\n\nArea under the ROC "
                                        "curve.\n")
    return train


def test_each_id_s_rows_become_one_row_of_their_summaries(tmp_path: Path) -> None:
    data = tmp_path / "data"
    train = _sequences(data)
    folder, notes = prepare_tables(data, tmp_path / "prepared")
    assert folder == tmp_path / "prepared" and len(notes) == 2  # labels joined, rows summarised
    assert "720 rows for 120 ids in train, 240 for 40 in test" in notes[1]
    got = pd.read_csv(folder / "train.csv", dtype={"sequence": str, "kind_first": str})
    first = train.groupby("sequence", sort=False)
    assert got["sequence"].tolist() == list(first.groups)  # "s007" kept as written, in order
    assert np.allclose(got["sensor_a_mean"], first["sensor_a"].mean())
    assert np.allclose(got["sensor_a_std"], first["sensor_a"].std())
    assert np.allclose(got["sensor_a_last"], first["sensor_a"].last())
    assert (got["step_max"] == 5).all() and (got["sequence_rows"] == 6).all()
    assert got["kind"].tolist() == first["kind"].first().tolist()
    assert got["state"].tolist() == first["state"].first().tolist()
    test = pd.read_csv(folder / "test.csv")
    assert len(test) == 40 and "state" not in test.columns
    assert sorted(p.name for p in folder.iterdir()) == [
        "overview.md", "sample_submission.csv", "test.csv", "train.csv"]


def test_copies_keep_each_table_s_name_and_replace_it(tmp_path: Path) -> None:
    # CareerCon 2019's names; test as parquet: its copy is X_test.csv, and the parquet file
    # the labels' join linked into the folder goes, or test would be there twice.
    data = tmp_path / "data"
    _sequences(data)
    (data / "train.csv").rename(data / "X_train.csv")
    (data / "train_labels.csv").rename(data / "y_train.csv")
    pd.read_csv(data / "test.csv").to_parquet(data / "X_test.parquet")
    (data / "test.csv").unlink()
    folder, notes = prepare_tables(data, tmp_path / "prepared")
    assert len(notes) == 2
    assert sorted(p.name for p in folder.iterdir()) == [
        "X_test.csv", "X_train.csv", "overview.md", "sample_submission.csv"]
    assert len(pd.read_csv(folder / "X_test.csv")) == 40


def test_a_table_with_one_row_per_id_or_a_few_repeated_rows_is_left_alone(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _sequences(data, steps=1)
    pd.read_csv(data / "train.csv").merge(pd.read_csv(data / "train_labels.csv")).to_csv(
        data / "train.csv", index=False)
    (data / "train_labels.csv").unlink()
    assert summarise_groups(data, tmp_path / "prepared") is None
    test = pd.read_csv(data / "test.csv")
    pd.concat([test, test.iloc[:5]]).to_csv(data / "test.csv", index=False)  # an accident
    assert summarise_groups(data, tmp_path / "prepared") is None
    assert not (tmp_path / "prepared").exists()


def test_a_target_that_varies_within_an_id_is_not_summarised(tmp_path: Path) -> None:
    # One label per row, not per id: the sample's one row per id is then no summary of them,
    # and the profile's error about repeated ids stands.
    data = tmp_path / "data"
    _sequences(data)
    train = pd.read_csv(data / "train.csv")
    train.assign(state=np.arange(len(train)) % 2).to_csv(data / "train.csv", index=False)
    (data / "train_labels.csv").unlink()
    assert summarise_groups(data, tmp_path / "prepared") is None
    with pytest.raises(InputError, match="repeats"):
        build_profile(load_local(data))


def test_a_run_summarises_the_sequences_and_ends_with_a_valid_submission(
        tmp_path: Path) -> None:
    _sequences(tmp_path / "data")
    result, stderr = pr.cli_run(tmp_path / "data", tmp_path / "work")
    submission = pd.read_csv(result["submission"], dtype={"sequence": str})
    sample = pd.read_csv(tmp_path / "data/sample_submission.csv", dtype={"sequence": str})
    assert submission["sequence"].tolist() == sample["sequence"].tolist()
    assert result["cv_score"] > 0.8  # the label is read from sensor_a's mean
    assert "several rows per sequence" in stderr
