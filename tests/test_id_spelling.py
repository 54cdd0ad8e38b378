"""The id spelled `Id` in train and test, `ID` in the sample: named as the sample names it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pipeline_run as pr

from autokaggle.profile.id_spelling import IdSpelling, respell_id


def _spelled(folder: Path, tables: str, sample: str) -> Path:
    train, test, frame = pr.tiny_frames()
    sample_frame = frame.rename(columns={"id": sample})
    return pr.write_csvs(folder, train.rename(columns={"id": tables}),
                         test.rename(columns={"id": tables}), sample_frame)


def test_train_and_test_get_the_sample_s_spelling_in_copies(tmp_path: Path) -> None:
    data = _spelled(tmp_path / "data", "Id", "ID")
    found = respell_id(data, tmp_path / "prepared")
    assert found == IdSpelling("ID", "Id")
    for name in ("train.csv", "test.csv"):
        copy = pd.read_csv(tmp_path / "prepared" / name)
        original = pd.read_csv(data / name)
        assert list(copy.columns) == ["ID", *original.columns[1:]]
        assert copy.to_numpy().tolist() == original.to_numpy().tolist()
    assert respell_id(_spelled(tmp_path / "same", "ID", "ID"), tmp_path / "p2") is None
    assert not (tmp_path / "p2").exists()


def test_a_run_writes_the_sample_s_header(tmp_path: Path) -> None:
    # Was: exit 2, "the id column 'ID' of the sample submission is not a column of test.csv",
    # and with --id Id the target could not be told.
    data = _spelled(tmp_path / "data", "Id", "ID")
    result, stderr = pr.cli_run(data, tmp_path / "work", "--time-budget", "0")
    submission = pd.read_csv(result["submission"])
    assert list(submission.columns) == ["ID", "target"]
    assert submission["ID"].tolist() == pd.read_csv(data / "sample_submission.csv")["ID"].tolist()
    assert "names the id column 'ID'" in stderr
