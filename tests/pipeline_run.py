"""Profile a data folder, make folds, render the template pipeline and run it, in-process.

The same path a run takes (profile -> folds -> render -> train.py/predict.py -> score ->
validate) without the CLI and the environment step, so a test on tiny data takes seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import gen_fixtures as fx
import numpy as np
import pandas as pd

from autokaggle.evaluate.folds import make_folds, read_folds, write_folds
from autokaggle.evaluate.oof import CVResult, score_oof, scorer_for_profile
from autokaggle.evaluate.validate import ValidationReport, validate_submission
from autokaggle.generate import PipelineOptions, render_pipeline
from autokaggle.kaggle.local import load_local
from autokaggle.profile import build_profile, read_table
from autokaggle.profile.model import DataProfile, ProfileOverrides
from autokaggle.profile.sample import write_generated_sample


def prepare(data: Path, run: Path, overrides: ProfileOverrides | None = None,
            model: str = "lightgbm", blocks: tuple[str, ...] = ()) -> DataProfile:
    """Profile ``data``, link it into ``run``/input/data, write folds and render the pipeline."""
    info = load_local(data)
    profile = build_profile(info, overrides)
    (run / "input").mkdir(parents=True)
    (run / "input" / "data").symlink_to(info.data_path, target_is_directory=True)
    write_generated_sample(profile, info.data_path, run / "input")
    columns = [profile.id_column, *profile.target_columns]
    extra = [c for c in (profile.time_column,) if c and c not in columns]
    train = read_table(run / "input" / "data" / profile.train_file, columns=columns + extra,
                       as_strings=True)
    write_folds(make_folds(train, profile, seed=0, n_splits=3), run / "input" / "folds.csv")
    options = PipelineOptions(model=model, params=fx.FAST_PARAMS[model],  # type: ignore[arg-type]
                              early_stopping_rounds=10, threads=1, n_splits=3,
                              blocks=list(blocks))  # type: ignore[arg-type]
    render_pipeline(profile, options, run)
    return profile


def run_scripts(run: Path, scripts: tuple[str, ...] = ("train.py", "predict.py")) -> None:
    """Run the generated scripts in one interpreter, as a run does; fail with their stderr."""
    result = fx.run_codes(run, scripts)
    failed = scripts[min(result.stdout.count(fx.CHAIN_MARKER), len(scripts) - 1)]
    assert result.returncode == 0, f"{failed} failed:\n{result.stderr[-3000:]}"


def score(run: Path, profile: DataProfile) -> CVResult:
    """The harness's CV score of output/oof.csv on the run's folds."""
    train = read_table(run / "input" / "data" / profile.train_file,
                       columns=[profile.id_column, *profile.target_columns], as_strings=True)
    folds = read_folds(run / "input" / "folds.csv", profile.id_column)
    return score_oof(run / "output" / "oof.csv", train, folds, profile,
                     scorer_for_profile(profile))


def validate(run: Path, profile: DataProfile) -> ValidationReport:
    """The validator's verdict on output/submission.csv."""
    return validate_submission(run / "output" / "submission.csv",
                               profile.sample_path(run / "input"), profile)


def full_run(data: Path, run: Path, overrides: ProfileOverrides | None = None) -> DataProfile:
    """prepare, train, predict; the submission must validate."""
    profile = prepare(data, run, overrides)
    run_scripts(run)
    score(run, profile)
    report = validate(run, profile)
    assert report.ok, report.problems
    return profile


def tiny_frames(n: int = 240, n_test: int = 60) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """train, test, sample of a small learnable binary task with accented category levels."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 2))
    frame = pd.DataFrame({"id": np.arange(n), "a": x[:, 0].round(3), "b": x[:, 1].round(3),
                          "c": rng.choice(["rouge", "bleu", "vert-été"], n),
                          "target": (x[:, 0] + 0.5 * x[:, 1] > 0).astype(int)})
    train, test = frame.iloc[: n - n_test], frame.iloc[n - n_test:].drop(columns="target")
    sample = pd.DataFrame({"id": test["id"], "target": 0})
    return train.reset_index(drop=True), test.reset_index(drop=True), sample


def write_csvs(folder: Path, train: pd.DataFrame, test: pd.DataFrame,
               sample: pd.DataFrame | None, **csv: Any) -> Path:
    """Write train/test (with ``csv`` options) and a plain sample submission into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    train.to_csv(folder / "train.csv", index=False, **csv)
    test.to_csv(folder / "test.csv", index=False, **csv)
    if sample is not None:
        sample.to_csv(folder / "sample_submission.csv", index=False)
    return folder


def cli_run(data: Path, workdir: Path, *flags: str) -> tuple[dict[str, Any], str]:
    """``autokaggle run DATA --json [FLAGS]`` in a subprocess, as a user runs it: the JSON
    result and stderr with its line wraps undone; fails with stderr on a non-zero exit."""
    proc = subprocess.run(
        [sys.executable, "-m", "autokaggle", "run", str(data), "--env", "current", "--json",
         "--workdir", str(workdir), *flags],
        capture_output=True, text=True, env=dict(os.environ), timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), " ".join(proc.stderr.split())
