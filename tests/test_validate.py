"""Submission validation against the sample submission."""

from __future__ import annotations

from pathlib import Path

import pytest

from autokaggle.evaluate.validate import validate_submission
from autokaggle.profile.model import DataProfile, MetricChoice, SubmissionFormat


def make_profile(kind: str, columns: list[str], labels: list[str] | None = None,
                 **fmt: object) -> DataProfile:
    targets = columns[1:]
    return DataProfile(
        slug="t", title="t", train_file="train.csv", test_file="test.csv",
        sample_file="sample_submission.csv", files=[], columns=[], id_column=columns[0],
        target_columns=targets, task="binary", class_labels=labels or [],
        metric=MetricChoice(name="accuracy", greater_is_better=True),
        submission_format=SubmissionFormat(kind=kind, id_column=columns[0],  # type: ignore
                                           columns=columns, target_columns=targets,
                                           label_values=labels or [], **fmt),  # type: ignore
        feature_columns=["x"],
    )


def files(tmp_path: Path, sample: str, submission: str) -> tuple[Path, Path]:
    (tmp_path / "sample.csv").write_text(sample)
    (tmp_path / "submission.csv").write_text(submission)
    return tmp_path / "submission.csv", tmp_path / "sample.csv"


LABELS = make_profile("labels", ["PassengerId", "Survived"], ["0", "1"])
SAMPLE = "PassengerId,Survived\n0013_01,0\n0018_01,0\n0019_01,0\n"


@pytest.mark.smoke
def test_a_matching_submission_is_ok(tmp_path: Path) -> None:
    report = validate_submission(*files(tmp_path, SAMPLE,
                                        "PassengerId,Survived\n0013_01,1\n0018_01,0\n0019_01,1\n"),
                                 LABELS)
    assert report.ok and report.problems == [] and report.rows == 3


def test_probabilities_in_a_label_column_are_explained(tmp_path: Path) -> None:
    report = validate_submission(*files(tmp_path, SAMPLE, "PassengerId,Survived\n"
                                        "0013_01,0.73\n0018_01,0.21\n0019_01,1\n"), LABELS)
    assert not report.ok
    assert report.problems == ["column 'Survived' has 2 values not in the label set {0, 1}: "
                               "0.21, 0.73 — write class labels, not probabilities"]


def test_label_spelling_must_match_the_sample(tmp_path: Path) -> None:
    profile = make_profile("labels", ["id", "Transported"], ["False", "True"])
    sample = "id,Transported\n1,False\n2,False\n"
    report = validate_submission(*files(tmp_path, sample, "id,Transported\n1,true\n2,False\n"),
                                 profile)
    assert "spell labels like the sample" in report.problems[0]
    report = validate_submission(*files(tmp_path, SAMPLE, "PassengerId,Survived\n"
                                        "0013_01,1.0\n0018_01,0\n0019_01,1\n"), LABELS)
    assert "1 not 1.0" in report.problems[0]


def test_ids_keep_leading_zeros_and_order(tmp_path: Path) -> None:
    report = validate_submission(*files(tmp_path, SAMPLE, "PassengerId,Survived\n"
                                        "13_01,1\n0018_01,0\n0019_01,1\n"), LABELS)
    assert any("missing: 0013_01" in p for p in report.problems)
    assert any("leading zeros" in p for p in report.problems)
    report = validate_submission(*files(tmp_path, SAMPLE, "PassengerId,Survived\n"
                                        "0018_01,1\n0013_01,0\n0019_01,1\n"), LABELS)
    assert len(report.problems) == 1 and "different order" in report.problems[0]


def test_columns_rows_and_empty_cells(tmp_path: Path) -> None:
    report = validate_submission(*files(tmp_path, SAMPLE,
                                        "Survived,PassengerId\n1,0013_01\n0,0018_01\n"), LABELS)
    assert any("wrong order" in p for p in report.problems)
    assert any("2 rows but the sample has 3" in p for p in report.problems)
    report = validate_submission(*files(tmp_path, SAMPLE, "PassengerId,Survived\n"
                                        "0013_01,\n0018_01,NaN\n0019_01,1\n"), LABELS)
    assert any("2 empty or NaN" in p for p in report.problems)


def test_probability_submission_range_and_numbers(tmp_path: Path) -> None:
    profile = make_profile("probabilities", ["id", "a", "b"], ["a", "b"])
    sample = "id,a,b\n1,0.5,0.5\n2,0.5,0.5\n"
    report = validate_submission(*files(tmp_path, sample, "id,a,b\n1,1.2,x\n2,0.5,inf\n"),
                                 profile)
    assert any("within [0, 1]" in p and "1.2" in p for p in report.problems)
    assert any("not finite numbers: x, inf" in p for p in report.problems)


def test_integer_values_where_the_profile_says_int(tmp_path: Path) -> None:
    profile = make_profile("values", ["id", "count"], value_dtype="int")
    report = validate_submission(*files(tmp_path, "id,count\n1,0\n2,0\n",
                                        "id,count\n1,3\n2,2.5\n"), profile)
    assert report.problems == ["column 'count' must hold integers like the sample; found 2.5"]


def test_topk_rows_need_k_distinct_known_labels(tmp_path: Path) -> None:
    profile = make_profile("topk", ["row_id", "Crop"], ["a", "b", "c", "d"], k=3)
    sample = "row_id,Crop\n1,a b c\n2,a b c\n3,a b c\n"
    good = validate_submission(*files(tmp_path, sample,
                                      "row_id,Crop\n1,a b c\n2,d c b\n3,b a d\n"), profile)
    assert good.ok
    bad = validate_submission(*files(tmp_path, sample,
                                     "row_id,Crop\n1,a b\n2,a a c\n3,a b z\n"), profile)
    text = " | ".join(bad.problems)
    assert "exactly 3" in text and "repeat a label" in text and "z" in text


def test_missing_files_are_reported(tmp_path: Path) -> None:
    report = validate_submission(tmp_path / "nope.csv", tmp_path / "nope2.csv", LABELS)
    assert not report.ok and len(report.problems) == 2
