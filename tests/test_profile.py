"""The profiler infers id, targets, task, submission format and metric for every task kind."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fixtures_profile import (
    N_TEST,
    N_TRAIN,
    evaluation,
    features,
    info_for,
    single_target,
    write_competition,
)

from autokaggle.errors import InputError
from autokaggle.profile import ProfileOverrides, build_profile, write_profile

RNG = np.random.default_rng(0)


@pytest.mark.smoke
def test_binary_labels_with_accuracy(tmp_path: Path) -> None:
    info = single_target(tmp_path, pd.Series(RNG.integers(0, 2, N_TRAIN)), [0, 1],
                         evaluation("Submissions are scored on classification accuracy."))
    p = build_profile(info)
    assert (p.id_column, p.target_columns, p.task) == ("id", ["target"], "binary")
    assert p.metric.name == "accuracy" and p.metric.greater_is_better and p.metric.source == "text"
    assert p.submission_format.kind == "labels" and p.submission_format.label_dtype == "int"
    assert p.class_labels == ["0", "1"]
    assert p.feature_columns == ["x1", "x2", "color"]


def test_true_false_labels_keep_their_spelling(tmp_path: Path) -> None:
    info = single_target(tmp_path, pd.Series(RNG.choice(["True", "False"], N_TRAIN)),
                         ["False"], evaluation("Classification accuracy."))
    p = build_profile(info)
    assert p.task == "binary" and p.class_labels == ["False", "True"]
    assert p.submission_format.label_dtype == "bool"
    assert p.submission_format.label_values == ["False", "True"]


def test_a_few_whole_values_with_one_number_per_row_in_the_sample_are_a_regression(
        tmp_path: Path) -> None:
    # Daily counts of 1..3 and a sample of 0.5s (Predict Future Sales' layout), no metric named:
    # was multiclass, the submission one class's probability in the only column.
    info = single_target(tmp_path, pd.Series(RNG.integers(1, 4, N_TRAIN)), [0.5], None)
    p = build_profile(info)
    assert (p.task, p.submission_format.kind, p.metric.name) == ("regression", "values", "rmse")
    labels = single_target(tmp_path / "labels", pd.Series(RNG.integers(1, 4, N_TRAIN)), [1], None)
    assert build_profile(labels).task == "multiclass"  # the sample writes a class: a class


def test_whole_labels_saved_as_floats_are_spelled_as_the_sample_writes_them(
        tmp_path: Path) -> None:
    # pandas saves an integer target with a missing value as floats: "3.0", where the sample
    # (and so the answer key) writes "3".
    info = single_target(tmp_path, pd.Series(RNG.integers(1, 4, N_TRAIN).astype(float)), [1],
                         evaluation("Classification accuracy."))
    p = build_profile(info)
    assert p.task == "multiclass" and p.class_labels == ["1.0", "2.0", "3.0"]
    assert p.submission_format.label_values == ["1", "2", "3"]
    assert p.submission_format.label_dtype == "int"
    ranked = single_target(tmp_path / "map", pd.Series(RNG.integers(1, 5, N_TRAIN).astype(float)),
                           ["1 2 3"], evaluation("Mean Average Precision @ 3 (MAP@3)."))
    assert build_profile(ranked).submission_format.label_values == ["1", "2", "3", "4"]


def test_binary_auc_submits_probabilities_and_warns_when_sample_shows_labels(tmp_path: Path) -> None:
    info = single_target(tmp_path, pd.Series(RNG.integers(0, 2, N_TRAIN)), [0],
                         evaluation("Area under the ROC curve between the predicted probability "
                                    "and the observed target."))
    p = build_profile(info)
    assert p.metric.name == "roc_auc" and p.submission_format.kind == "probabilities"
    assert "metric-format-mismatch" in {w.code for w in p.warnings}


@pytest.mark.parametrize(("target", "sample", "task", "kind"), [
    (RNG.integers(0, 2, N_TRAIN), [0.0364], "binary", "probabilities"),  # Porto Seguro
    (RNG.integers(1, 40, N_TRAIN), [1], "regression", "values"),  # Liberty Mutual's hazard
])
def test_normalized_gini_lets_the_labels_decide_the_task(
        tmp_path: Path, target: np.ndarray, sample: list, task: str, kind: str) -> None:
    info = single_target(tmp_path, pd.Series(target), sample,
                         evaluation("Submissions are evaluated using the Normalized Gini "
                                    "Coefficient."))
    p = build_profile(info)
    assert (p.metric.name, p.task, p.submission_format.kind) == ("gini", task, kind)
    assert p.submission_format.value_dtype == (None if task == "binary" else "float")


@pytest.mark.parametrize(("text", "dtype"), [
    ("Submissions are scored on the mean absolute error.", "int"),
    ("Submissions are scored on the root mean squared error.", "float"),
])
def test_a_whole_number_target_is_rounded_only_for_a_metric_of_whole_numbers(
        tmp_path: Path, text: str, dtype: str) -> None:
    info = single_target(tmp_path, pd.Series(RNG.integers(1, 30, N_TRAIN)), [0],
                         evaluation(text))  # crab ages (MAE) vs a count scored by RMSE
    p = build_profile(info)
    assert p.task == "regression" and p.submission_format.value_dtype == dtype


def test_multilabel_zero_one_targets_mean_columnwise_auc(tmp_path: Path) -> None:
    train = features(N_TRAIN, 1)
    test = features(N_TEST, 2, start=N_TRAIN)
    for name in ("toxic", "spam", "rude"):
        train[name] = RNG.integers(0, 2, N_TRAIN)
    sample = pd.DataFrame({"id": test["id"], "toxic": 0.5, "spam": 0.5, "rude": 0.5})
    write_competition(tmp_path, train, test, sample,
                      evaluation("Submissions are evaluated on the mean column-wise ROC AUC."))
    p = build_profile(info_for(tmp_path))
    assert p.target_columns == ["toxic", "spam", "rude"] and p.task == "multilabel"
    assert p.metric.name == "mean_columnwise_roc_auc"
    assert p.submission_format.kind == "probabilities"


def test_probability_column_per_class_with_log_loss(tmp_path: Path) -> None:
    train = features(N_TRAIN, 1)
    train["target"] = RNG.choice([f"Class_{i}" for i in range(1, 5)], N_TRAIN)
    test = features(N_TEST, 2, start=N_TRAIN)
    sample = pd.DataFrame({"id": test["id"], **{f"Class_{i}": 0.25 for i in range(1, 5)}})
    write_competition(tmp_path, train, test, sample,
                      evaluation("Submissions are evaluated using the multi-class logarithmic loss."))
    p = build_profile(info_for(tmp_path))
    assert p.target_columns == ["target"] and p.task == "multiclass"
    assert p.metric.name == "log_loss" and not p.metric.greater_is_better
    fmt = p.submission_format
    assert fmt.kind == "probabilities"
    assert fmt.class_columns == {f"Class_{i}": f"Class_{i}" for i in range(1, 5)}
    assert fmt.target_columns == [f"Class_{i}" for i in range(1, 5)]
    assert p.class_labels == [f"Class_{i}" for i in range(1, 5)]


def test_micro_f1_on_string_labels(tmp_path: Path) -> None:
    info = single_target(tmp_path, pd.Series(RNG.choice(["a", "b", "c"], N_TRAIN)), ["a"],
                         evaluation("Submissions are evaluated using the micro-averaged F1 score."))
    p = build_profile(info)
    assert p.task == "multiclass" and p.metric.name == "f1_micro"
    assert p.submission_format.kind == "labels" and p.submission_format.label_dtype == "str"


def test_qwk_on_integer_grades_is_multiclass(tmp_path: Path) -> None:
    info = single_target(tmp_path, pd.Series(RNG.integers(3, 9, N_TRAIN)), [5],
                         evaluation("Scored with the quadratic weighted kappa."), name="quality")
    p = build_profile(info)
    assert p.task == "multiclass" and p.metric.name == "qwk"
    assert p.submission_format.kind == "labels" and p.submission_format.label_dtype == "int"
    assert p.class_labels == ["3", "4", "5", "6", "7", "8"]
    assert not [w for w in p.warnings if w.code == "metric-kappa"]


def test_a_weighted_kappa_on_labels_that_are_names_scores_cohen_s_plain_kappa(
        tmp_path: Path) -> None:
    """QWK would fail on names ("qwk needs integer grades"): there is no distance to weigh."""
    species = pd.Series(RNG.choice(["Adelie", "Chinstrap", "Gentoo"], N_TRAIN))
    info = single_target(tmp_path, species, ["Adelie"],
                         evaluation("Scored with the quadratic weighted kappa."), name="species")
    p = build_profile(info)
    assert p.task == "multiclass" and p.metric.name == "cohen_kappa" and p.metric.source == "text"
    assert [w.code for w in p.warnings if w.code.startswith("metric")] == ["metric-kappa"]
    assert p.submission_format.kind == "labels"
    with pytest.raises(InputError, match="--metric cohen_kappa"):
        build_profile(info, ProfileOverrides(metric="qwk"))
    with pytest.raises(InputError, match="--metric lwk needs numeric grades"):
        build_profile(info, ProfileOverrides(metric="Linear Weighted Kappa"))
    own = tmp_path / "mine.py"  # a --metric-file function named qwk is the user's own
    own.write_text("def qwk(y_true, y_pred):\n    return 0.0\n")
    custom = build_profile(info, ProfileOverrides(metric_file=f"{own}:qwk")).metric
    assert (custom.source, custom.name) == ("custom", "qwk")


@pytest.mark.parametrize(("text", "metric"), [
    ("Submissions are scored on the root mean squared error.", "rmse"),
    ("RMSE between the logarithm of the predicted value and the logarithm of the price.", "rmsle"),
    ("Submissions will be evaluated using Mean Absolute Error (MAE).", "mae"),
])
def test_regression_metrics(tmp_path: Path, text: str, metric: str) -> None:
    info = single_target(tmp_path, pd.Series(RNG.gamma(2.0, 1000.0, N_TRAIN).round(2)),
                         [1234.5], evaluation(text), name="price")
    p = build_profile(info)
    assert p.task == "regression" and p.metric.name == metric and not p.metric.greater_is_better
    assert p.submission_format.kind == "values" and p.submission_format.value_dtype == "float"
    assert p.class_labels == []


def test_timestamp_id_and_train_only_columns_like_bike_sharing(tmp_path: Path) -> None:
    stamps = pd.date_range("2011-01-01", periods=N_TRAIN + N_TEST, freq="h")
    stamps = stamps.strftime("%Y-%m-%d %H:%M:%S")
    casual, registered = RNG.integers(0, 50, N_TRAIN), RNG.integers(0, 200, N_TRAIN)
    train = pd.DataFrame({"datetime": stamps[:N_TRAIN], "temp": RNG.normal(20, 5, N_TRAIN),
                          "casual": casual, "registered": registered,
                          "count": casual + registered})
    test = pd.DataFrame({"datetime": stamps[N_TRAIN:], "temp": RNG.normal(20, 5, N_TEST)})
    sample = pd.DataFrame({"datetime": test["datetime"], "count": 0})
    write_competition(tmp_path, train, test, sample,
                      evaluation("Submissions are evaluated on the Root Mean Squared Logarithmic "
                                 "Error (RMSLE)."))
    p = build_profile(info_for(tmp_path))
    assert (p.id_column, p.target_columns, p.task) == ("datetime", ["count"], "regression")
    assert p.time_column == "datetime" and p.metric.name == "rmsle"  # test comes later
    assert "time-ordered blocks" in next(w for w in p.warnings if w.code == "time-id").message
    leak = next(w for w in p.warnings if w.code == "train-only-column")
    assert leak.columns == ["casual", "registered"]
    assert p.feature_columns == ["temp"]
    assert p.submission_format.value_dtype == "float"  # whole counts, but rounding costs RMSLE


def test_a_timestamp_id_orders_the_folds_only_when_test_comes_later() -> None:
    """A forecast (test after train) wants time blocks; test hours spread over train's period
    (Kaggle's Bike Sharing: days 20+ of each month) want ordinary folds."""
    import pyarrow as pa

    from autokaggle.profile.checks import comes_later

    hours = pd.date_range("2011-01-01", periods=24 * 365, freq="h").strftime("%Y-%m-%d %H:%M:%S")
    stamps = pd.Series(hours)
    late = stamps.str[8:10].astype(int) >= 20

    def arrow(values: pd.Series) -> pa.ChunkedArray:
        return pa.chunked_array([pa.array(values.tolist())])

    assert comes_later(arrow(stamps[:7000]), arrow(stamps[7000:]))
    assert not comes_later(arrow(stamps[~late]), arrow(stamps[late]))
    assert not comes_later(arrow(stamps[7000:]), arrow(stamps[:7000]))  # test before train
    zoned = pd.Series(pd.to_datetime(stamps).dt.tz_localize("UTC").map(lambda t: t.isoformat()))
    assert comes_later(arrow(zoned[:7000]), arrow(zoned[7000:]))
    assert not comes_later(arrow(pd.Series(["x"] * 5)), arrow(stamps[:5]))  # nothing to order
    dotted = pd.Series(pd.to_datetime(stamps).dt.strftime("%d.%m.%Y"))  # day first
    assert comes_later(arrow(dotted[:7000]), arrow(dotted[7000:]))  # read month first: not


def test_datetime_feature_warns_but_does_not_set_time_column(tmp_path: Path) -> None:
    train, test = features(N_TRAIN, 1), features(N_TEST, 2, start=N_TRAIN)
    train["date"] = pd.date_range("2020-01-01", periods=N_TRAIN).strftime("%Y-%m-%d")
    test["date"] = pd.date_range("2021-01-01", periods=N_TEST).strftime("%Y-%m-%d")
    train["y"] = RNG.normal(size=N_TRAIN)
    write_competition(tmp_path, train, test, pd.DataFrame({"id": test["id"], "y": 0.0}),
                      evaluation("RMSE."))
    p = build_profile(info_for(tmp_path))
    assert p.time_column is None
    hint = next(w for w in p.warnings if w.code == "datetime-column")
    assert "Test comes after train on date" in hint.message and "--time date" in hint.message
    assert p.column("date").semantic == "datetime"


def test_topk_sample_is_recognised(tmp_path: Path) -> None:
    labels = ["Dengue", "Zika", "Malaria", "Plague"]
    info = single_target(tmp_path, pd.Series(RNG.choice(labels, N_TRAIN)),
                         ["Dengue Zika Malaria"], None, name="prognosis")
    p = build_profile(info)
    assert p.task == "multiclass" and p.submission_format.kind == "topk"
    assert p.submission_format.k == 3 and p.metric.name == "map@3"
    assert "metric-default" in {w.code for w in p.warnings}


def test_no_metric_text_falls_back_to_task_default_with_warning(tmp_path: Path) -> None:
    info = single_target(tmp_path, pd.Series(RNG.normal(size=N_TRAIN)), [0.0], None, name="y")
    p = build_profile(info)
    assert p.metric.source == "default" and p.metric.name == "rmse"
    assert "metric-default" in {w.code for w in p.warnings}


def test_overrides_win(tmp_path: Path) -> None:
    info = single_target(tmp_path, pd.Series(RNG.normal(size=N_TRAIN)), [0.0],
                         evaluation("RMSE."), name="y")
    p = build_profile(info, ProfileOverrides(metric="MAE", target_columns=["x2"]))
    assert p.metric.name == "mae" and p.metric.source == "override"
    assert p.target_columns == ["x2"]


def test_metric_file_override(tmp_path: Path) -> None:
    info = single_target(tmp_path / "c", pd.Series(RNG.normal(size=N_TRAIN)), [0.0], None,
                         name="y")
    metric_py = tmp_path / "my_metric.py"
    metric_py.write_text("def score(y_true, y_pred):\n    return 0.0\n")
    p = build_profile(info, ProfileOverrides(metric_file=f"{metric_py}:score",
                                             greater_is_better=False))
    assert (p.metric.source, p.metric.name, p.metric.greater_is_better) == ("custom", "score", False)
    assert p.metric.custom_file == f"{metric_py.resolve()}:score"
    with pytest.raises(InputError, match="not found"):
        build_profile(info, ProfileOverrides(metric_file=f"{tmp_path}/nope.py:score"))


def test_unknown_metric_override_lists_valid_names(tmp_path: Path) -> None:
    info = single_target(tmp_path, pd.Series(RNG.normal(size=N_TRAIN)), [0.0], None, name="y")
    with pytest.raises(InputError) as err:
        build_profile(info, ProfileOverrides(metric="bogus"))
    assert "rmse" in (err.value.hint or "")


def test_unidentifiable_target_asks_for_target_flag(tmp_path: Path) -> None:
    train, test = features(N_TRAIN, 1), features(N_TEST, 2, start=N_TRAIN)
    train["a"], train["b"] = 1.0, 2.0
    write_competition(tmp_path, train, test, pd.DataFrame({"id": test["id"], "pred": 0}))
    with pytest.raises(InputError) as err:
        build_profile(info_for(tmp_path))
    assert "--target" in (err.value.hint or "")
    (tmp_path / "train.csv").rename(tmp_path / "sales_train.csv")  # Predict Future Sales
    with pytest.raises(InputError) as err:
        build_profile(info_for(tmp_path))
    assert "not in sales_train.csv" in str(err.value)  # the file as the user named it


@pytest.mark.parametrize("spell", [int, lambda v: f"P{v}"], ids=["codes", "names"])
def test_a_column_whose_groups_test_never_shares_suggests_group_folds(
        tmp_path: Path, spell: object) -> None:
    # Patients, users, sessions: test holds new ones; folds that split one flatter the CV.
    train, test = features(N_TRAIN, 1), features(N_TEST, 2, start=N_TRAIN)
    train["patient"] = [spell(v) for v in RNG.integers(0, 20, N_TRAIN)]  # type: ignore[operator]
    test["patient"] = [spell(v) for v in RNG.integers(100, 108, N_TEST)]  # type: ignore[operator]
    train["target"] = RNG.integers(0, 2, N_TRAIN)
    sample = pd.DataFrame({"id": test["id"], "target": 0.5})
    write_competition(tmp_path, train, test, sample)
    warning = next(w for w in build_profile(info_for(tmp_path)).warnings
                   if w.code == "unseen-groups")
    assert warning.columns == ["patient"] and "--group patient" in warning.message
    grouped = build_profile(info_for(tmp_path), ProfileOverrides(group_column="patient"))
    assert "unseen-groups" not in {w.code for w in grouped.warnings}  # already asked for
    test["patient"] = train["patient"].iloc[:N_TEST].to_numpy()  # patients train has seen
    write_competition(tmp_path, train, test, sample)
    assert "unseen-groups" not in {w.code for w in build_profile(info_for(tmp_path)).warnings}
    test["patient"] = [f"{v}?" for v in RNG.integers(100, 108, N_TEST)]  # text in test
    write_competition(tmp_path, train, test, sample)  # compared only where train is text too
    codes = {w.code for w in build_profile(info_for(tmp_path)).warnings}
    assert ("unseen-groups" in codes) == (spell is not int)


def test_duplicates_imbalance_drift_and_drop_columns(tmp_path: Path) -> None:
    train, test = features(N_TRAIN, 1), features(N_TEST, 2, start=N_TRAIN)
    train["row_key"] = np.arange(1000, 1000 + N_TRAIN)
    test["row_key"] = np.arange(5000, 5000 + N_TEST)
    train["const"], test["const"] = 1, 1
    test["x1"] = test["x1"] + 3.0  # shifted
    train["y"] = (RNG.random(N_TRAIN) < 0.05).astype(int)
    for col in ("x1", "x2", "color", "y"):
        train.loc[7, col] = train.loc[6, col]
    write_competition(tmp_path, train, test, pd.DataFrame({"id": test["id"], "y": 0}),
                      evaluation("Accuracy."))
    (tmp_path / "original_data.csv").write_text("a,b\n1,2\n")
    p = build_profile(info_for(tmp_path))
    codes = {w.code for w in p.warnings}
    assert {"duplicate-rows", "target-imbalance", "drift",
            "extra-files", "dropped-columns"} <= codes
    assert next(w for w in p.warnings if w.code == "drift").columns == ["x1"]
    assert set(p.drop_columns) == {"row_key", "const"}
    assert "row_key" not in p.feature_columns and p.extra_files == ["original_data.csv"]


@pytest.mark.parametrize("saved_as", ["", "Unnamed: 0"])
def test_a_saved_row_index_without_a_name_is_no_feature(tmp_path: Path, saved_as: str) -> None:
    # train.to_csv(path) writes pandas' index as a first column without a name: 0..n-1 in
    # train and 0..m-1 in test, which together repeat, so it did not look like an id.
    info = single_target(tmp_path, pd.Series(RNG.integers(0, 2, N_TRAIN)), [0],
                         evaluation("Accuracy."))
    for name in ("train.csv", "test.csv"):
        frame = pd.read_csv(tmp_path / name)
        frame.insert(0, saved_as, range(len(frame)))
        frame.to_csv(tmp_path / name, index=False)
    p = build_profile(info)
    assert p.column(saved_as).semantic == "id-like" and saved_as not in p.feature_columns


def test_column_profiles(tmp_path: Path) -> None:
    info = single_target(tmp_path, pd.Series(RNG.integers(0, 2, N_TRAIN)), [0],
                         evaluation("Accuracy."))
    p = build_profile(info)
    x1, color, ident = p.column("x1"), p.column("color"), p.column("id")
    assert x1.semantic == "numeric" and x1.numeric is not None and x1.numeric.min is not None
    assert color.semantic == "categorical" and color.n_unique == 3 and len(color.top_values) == 3
    assert ident.semantic == "id-like" and ident.top_values == []
    assert p.column("target").in_train and not p.column("target").in_test
    assert [f.role for f in p.files] == ["train", "test", "sample_submission"]
    assert p.files[0].rows == N_TRAIN and p.files[1].rows == N_TEST


@pytest.mark.smoke
def test_write_profile_writes_json_and_markdown(tmp_path: Path) -> None:
    info = single_target(tmp_path / "c", pd.Series(RNG.integers(0, 2, N_TRAIN)), [0],
                         evaluation("Accuracy."))
    p = build_profile(info)
    write_profile(p, tmp_path / "input")
    data = json.loads((tmp_path / "input" / "data_profile.json").read_text())
    assert {"id_column", "target_columns", "task", "metric", "submission_format", "columns",
            "warnings"} <= set(data)
    md = (tmp_path / "input" / "data_profile.md").read_text()
    assert "**Task:** binary" in md and "| x1 |" in md
