"""Test files without ids whose sample submission numbers the rows (Kaggle's Digit Recognizer)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pipeline_run as pr
import pytest
from sklearn.datasets import load_digits

from autokaggle.profile.reader import CsvDialect, read_arrow, sniff_dialect
from autokaggle.profile.row_ids import RowIds, number_rows


def _digit_recognizer(folder: Path, start: int = 1, classes: int = 10) -> pd.Series:
    """Digit Recognizer's layout on sklearn's 8x8 digits (those below ``classes``; with all ten,
    1,300 train rows and 497 test rows): train ``label, pixel0..``, test the pixels only, the
    sample ``ImageId`` (row numbers from ``start``) and ``Label``; returns test's true labels."""
    digits = load_digits(n_class=classes)
    pixels = pd.DataFrame(digits.data.astype(int), columns=[f"pixel{i}" for i in range(64)])
    train = pd.concat([pd.Series(digits.target, name="label"), pixels], axis=1)
    rows = 1300 if classes == 10 else len(train) * 3 // 4
    folder.mkdir(parents=True)
    train.iloc[:rows].to_csv(folder / "train.csv", index=False)
    pixels.iloc[rows:].to_csv(folder / "test.csv", index=False)
    ids = np.arange(start, start + len(pixels) - rows)
    pd.DataFrame({"ImageId": ids, "Label": 0}).to_csv(folder / "sample_submission.csv",
                                                      index=False)
    (folder / "overview.md").write_text("# Digits\n\n## Evaluation\n\nThis competition is "
                                        "evaluated on the categorization accuracy.\n")
    return pd.Series(digits.target[rows:], index=ids)


def test_rows_are_numbered_as_the_sample_counts_them(tmp_path: Path) -> None:
    _digit_recognizer(tmp_path / "data", start=1)
    found = number_rows(tmp_path / "data", tmp_path / "prepared")
    assert found == RowIds("ImageId", 1, 1300, 497)
    test = pd.read_csv(tmp_path / "prepared" / "test.csv", dtype=str)
    original = pd.read_csv(tmp_path / "data" / "test.csv", dtype=str)
    assert list(test.columns) == ["ImageId", *original.columns]
    assert test["ImageId"].tolist() == [str(i) for i in range(1, 498)]
    assert test.drop(columns="ImageId").equals(original)  # values exactly as written
    train = pd.read_csv(tmp_path / "prepared" / "train.csv")
    assert train["ImageId"].tolist() == list(range(1, 1301)) and "label" in train
    assert sorted(p.name for p in (tmp_path / "prepared").iterdir()) == [
        "overview.md", "sample_submission.csv", "test.csv", "train.csv"]
    assert "ImageId numbers its rows 1..497" in found.note()  # type: ignore[union-attr]


@pytest.mark.parametrize("change", ["shuffled", "start 5", "one short", "both have ids"])
def test_nothing_is_numbered_unless_the_sample_counts_test_rows_in_order(
        tmp_path: Path, change: str) -> None:
    data = tmp_path / "data"
    _digit_recognizer(data, start=5 if change == "start 5" else 0)
    sample = pd.read_csv(data / "sample_submission.csv")
    if change == "shuffled":
        sample = sample.iloc[::-1]
    if change == "one short":
        sample = sample.iloc[:-1]
    if change == "both have ids":
        for name, ids in (("test", sample["ImageId"]), ("train", range(1300))):
            table = pd.read_csv(data / f"{name}.csv")
            table.insert(0, "ImageId", list(ids))
            table.to_csv(data / f"{name}.csv", index=False)
    sample.to_csv(data / "sample_submission.csv", index=False)
    assert number_rows(data, tmp_path / "prepared") is None
    assert not (tmp_path / "prepared").exists()


def _train_without_ids(folder: Path, classes: int = 10) -> pd.Series:
    """San Francisco Crime's layout: test and the sample have ids (from 1000), train has none."""
    truth = _digit_recognizer(folder, classes=classes)
    test = pd.read_csv(folder / "test.csv")
    test.insert(0, "ImageId", truth.index + 999)
    test.to_csv(folder / "test.csv", index=False)
    pd.DataFrame({"ImageId": test["ImageId"], "Label": 0}).to_csv(
        folder / "sample_submission.csv", index=False)
    return pd.Series(truth.to_numpy(), index=test["ImageId"])


def test_train_without_the_id_that_test_has_is_numbered_from_zero(tmp_path: Path) -> None:
    _train_without_ids(tmp_path / "data")
    found = number_rows(tmp_path / "data", tmp_path / "prepared")
    assert found == RowIds("ImageId", 0, 1300, None)
    train = pd.read_csv(tmp_path / "prepared" / "train.csv")
    assert train["ImageId"].tolist() == list(range(1300)) and train.columns[1] == "label"
    test = (tmp_path / "prepared" / "test.csv").read_bytes()
    assert test == (tmp_path / "data" / "test.csv").read_bytes()  # kept as it was
    assert "train has no id column ImageId (test has)" in found.note()  # type: ignore[union-attr]


@pytest.mark.parametrize(("layout", "note"), [  # four digits (540 train rows): a quicker run
    (_digit_recognizer, "ImageId numbers its rows 1..180"),
    (_train_without_ids, "numbered 0..539 as ImageId"),
])
def test_a_run_on_a_folder_without_ids_ends_with_a_valid_submission(
        tmp_path: Path, layout, note: str) -> None:
    truth = layout(tmp_path / "data", classes=4)
    result, stderr = pr.cli_run(tmp_path / "data", tmp_path / "work")
    submission = pd.read_csv(result["submission"])
    assert list(submission.columns) == ["ImageId", "Label"]
    assert submission["ImageId"].tolist() == truth.index.tolist()
    assert (submission["Label"].to_numpy() == truth.to_numpy()).mean() > 0.9
    assert note in stderr
    run = Path(result["run_dir"])
    assert Path(os.readlink(run / "input" / "data")) == run / "input" / "prepared"
    assert json.loads((run / "input" / "competition.json").read_text())["data_dir"] == str(
        run / "input" / "prepared")


def test_numbered_copies_keep_the_separator_so_decimal_commas_stay_numbers(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    frame = pd.DataFrame({"weight": [1.5, 2.25, 3.0, 4.75], "size": [1, 2, 3, 4],
                          "label": ["a", "b", "a", "b"]})
    frame.to_csv(data / "train.csv", index=False, sep=";", decimal=",")
    frame[["weight", "size"]].to_csv(data / "test.csv", index=False, sep=";", decimal=",")
    pd.DataFrame({"Id": [1, 2, 3, 4], "label": "a"}).to_csv(data / "sample_submission.csv",
                                                            index=False)
    assert number_rows(data, tmp_path / "prepared") is not None
    for name in ("train.csv", "test.csv"):
        path = tmp_path / "prepared" / name
        assert sniff_dialect(path) == CsvDialect(";", "utf-8", ",")
        assert read_arrow(path)["weight"].to_pylist() == [1.5, 2.25, 3.0, 4.75]
