"""A timestamp id carries signal: the template derives its calendar parts, never the raw id."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pipeline_run as pr
import yaml

from autokaggle.generate import PipelineOptions, render_pipeline


def _hourly_demand(folder: Path, stamp_format: str = "%Y-%m-%d %H:%M:%S") -> Path:
    """Bike-sharing-like: hourly counts driven by hour of day and weekday; test is days 20+."""
    rng = np.random.default_rng(0)
    stamps = pd.date_range("2021-01-01", periods=24 * 90, freq="h")
    hour, weekday = stamps.hour.to_numpy(), stamps.day_of_week.to_numpy()
    rush = np.exp(-((hour - 8) ** 2) / 4) + np.exp(-((hour - 17) ** 2) / 4)
    temp = rng.normal(15, 5, len(stamps)).round(1)
    level = 1.0 + 3.0 * rush * (weekday < 5) + 0.02 * temp
    count = np.round(np.expm1(level + rng.normal(0, 0.1, len(stamps)))).astype(int)
    frame = pd.DataFrame({"datetime": stamps.strftime(stamp_format), "temp": temp,
                          "count": count})
    is_test = stamps.day > 19
    folder.mkdir(parents=True)
    frame[~is_test].to_csv(folder / "train.csv", index=False)
    frame[is_test].drop(columns="count").to_csv(folder / "test.csv", index=False)
    pd.DataFrame({"datetime": frame["datetime"][is_test], "count": 0}).to_csv(
        folder / "sample_submission.csv", index=False)
    (folder / "overview.md").write_text(
        "# Demand\n\n## Evaluation\n\nSubmissions are evaluated on the Root Mean Squared "
        "Logarithmic Error (RMSLE).\n")
    return folder


def test_a_timestamp_id_gives_calendar_features_that_improve_cv_clearly(tmp_path: Path) -> None:
    run = tmp_path / "run"
    profile = pr.prepare(_hourly_demand(tmp_path / "data"), run)
    # Test is days 20+ of each month, inside train's period: ordinary folds, not time blocks.
    assert profile.id_column == "datetime" and profile.time_column is None
    warning = next(w for w in profile.warnings if w.code == "time-id")
    assert "not time-ordered" in warning.message and "--time datetime" in warning.message
    folds = pd.read_csv(run / "input/folds.csv").sort_values("datetime")["fold"]
    assert not folds.is_monotonic_increasing and folds.head(48).nunique() == 3  # shuffled
    config = yaml.safe_load((run / "code/config.yaml").read_text("utf-8"))
    assert config["features"]["datetime"] == ["datetime"]
    assert "datetime" not in config["features"]["numeric"] + config["features"]["categorical"]
    pr.run_scripts(run, ("train.py",))
    with_calendar = pr.score(run, profile).cv_mean
    used = set(pd.read_csv(run / "output/feature_importance.csv")["feature"])
    assert {"datetime_hour", "datetime_dayofweek", "datetime_day", "datetime_month",
            "datetime_year", "datetime_dayofyear"} <= used
    assert "datetime" not in used  # the raw id is never a feature
    config["features"]["datetime"] = []  # what the template did before: the id dropped
    (run / "code/config.yaml").write_text(yaml.safe_dump(config, sort_keys=False), "utf-8")
    pr.run_scripts(run, ("train.py",))
    without = pr.score(run, profile).cv_mean
    print(f"RMSLE with calendar features {with_calendar:.3f}, without {without:.3f}")
    assert with_calendar < 0.6 * without, (with_calendar, without)  # RMSLE: lower is better


def test_an_id_that_is_no_timestamp_never_becomes_a_feature(tmp_path: Path) -> None:
    train, test, sample = pr.tiny_frames()
    profile = pr.prepare(pr.write_csvs(tmp_path / "data", train, test, sample), tmp_path / "run")
    config = render_pipeline(profile, PipelineOptions(), tmp_path / "other").config
    features = config["features"]
    listed = [c for kind in ("numeric", "categorical", "boolean", "datetime", "text")
              for c in features[kind]]
    assert "id" not in listed and sorted(listed) == ["a", "b", "c"]


def test_timestamps_with_a_time_zone_train_and_keep_their_clock_hour(tmp_path: Path) -> None:
    """ISO stamps ending in "Z" (as Kaggle's nycflights-like tables write them) and a second
    column that mixes zones: both give calendar parts, and the hour is the stamp's own."""
    data = _hourly_demand(tmp_path / "data", "%Y-%m-%dT%H:%M:%SZ")
    for name in ("train.csv", "test.csv"):
        frame = pd.read_csv(data / name)
        stamps = pd.to_datetime(frame["datetime"])
        frame["booked"] = [s.tz_convert("+05:30" if i % 2 else "UTC").isoformat()
                           for i, s in enumerate(stamps)]
        frame.to_csv(data / name, index=False)
    run = tmp_path / "run"
    profile = pr.prepare(data, run)
    config = yaml.safe_load((run / "code/config.yaml").read_text("utf-8"))
    assert sorted(config["features"]["datetime"]) == ["booked", "datetime"]
    # booked is spread over train's period in test too: the hint stays conditional, and it is
    # about booked only (the id has its own time-id warning).
    hint = next(w for w in profile.warnings if w.code == "datetime-column")
    assert hint.columns == ["booked"] and "If test comes after train" in hint.message
    pr.run_scripts(run)
    assert pr.validate(run, profile).ok
    importance = pd.read_csv(run / "output/feature_importance.csv").set_index("feature")
    assert {"datetime_hour", "booked_hour"} <= set(importance.index)
    # The hour drives demand: as the stamp's own clock hour it is the model's top feature.
    assert importance["importance"].idxmax() in ("datetime_hour", "booked_hour")
    # As good as stamps without a zone (0.38 in the test above; 1.0 with the id dropped).
    assert pr.score(run, profile).cv_mean < 0.45
