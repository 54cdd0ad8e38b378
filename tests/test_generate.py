"""The template generator: rendered pipelines run by hand and honour the code contract."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import gen_fixtures as fx
import numpy as np
import pandas as pd
import pipeline_run as pr
import pytest
import yaml

from autokaggle.generate import PipelineOptions, render_pipeline
from autokaggle.generate.model_spec import LINEAR_CV_MAX_ROWS, LINEAR_STRENGTHS, model_section
from autokaggle.orchestrator.steps.folds import LEARNING as FOLD_LEARNING
from autokaggle.profile.model import DataProfile

Fixture = Callable[[Path], tuple[DataProfile, Path]]
RUFF_RULES = ["--select", "E,F,W,I,B,UP,SIM", "--ignore", "E501", "--line-length", "100"]


def fast_options(model: str = "lightgbm") -> PipelineOptions:
    """Options that keep a 160-row pipeline to a couple of seconds."""
    return PipelineOptions(  # one thread: OpenMP spin-waits badly on a shared 2-core box
        model=model, params=fx.FAST_PARAMS[model], early_stopping_rounds=10, threads=1  # type: ignore[arg-type]
    )


def run_pipeline(run_dir: Path) -> None:
    """train.py then predict.py from the run folder, failing with their stderr."""
    pr.run_scripts(run_dir)


def read_text_csv(path: Path) -> pd.DataFrame:
    """A CSV with every value as the exact string in the file."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def assert_matches_sample(run_dir: Path, id_col: str) -> pd.DataFrame:
    """Submission has the sample's columns, ids and id order; returns it as text."""
    sample = read_text_csv(run_dir / "input/data/sample_submission.csv")
    submission = read_text_csv(run_dir / "output/submission.csv")
    assert list(submission.columns) == list(sample.columns)
    assert submission[id_col].tolist() == sample[id_col].tolist()
    return submission


def assert_oof(run_dir: Path, profile: DataProfile, columns: list[str]) -> pd.DataFrame:
    """oof.csv has one row per train id and the canonical columns."""
    oof = pd.read_csv(run_dir / "output/oof.csv", dtype={profile.id_column: str})
    train = pd.read_csv(run_dir / "input/data/train.csv", dtype={profile.id_column: str})
    assert list(oof.columns) == [profile.id_column, *columns]
    assert oof[profile.id_column].tolist() == train[profile.id_column].tolist()
    assert oof[columns].notna().all().all()
    return oof


@pytest.mark.smoke
def test_binary_true_false_labels_and_leading_zero_ids(tmp_path: Path) -> None:
    profile, run_dir = fx.binary_bool(tmp_path)
    render_pipeline(profile, fast_options(), run_dir)
    run_pipeline(run_dir)
    oof = assert_oof(run_dir, profile, ["False", "True"])
    assert ((oof["False"] + oof["True"]) - 1).abs().max() < 1e-9
    submission = assert_matches_sample(run_dir, "PassengerId")
    assert submission["PassengerId"].iloc[-1] == "0160_01"  # leading zeros kept, sample order
    assert set(submission["Transported"]) <= {"True", "False"}
    assert (run_dir / "output/model.pkl").is_file()
    assert (run_dir / "output/feature_importance.csv").is_file()
    test_pred = pd.read_csv(run_dir / "output/test_pred.csv")
    assert list(test_pred.columns) == ["PassengerId", "False", "True"]


def test_the_submission_takes_the_samples_id_order_and_names_an_id_left_without_a_prediction(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``format_submission`` looks each sample id up among the predictions (in any order) and
    refuses a sample id that has none."""
    profile, run_dir = fx.binary_bool(tmp_path)
    render_pipeline(profile, fast_options(), run_dir)
    code = fx.import_script(run_dir / "code" / "predict.py", monkeypatch)
    cfg = yaml.safe_load((run_dir / "code" / "config.yaml").read_text())
    sample = read_text_csv(run_dir / "input/data/sample_submission.csv")
    ids = sample["PassengerId"].to_numpy()[::-1]  # the predictions in the reverse order
    true = (np.arange(len(ids)) % 3 == 0).astype(float)
    pred = pd.DataFrame({"PassengerId": ids, "False": 1 - true, "True": true})
    submission = code.format_submission(pred, sample, cfg)
    assert submission["PassengerId"].tolist() == sample["PassengerId"].tolist()
    want = dict(zip(ids, np.where(true == 1, "True", "False"), strict=True))
    assert submission["Transported"].astype(str).tolist() == [
        want[i] for i in sample["PassengerId"]]
    with pytest.raises(ValueError, match="1 sample ids have no prediction, e.g. '0160_01'"):
        code.format_submission(pred[pred["PassengerId"] != "0160_01"], sample, cfg)


def test_multiclass_top3_is_space_separated_labels(tmp_path: Path) -> None:
    profile, run_dir = fx.multiclass_topk(tmp_path)
    render_pipeline(profile, fast_options(), run_dir)
    run_pipeline(run_dir)
    assert_oof(run_dir, profile, profile.class_labels)
    submission = assert_matches_sample(run_dir, "id")
    for value in submission["prognosis"]:
        labels = value.split(" ")
        assert len(labels) == 3 and len(set(labels)) == 3
        assert set(labels) <= set(profile.class_labels)


def test_per_class_probability_columns_follow_class_columns(tmp_path: Path) -> None:
    profile, run_dir = fx.multiclass_proba(tmp_path)
    render_pipeline(profile, fast_options(), run_dir)
    run_pipeline(run_dir)
    assert_oof(run_dir, profile, ["C", "CL", "D"])
    assert_matches_sample(run_dir, "id")
    submission = pd.read_csv(run_dir / "output/submission.csv")
    test_pred = pd.read_csv(run_dir / "output/test_pred.csv")
    assert (submission["Status_CL"] - test_pred["CL"]).abs().max() < 1e-12
    assert (submission[["Status_C", "Status_CL", "Status_D"]].sum(axis=1) - 1).abs().max() < 1e-9


def test_rmsle_regression_predicts_positive_values_on_the_original_scale(tmp_path: Path) -> None:
    profile, run_dir = fx.regression_rmsle(tmp_path)
    render_pipeline(profile, fast_options(), run_dir)
    config = yaml.safe_load((run_dir / "code/config.yaml").read_text())
    assert config["model"]["target_transform"] == "log1p"
    run_pipeline(run_dir)
    oof = assert_oof(run_dir, profile, ["SalePrice"])
    assert oof["SalePrice"].between(10_000, 1_000_000).all()
    submission = pd.read_csv(run_dir / "output/submission.csv")
    assert (submission["SalePrice"] > 0).all()
    assert_matches_sample(run_dir, "Id")


def test_a_line_does_not_predict_beyond_the_training_targets(tmp_path: Path) -> None:
    profile, run_dir = fx.regression_rmsle(tmp_path)
    data = run_dir / "input" / "data"
    test = pd.read_csv(data / "test.csv")
    test.loc[:4, ["num", "size"]] *= 40  # houses far larger than any sold: a line extrapolates
    test.to_csv(data / "test.csv", index=False)
    render_pipeline(profile, fast_options("linear"), run_dir)
    run_pipeline(run_dir)
    prices = pd.read_csv(data / "train.csv")["SalePrice"]
    submitted = pd.read_csv(run_dir / "output/submission.csv").set_index("Id")["SalePrice"]
    assert submitted.between(prices.min() * 0.999, prices.max() * 1.001).all()
    assert submitted.loc[test["Id"][:5]].max() > prices.quantile(0.9)  # clipped, not dropped


def test_multilabel_trains_one_binary_model_per_target(tmp_path: Path) -> None:
    profile, run_dir = fx.multilabel(tmp_path)
    render_pipeline(profile, fast_options(), run_dir)
    run_pipeline(run_dir)
    oof = assert_oof(run_dir, profile, ["EC1", "EC2", "EC3"])
    assert oof[["EC1", "EC2", "EC3"]].stack().between(0, 1).all()
    assert_matches_sample(run_dir, "id")


@pytest.mark.parametrize(
    ("model", "make"),
    [("xgboost", fx.multiclass_proba), ("catboost", fx.binary_bool),
     ("linear", fx.regression_rmsle), ("linear", fx.multiclass_topk)],
)
def test_each_model_family_runs_end_to_end(tmp_path: Path, model: str, make: Fixture) -> None:
    profile, run_dir = make(tmp_path)
    render_pipeline(profile, fast_options(model), run_dir)
    run_pipeline(run_dir)
    assert_matches_sample(run_dir, profile.submission_format.id_column)
    importance = run_dir / "output/feature_importance.csv"
    assert importance.is_file() == (model != "linear")


@pytest.mark.parametrize(("model", "make"), [("lightgbm", fx.multiclass_proba),
                                           ("xgboost", fx.binary_bool),
                                           ("catboost", fx.regression_rmsle)])
def test_boosting_stops_when_its_time_is_up_and_still_submits(
        tmp_path: Path, model: str, make: Fixture) -> None:
    profile, run_dir = make(tmp_path)

    def rounds() -> list[int]:
        result = fx.run_code(run_dir, "train.py")
        assert result.returncode == 0, result.stderr[-3000:]
        notes = [line for line in result.stdout.splitlines() if line.startswith("fold ")]
        return [int(line.split(": ")[1].split(" rounds")[0]) for line in notes]

    assert "fit_seconds" not in render_pipeline(profile, fast_options(model), run_dir).config[
        "model"]
    assert max(rounds()) > 1  # early stopping alone decides
    options = fast_options(model).model_copy(update={"fit_seconds": 0.0})
    assert render_pipeline(profile, options, run_dir).config["model"]["fit_seconds"] == 0.0
    assert set(rounds()) == {1}  # out of time after the first round: the model keeps it
    result = fx.run_code(run_dir, "predict.py")
    assert result.returncode == 0, result.stderr[-3000:]
    assert_matches_sample(run_dir, profile.submission_format.id_column)
    linear = render_pipeline(profile, options.model_copy(update={"model": "linear"}), run_dir)
    assert "fit_seconds" not in linear.config["model"]


class _Clock:
    """A monotonic clock that moves ``step`` seconds each time it is read."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def monotonic(self) -> float:
        self.now += self.step
        return self.now


@pytest.mark.parametrize("model", ["lightgbm", "xgboost"])
def test_a_boosting_that_its_time_will_cut_short_learns_faster(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model: str) -> None:
    """At the pace of its first rounds, a model that cannot reach its learning in
    ``fit_seconds`` raises its learning rate once; at a fast pace, or with no time cap, the
    rate stays. The clock is a fake one: each reading moves it by a fixed step."""
    profile, run_dir = fx.multiclass_proba(tmp_path)
    options = fast_options(model).model_copy(update={
        "params": {**fx.FAST_PARAMS[model], "n_estimators": 300, "learning_rate": 0.01},
        "fit_seconds": 100.0})
    cfg = render_pipeline(profile, options, run_dir).config
    code = fx.import_script(run_dir / "code" / "train.py", monkeypatch)
    assert code.LEARNING == FOLD_LEARNING  # the folds step's estimate aims at the same learning
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.normal(size=(600, 4)), columns=list("abcd"))
    y = np.digitize(x["a"] + x["b"] + rng.normal(0, 0.3, 600), [-0.5, 0.5])
    fit, valid = slice(0, 400), slice(400, 600)

    def train(step: float, fit_seconds: float | None) -> tuple[str, float]:
        monkeypatch.setattr(code, "time", _Clock(step))
        spec = {**cfg["model"], "early_stopping_rounds": 1000}
        spec = {**spec, "fit_seconds": fit_seconds} if fit_seconds else {
            k: v for k, v in spec.items() if k != "fit_seconds"}
        run_cfg = {**cfg, "model": spec}
        booster = code.make_model(run_cfg, True, [])
        note = code.fit_model(booster, x[fit], y[fit], x[valid], y[valid], run_cfg)
        proba = booster.predict_proba(x[valid])
        return note, float(-np.log(proba[np.arange(200), y[valid]]).mean())

    slow, slow_loss = train(1.0, 100.0)  # ~90 rounds fit: 0.9 < 15 learning, raised
    rate = float(slow.split("learning rate raised to ")[1].split(" ")[0])
    assert 15.0 / 100 < rate < 15.0 / 80 and "to fit fit_seconds" in slow
    fast, _ = train(1e-4, 100.0)  # a million rounds would fit: the rate stays
    uncapped, _ = train(1.0, None)
    assert "raised" not in fast and "raised" not in uncapped
    # Stopped by the clock after the same rounds, the raised rate has learned more.
    assert train(1.0, 100.0) == (slow, slow_loss)
    # A first look may not hand on a model the clock shaped, even one that stopped early.
    shaped_cfg = {**cfg, "model": {**cfg["model"], "fit_seconds": 400.0,
                                   "early_stopping_rounds": 5}}
    monkeypatch.setattr(code, "time", _Clock(1.0))
    valid_rows = np.arange(600) >= 400
    model, note, _, shaped = code.train_head(shaped_cfg, x, y, valid_rows)
    assert shaped and model.paced_rate_ is not None and code.time.now < 300, note
    monkeypatch.setattr(code, "time", _Clock(1e-4))
    model, note, _, shaped = code.train_head(shaped_cfg, x, y, valid_rows)
    assert not shaped and model.paced_rate_ is None, note
    monkeypatch.setattr(code, "paced_rate", lambda cfg: lambda rounds: None)
    unpaced, unpaced_loss = train(1.0, 100.0)
    assert "raised" not in unpaced and slow_loss < unpaced_loss - 0.1


def test_the_linear_family_chooses_its_strength_by_inner_cv_unless_given_one(
        tmp_path: Path) -> None:
    profile, _ = fx.multiclass_topk(tmp_path)
    linear = PipelineOptions(model="linear")
    params = model_section(profile, linear)["params"]
    assert params["Cs"] == list(LINEAR_STRENGTHS) and "C" not in params
    tuned = linear.model_copy(update={"params": {"C": 0.05}})  # an Optuna trial: one strength
    assert model_section(profile, tuned)["params"] == {"max_iter": 2000, "C": 0.05}
    big = profile.model_copy(update={"files": [
        f.model_copy(update={"rows": LINEAR_CV_MAX_ROWS + 1}) for f in profile.files]})
    assert model_section(big, linear)["params"] == {"max_iter": 2000, "C": 1.0}
    regression, _ = fx.regression_rmsle(tmp_path / "regression")
    assert model_section(regression, linear)["params"] == {
        "alphas": [1.0 / c for c in LINEAR_STRENGTHS]}

def test_lightgbm_leaves_shrink_on_a_table_of_a_few_dozen_rows(tmp_path: Path) -> None:
    profile, _ = fx.multiclass_topk(tmp_path)

    def leaf_rows(rows: int) -> int:
        sized = profile.model_copy(update={"files": [
            f.model_copy(update={"rows": rows}) if f.role == "train" else f
            for f in profile.files]})
        return model_section(sized, PipelineOptions())["params"]["min_child_samples"]

    assert [leaf_rows(n) for n in (40, 200, 400, 100_000)] == [2, 10, 20, 20]
    assert leaf_rows(0) == 20  # rows unknown: LightGBM's default
    train, test, sample = pr.tiny_frames(n=60, n_test=20)  # 40 rows: each fold fits on 26
    run = tmp_path / "small" / "run"
    small = pr.prepare(pr.write_csvs(tmp_path / "small" / "data", train, test, sample), run)
    render_pipeline(small, PipelineOptions(threads=1, n_splits=3, early_stopping_rounds=10), run)
    pr.run_scripts(run, ("train.py",))
    assert pr.score(run, small).cv_mean > 0.6  # 0.65; with leaves of 20 rows the prior, 0.55


def test_gpu_selects_each_family_cuda_learner(tmp_path: Path) -> None:
    """CUDA everywhere: LightGBM's OpenCL learner ran on a CPU platform (pocl) on an H200."""
    profile, _ = fx.multiclass_topk(tmp_path)
    wanted = {"xgboost": ("device", "cuda"), "catboost": ("task_type", "GPU"),
              "lightgbm": ("device_type", "cuda")}
    for model, (key, value) in wanted.items():
        options = PipelineOptions(model=model)  # type: ignore[arg-type]
        assert model_section(profile, options.model_copy(update={"gpu": True}))["params"][
            key] == value
        assert model_section(profile, options)["params"].get(key) in (None, "cpu")



def test_renders_are_byte_identical(tmp_path: Path) -> None:
    profile, run_dir = fx.multiclass_topk(tmp_path)
    first = render_pipeline(profile, fast_options(), run_dir)
    texts = {name: (run_dir / name).read_bytes() for name in first.files}
    other = tmp_path / "other"
    second = render_pipeline(profile, fast_options(), other)
    assert second.files == first.files
    assert {name: (other / name).read_bytes() for name in second.files} == texts
    assert set(first.files) == {"code/features.py", "code/train.py", "code/predict.py",
                                "code/config.yaml", "env/requirements.txt"}


@pytest.mark.parametrize("model", ["lightgbm", "xgboost", "catboost", "linear"])
def test_generated_code_is_ruff_clean_and_format_stable(tmp_path: Path, model: str) -> None:
    if shutil.which("ruff") is None and not (Path(sys.executable).parent / "ruff").exists():
        pytest.skip("ruff is not installed")
    ruff = str(Path(sys.executable).parent / "ruff") if shutil.which("ruff") is None else "ruff"
    profile, run_dir = fx.regression_rmsle(tmp_path)
    render_pipeline(profile, fast_options(model), run_dir)
    code = str(run_dir / "code")
    check = [ruff, "check", "--no-cache", "--isolated", *RUFF_RULES, code]
    result = subprocess.run(check, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout
    fmt = [ruff, "format", "--isolated", "--line-length", "100", "--check", "--diff", code]
    result = subprocess.run(fmt, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


def test_requirements_name_the_model_library(tmp_path: Path) -> None:
    profile, run_dir = fx.binary_bool(tmp_path)
    for model in ("lightgbm", "xgboost", "catboost", "linear"):
        render_pipeline(profile, PipelineOptions(model=model), run_dir)  # type: ignore[arg-type]
        requirements = (run_dir / "env/requirements.txt").read_text()
        assert "pandas" in requirements and "scikit-learn" in requirements
        assert (model in requirements) == (model != "linear")
        train = (run_dir / "code/train.py").read_text()
        assert "/work" not in train and "autokaggle" not in train


def test_config_lists_features_by_semantic_type(tmp_path: Path) -> None:
    profile, run_dir = fx.binary_bool(tmp_path)
    rendered = render_pipeline(profile, PipelineOptions(seed=7, threads=3), run_dir)
    features = rendered.config["features"]
    assert features["categorical"] == ["color"] and features["boolean"] == ["flag"]
    assert features["datetime"] == ["when"] and features["text"] == ["note"]
    assert features["numeric"] == ["num", "size"]
    params = rendered.config["model"]["params"]
    assert params["random_state"] == 7 and params["n_jobs"] == 3
    assert rendered.config["data"]["train"] == "input/data/train.csv"


@pytest.mark.parametrize("model", ["lightgbm", "xgboost"])
def test_a_category_with_more_levels_than_native_max_goes_in_as_level_codes(
        tmp_path: Path, model: str) -> None:
    """Native splits over thousands of levels overfit: such a column becomes its level codes,
    a column with few levels stays a native category; CatBoost keeps every column native."""
    import importlib.util

    profile, run_dir = fx.binary_bool(tmp_path)
    options = fast_options(model).model_copy(update={"native_max_levels": 2})
    config = render_pipeline(profile, options, run_dir).config
    assert config["features"]["native_max_levels"] == 2
    spec = importlib.util.spec_from_file_location("features_under_test",
                                                  run_dir / "code/features.py")
    assert spec is not None and spec.loader is not None
    features = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(features)
    train = features.read_table(run_dir / config["data"]["train"], config)
    state = features.fit_features(train, config)
    frame = features.transform_features(train, state, config)
    levels = list(frame["color"].cat.categories)  # red, green, blue, and violet as rare
    assert len(levels) > 2
    coded = features.model_input(frame, config)["color"]
    assert coded.dtype == "float64"
    assert coded.isna().tolist() == frame["color"].isna().tolist()
    known = frame["color"].notna()
    assert [levels[int(c)] for c in coded[known]] == frame["color"][known].tolist()
    config["features"]["native_max_levels"] = len(levels)  # not more than that many: native
    assert features.model_input(frame, config)["color"].dtype == "category"
    run_pipeline(run_dir)
    assert_matches_sample(run_dir, profile.submission_format.id_column)
    catboost = render_pipeline(profile, options.model_copy(update={"model": "catboost"}), run_dir)
    assert "native_max_levels" not in catboost.config["features"]
