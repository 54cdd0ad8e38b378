"""Block "log_target": the model learns log1p of a skewed non-negative target and predicts back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pipeline_run as pr
from test_search import _assert_clean

from autokaggle.chat.decisions import TargetTransform
from autokaggle.generate import PipelineOptions, render_pipeline
from autokaggle.generate.config import applicable_blocks
from autokaggle.generate.model_spec import log_target_fits, target_transform
from autokaggle.profile.model import DataProfile, MetricChoice


def _prices(folder: Path, metric: str = "Root mean squared error", shift: float = 0.0) -> Path:
    """Diamond-like prices: a multiplicative signal of size and grade, lognormal noise."""
    rng = np.random.default_rng(7)
    n = 500
    size = rng.uniform(0.2, 3.0, n)
    grade = rng.choice(["fair", "good", "ideal"], n)
    lift = pd.Series(grade).map({"fair": 0.8, "good": 1.0, "ideal": 1.3}).to_numpy()
    price = 400 * size**2.5 * lift * np.exp(rng.normal(0, 0.15, n)) + shift
    frame = pd.DataFrame({"id": np.arange(n), "size": size.round(3), "grade": grade,
                          "noise": rng.normal(size=n).round(3), "price": price.round(1)})
    pr.write_csvs(folder, frame.iloc[:400], frame.iloc[400:].drop(columns="price"),
                  pd.DataFrame({"id": frame["id"].iloc[400:], "price": 0.0}))
    (folder / "overview.md").write_text(f"# Prices\n\n## Evaluation\n\n{metric}.\n")
    return folder


def _cv(data: Path, run: Path, blocks: list[str], transform: TargetTransform = "auto",
        expected: str | None = None) -> tuple[float, pd.DataFrame]:
    profile = pr.prepare(data, run, model="lightgbm")
    options = PipelineOptions(model="lightgbm", params={"n_estimators": 300, "learning_rate": 0.1, "num_leaves": 7},
                              threads=1, n_splits=3, blocks=blocks,  # type: ignore[arg-type]
                              target_transform=transform)
    rendered = render_pipeline(profile, options, run)
    assert "blocks" not in rendered.config["features"]  # a block of the target, not a feature
    expected = "log1p" if blocks else expected
    assert rendered.config["model"]["target_transform"] == expected
    pr.run_scripts(run)
    assert pr.validate(run, profile).ok
    return pr.score(run, profile).cv_mean, pd.read_csv(run / "output" / "oof.csv")


def test_a_log_target_predicts_on_the_price_scale_and_fits_a_multiplicative_target_better(
        tmp_path: Path) -> None:
    data = _prices(tmp_path / "data")
    profile = pr.prepare(data, tmp_path / "probe")
    assert profile.metric.name == "rmse" and profile.task == "regression"
    assert applicable_blocks(profile, PipelineOptions(), None)[0] == "log_target"
    plain, _ = _cv(data, tmp_path / "plain", [])
    logged, oof = _cv(data, tmp_path / "log", ["log_target"])
    both = pd.read_csv(data / "train.csv").merge(oof, on="id", suffixes=("", "_oof"))
    predicted, truth = both["price_oof"].to_numpy(), both["price"].to_numpy()
    assert predicted.min() >= 0
    assert 0.9 < np.median(predicted / truth) < 1.1  # turned back from log1p
    assert logged < plain * 0.97  # RMSE 527 vs 550: size**2.5 * grade is additive in logs
    _assert_clean(tmp_path / "log" / "code")


def _with(profile: DataProfile, **numeric: float) -> DataProfile:
    """``profile`` with the target's numeric summary changed."""
    columns = [c.model_copy(update={"numeric": c.numeric.model_copy(update=numeric)})
               if c.name == "price" and c.numeric else c for c in profile.columns]
    return profile.model_copy(update={"columns": columns})


def test_the_log_target_is_offered_only_for_skewed_non_negative_targets_on_their_scale(
        tmp_path: Path) -> None:
    profile = pr.prepare(_prices(tmp_path / "data"), tmp_path / "run")
    auto = PipelineOptions()
    assert log_target_fits(profile, auto)
    assert not log_target_fits(_with(profile, min=-5.0), auto)  # log1p needs targets >= 0
    assert not log_target_fits(_with(profile, p25=900.0, median=1000.0, p75=1100.0), auto)
    summary = profile.column("price").numeric
    assert summary is not None and summary.median is not None
    assert not log_target_fits(_with(profile, mean=summary.median), auto)  # not right-skewed
    rmsle = profile.model_copy(update={"metric": MetricChoice(name="rmsle",
                                                              greater_is_better=False)})
    assert not log_target_fits(rmsle, auto)  # already learned on the log scale
    msle = profile.model_copy(update={"metric": MetricChoice(name="msle",
                                                             greater_is_better=False)})
    assert target_transform(msle) == "log1p" and not log_target_fits(msle, auto)
    decided = PipelineOptions(target_transform="none")  # the user's decision wins
    assert not log_target_fits(profile, decided)
    assert "log_target" not in applicable_blocks(profile, decided, None)
    binary = profile.model_copy(update={"task": "binary"})
    assert not log_target_fits(binary, auto)


def test_percentage_errors_are_learned_in_logs_when_the_target_is_never_negative(
        tmp_path: Path) -> None:
    data = _prices(tmp_path / "data", metric="Mean absolute percentage error (MAPE)")
    profile = pr.prepare(data, tmp_path / "probe")
    assert profile.metric.name == "mape" and target_transform(profile) == "log1p"
    # no log_target block: log1p is already every pipeline's
    assert "log_target" not in applicable_blocks(profile, PipelineOptions(), None)
    logged, _ = _cv(data, tmp_path / "auto", [], expected="log1p")
    plain, _ = _cv(data, tmp_path / "none", [], transform="none")
    assert logged < plain * 0.5  # MAPE 22 against 121: a miss weighs by the price, as in logs
    smape = profile.model_copy(update={"metric": MetricChoice(name="smape",
                                                              greater_is_better=False)})
    assert target_transform(smape) == "log1p"
    assert target_transform(_with(profile, min=-5.0)) is None  # log1p needs targets >= 0
