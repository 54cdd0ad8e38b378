"""CV folds: the right splitter per task, determinism, rare classes, groups and time."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from autokaggle.errors import InputError
from autokaggle.evaluate.folds import make_folds, read_folds, write_folds
from autokaggle.orchestrator.context import RunContext
from autokaggle.orchestrator.options import RunOptions
from autokaggle.orchestrator.steps.folds import fold_count
from autokaggle.profile.model import (
    DataProfile,
    FileProfile,
    MetricChoice,
    SubmissionFormat,
)
from autokaggle.store import RunPaths, open_store


def make_profile(task: str, targets: list[str], labels: list[str] | None = None,
                 **extra: object) -> DataProfile:
    return DataProfile(
        slug="t", title="t", train_file="train.csv", test_file="test.csv",
        sample_file="sample_submission.csv", files=[], columns=[], id_column="id",
        target_columns=targets, task=task, class_labels=labels or [],  # type: ignore[arg-type]
        metric=MetricChoice(name="accuracy", greater_is_better=True),
        submission_format=SubmissionFormat(kind="labels", id_column="id",
                                           columns=["id", *targets], target_columns=targets),
        feature_columns=["x"], **extra,  # type: ignore[arg-type]
    )


def frame(n: int = 100, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"id": [f"{i:04d}" for i in range(n)], "x": rng.normal(size=n),
                         "y": rng.choice(["a", "b", "c"], size=n, p=[.6, .3, .1]),
                         "r": rng.normal(size=n), "g": rng.integers(0, 12, size=n),
                         "t1": rng.integers(0, 2, size=n), "t2": rng.integers(0, 2, size=n)})


@pytest.mark.smoke
def test_stratified_folds_keep_class_shares_and_row_order() -> None:
    train = frame()
    folds = make_folds(train, make_profile("multiclass", ["y"], ["a", "b", "c"]), seed=1)
    assert list(folds.columns) == ["id", "fold"] and list(folds["id"]) == list(train["id"])
    assert folds.attrs["strategy"] == "stratified"
    assert sorted(folds["fold"].unique()) == [0, 1, 2, 3, 4]
    counts = pd.crosstab(folds["fold"], train["y"])
    assert (counts.max() - counts.min()).max() <= 1


def test_folds_are_deterministic_and_depend_on_seed() -> None:
    train, profile = frame(), make_profile("multiclass", ["y"], ["a", "b", "c"])
    a, b = make_folds(train, profile, seed=7), make_folds(train, profile, seed=7)
    assert a.equals(b)
    assert not a.equals(make_folds(train, profile, seed=8))


def test_rare_class_is_merged_with_a_note() -> None:
    train = frame(40)
    train.loc[:1, "y"] = "rare"
    folds = make_folds(train, make_profile("multiclass", ["y"]), seed=0)
    assert folds.attrs["strategy"] == "stratified"
    assert any("rare" in note for note in folds.attrs["notes"])
    assert folds["fold"].between(0, 4).all()


def test_tiny_classes_fall_back_to_kfold() -> None:
    train = pd.DataFrame({"id": list("abcdef"), "y": list("uvwxyz")})
    folds = make_folds(train, make_profile("multiclass", ["y"]), seed=0, n_splits=3)
    assert folds.attrs["strategy"] == "kfold" and folds["fold"].value_counts().tolist() == [2] * 3


def test_regression_uses_kfold_and_multilabel_iterative_stratification() -> None:
    train = frame()
    reg = make_folds(train, make_profile("regression", ["r"]), seed=0)
    assert reg.attrs["strategy"] == "kfold" and reg["fold"].value_counts().tolist() == [20] * 5
    ml = make_folds(train, make_profile("multilabel", ["t1", "t2"]), seed=0)
    assert ml.attrs["strategy"] == "multilabel_stratified"
    assert set(ml["fold"]) == set(range(5))


def test_group_folds_never_split_a_group() -> None:
    train = frame()
    for task, targets in (("multiclass", ["y"]), ("regression", ["r"])):
        folds = make_folds(train, make_profile(task, targets, group_column="g"), seed=0)
        assert folds.attrs["strategy"] in ("stratified_group", "group")
        per_group = folds.groupby(train["g"])["fold"].nunique()
        assert set(per_group.tolist()) == {1}


def test_time_folds_are_contiguous_time_blocks() -> None:
    train = frame(50)
    train["date"] = pd.date_range("2020-01-01", periods=50).strftime("%Y-%m-%d")[::-1]
    folds = make_folds(train, make_profile("regression", ["r"], time_column="date"), seed=0)
    assert folds.attrs["strategy"] == "time_blocks"
    by_time = folds["fold"].to_numpy()[np.argsort(train["date"].to_numpy())]
    assert (np.diff(by_time) >= 0).all() and set(by_time) == set(range(5))



def test_time_folds_sort_a_column_that_mixes_time_zones_in_utc() -> None:
    train = frame(50)
    stamps = pd.date_range("2020-01-01", periods=50, freq="h", tz="UTC")
    # Every other stamp written in UTC-03:00: the same instants, in a second zone.
    text = [s.tz_convert("-03:00" if i % 2 else "UTC").isoformat() for i, s in enumerate(stamps)]
    train["date"] = text[::-1]
    folds = make_folds(train, make_profile("regression", ["r"], time_column="date"), seed=0)
    by_time = folds["fold"].to_numpy()[::-1]  # back in time order
    assert (np.diff(by_time) >= 0).all() and set(by_time) == set(range(5))

def test_bad_inputs_raise_input_error() -> None:
    with pytest.raises(InputError, match="no column"):
        make_folds(frame(), make_profile("regression", ["missing"]), seed=0)
    with pytest.raises(InputError, match="cannot make"):
        make_folds(frame(3), make_profile("regression", ["r"]), seed=0)


def test_write_and_read_folds_keep_string_ids(tmp_path: Path) -> None:
    folds = make_folds(frame(), make_profile("regression", ["r"]), seed=0)
    path = write_folds(folds, tmp_path / "input" / "folds.csv")
    back = read_folds(path, "id")
    assert back["id"].iloc[0] == "0000" and back.equals(folds)


def fold_ctx(tmp_path: Path, rows: int, budget_s: float, **options: object) -> RunContext:
    """A run context on a 12-feature, 7-class table of ``rows`` rows, its budget started."""
    from autokaggle.orchestrator.engine import start_budget

    profile = make_profile("multiclass", ["y"], [f"c{i}" for i in range(7)])
    profile.files = [FileProfile(name="train.csv", role="train", rows=rows, columns=14,
                                 size_bytes=rows * 80)]
    profile.feature_columns = [f"x{i}" for i in range(12)]
    opts = RunOptions.model_validate({"source": "x", "threads": 2, "time_budget_s": budget_s,
                                      **options})
    ctx = RunContext("r", RunPaths(tmp_path / "run"), opts, open_store(tmp_path / "work"),
                     logging.getLogger("test"), lambda event: None)
    ctx.cache["profile"] = profile
    start_budget(ctx)
    return ctx


def test_a_table_too_large_for_five_folds_in_the_budget_gets_three(tmp_path: Path) -> None:
    """600k rows x 12 features x 7 classes on 2 threads: at 120 s five folds would boost for
    12 s each at about 0.3 s a round, too few rounds to learn; at 600 s they have the time."""
    notes: list[str] = []
    ctx = fold_ctx(tmp_path, 600_000, 120)
    ctx.emit = lambda event: notes.append(str(getattr(event, "text", "")))
    assert fold_count(ctx) == 3 and "--folds K" in notes[0]
    assert fold_count(fold_ctx(tmp_path, 600_000, 600)) == 5
    assert fold_count(fold_ctx(tmp_path, 20_000, 120)) == 5  # a small table keeps five
    assert fold_count(fold_ctx(tmp_path, 600_000, 120, threads=16)) == 5  # more cores, more rounds


def test_the_user_the_count_bound_search_and_the_baseline_only_keep_their_folds(
        tmp_path: Path) -> None:
    """--folds wins; --max-candidates and a budget of 0 never let the size decide."""
    assert fold_count(fold_ctx(tmp_path, 600_000, 120, n_splits=4)) == 4
    assert fold_count(fold_ctx(tmp_path, 600_000, 120, max_candidates=2)) == 5
    assert fold_count(fold_ctx(tmp_path, 600_000, 0)) == 5


def test_the_baseline_and_the_plan_use_the_folds_the_run_wrote(tmp_path: Path) -> None:
    """Three folds on disk: each model's share of the time, the template's config and the
    plan's fold count say three, whatever the options say."""
    from autokaggle.orchestrator.steps.baseline import current_decisions, fit_seconds

    ctx = fold_ctx(tmp_path, 600_000, 120)
    ctx.paths.input.mkdir(parents=True)
    ids = pd.DataFrame({"id": [str(i) for i in range(9)], "y": ["c0", "c1", "c2"] * 3})
    write_folds(make_folds(ids, ctx.profile, seed=0, n_splits=3), ctx.paths.input / "folds.csv")
    share = fit_seconds(ctx)
    assert share is not None and 0.5 * 115 / 3 < share <= 0.5 * 120 / 3
    assert current_decisions(ctx).n_folds.value == 3
