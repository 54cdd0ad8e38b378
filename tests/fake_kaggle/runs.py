"""Build a finished run folder (competition.json, data profile, submission) for submit tests."""

from __future__ import annotations

from pathlib import Path

from autokaggle.kaggle.models import CompetitionFile, CompetitionInfo
from autokaggle.profile.model import (
    ColumnProfile,
    DataProfile,
    FileProfile,
    MetricChoice,
    SubmissionFormat,
)
from autokaggle.store import open_store
from fake_kaggle.fixtures import SAMPLE

GOOD_SUBMISSION = "PassengerId,Survived\n5,1\n6,0\n"


def make_run(home: Path, slug: str = "demo-comp", source: str = "kaggle",
             submission: str | None = GOOD_SUBMISSION) -> str:
    """Register a run in the store and write the files submit reads; returns the run id."""
    run_id = f"20260101-000000-{slug}-abcd"
    store = open_store(home)
    run = store.create_run(run_id, slug, slug, {}, ["intake"])
    data = home / "data" / slug
    data.mkdir(parents=True, exist_ok=True)
    (data / "sample_submission.csv").write_bytes(SAMPLE)
    inp, out = Path(run.run_dir) / "input", Path(run.run_dir) / "output"
    inp.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    info = CompetitionInfo(slug=slug, title="Demo Competition", source=source, data_dir=str(data),
                           files=[CompetitionFile(name="sample_submission.csv", size=len(SAMPLE))])
    (inp / "competition.json").write_text(info.model_dump_json(indent=2))
    (inp / "data_profile.json").write_text(_profile(slug).model_dump_json(indent=2))
    if submission is not None:
        (out / "submission.csv").write_text(submission)
    return run_id


def _profile(slug: str) -> DataProfile:
    col = ColumnProfile(name="Survived", dtype="int64", semantic="categorical", missing_share=0.0, n_unique=2)
    return DataProfile(
        slug=slug, title="Demo", train_file="train.csv", test_file="test.csv",
        sample_file="sample_submission.csv",
        files=[FileProfile(name="train.csv", role="train", rows=4, columns=5, size_bytes=10)],
        columns=[col], id_column="PassengerId", target_columns=["Survived"], task="binary",
        class_labels=["0", "1"], metric=MetricChoice(name="accuracy", greater_is_better=True),
        submission_format=SubmissionFormat(kind="labels", id_column="PassengerId",
                                           columns=["PassengerId", "Survived"], target_columns=["Survived"],
                                           label_dtype="int", label_values=["0", "1"]),
        feature_columns=["Pclass"],
    )
