"""Train and test in one table (Playground S3E15): the rows the sample names are test."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pipeline_run as pr

from autokaggle.profile.prepare import prepare_tables
from autokaggle.profile.split_table import SplitTable, split_table


def _one_table(folder: Path) -> pd.DataFrame:
    """data.csv, whose target is missing on the 60 rows a shuffled sample names, and on 5 rows
    it does not name; returns the full table with the truth."""
    rng = np.random.default_rng(8)
    n = 300
    x = rng.normal(size=(n, 2))
    frame = pd.DataFrame({"id": np.arange(n), "a": x[:, 0].round(3), "b": x[:, 1].round(3),
                          "x_e_out [-]": (0.1 * x[:, 0] + rng.normal(0, 0.01, n)).round(4)})
    asked = rng.permutation(n)[:60]
    data = frame.copy()
    data.loc[asked, "x_e_out [-]"] = np.nan
    data.loc[np.setdiff1d(np.arange(n), asked)[:5], "x_e_out [-]"] = np.nan
    folder.mkdir(parents=True)
    data.to_csv(folder / "data.csv", index=False)
    pd.DataFrame({"id": asked, "x_e_out [-]": 0.0}).to_csv(folder / "sample_submission.csv",
                                                           index=False)
    (folder / "overview.md").write_text("# Heat flux\n\n## Evaluation\n\nRoot mean squared error.\n")
    return frame.assign(asked=frame["id"].isin(asked))


def test_the_sample_s_rows_are_test_and_the_labelled_rest_train(tmp_path: Path) -> None:
    frame = _one_table(tmp_path / "data")
    found = split_table(tmp_path / "data", tmp_path / "prepared")
    assert found == SplitTable("data.csv", train_rows=235, test_rows=60, unlabelled=5)
    train = pd.read_csv(tmp_path / "prepared/train.csv")
    test = pd.read_csv(tmp_path / "prepared/test.csv")
    assert list(test.columns) == ["id", "a", "b"]
    assert sorted(test["id"]) == sorted(frame.loc[frame["asked"], "id"])
    assert train["x_e_out [-]"].notna().all() and not set(train["id"]) & set(test["id"])
    assert sorted(p.name for p in (tmp_path / "prepared").iterdir()) == [
        "overview.md", "sample_submission.csv", "test.csv", "train.csv"]
    assert "5 other rows without a target are left out" in found.note()  # type: ignore[union-attr]


def test_a_folder_with_train_and_test_or_a_sample_of_unknown_ids_is_left_alone(
    tmp_path: Path,
) -> None:
    train, test, sample = pr.tiny_frames()
    data = pr.write_csvs(tmp_path / "tiny", train, test, sample)
    assert prepare_tables(data, tmp_path / "prepared") == (data, [])
    _one_table(tmp_path / "data")
    sample = pd.read_csv(tmp_path / "data/sample_submission.csv")
    sample.loc[0, "id"] = 10_000  # a row data.csv does not hold
    sample.to_csv(tmp_path / "data/sample_submission.csv", index=False)
    assert split_table(tmp_path / "data", tmp_path / "prepared") is None
    assert not (tmp_path / "prepared").exists()


def test_a_run_on_one_table_ends_with_a_valid_submission(tmp_path: Path) -> None:
    frame = _one_table(tmp_path / "data")
    result, stderr = pr.cli_run(tmp_path / "data", tmp_path / "work", "--time-budget", "0")
    submission = pd.read_csv(result["submission"])
    sample = pd.read_csv(tmp_path / "data/sample_submission.csv")
    assert submission["id"].tolist() == sample["id"].tolist()
    truth = frame.set_index("id").loc[submission["id"], "x_e_out [-]"].to_numpy()
    rmse = float(np.sqrt(np.mean((submission["x_e_out [-]"].to_numpy() - truth) ** 2)))
    assert rmse < 0.05  # the target's spread is 0.1: learnt from a
    assert "data.csv holds train and test" in stderr
