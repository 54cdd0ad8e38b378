"""Tiny synthetic competitions in temp folders for the profiler tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from autokaggle.kaggle.models import CompetitionInfo

N_TRAIN, N_TEST = 200, 80


def write_competition(
    folder: Path, train: pd.DataFrame, test: pd.DataFrame, sample: pd.DataFrame,
    overview: str | None = None, sample_name: str = "sample_submission.csv",
) -> Path:
    """Write train/test/sample (and an overview.md) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    train.to_csv(folder / "train.csv", index=False)
    test.to_csv(folder / "test.csv", index=False)
    sample.to_csv(folder / sample_name, index=False)
    if overview is not None:
        (folder / "overview.md").write_text(overview, encoding="utf-8")
    return folder


def info_for(folder: Path, slug: str = "toy") -> CompetitionInfo:
    """A hand-made CompetitionInfo for a local folder (overview.md as the description page)."""
    pages = {"description": str(folder / "overview.md")} if (folder / "overview.md").exists() else {}
    return CompetitionInfo(slug=slug, title=slug.title(), source="local", data_dir=str(folder),
                           evaluation_metric=None, pages=pages)


def features(n: int, seed: int, start: int = 0) -> pd.DataFrame:
    """An id column and a few mixed-type features."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "id": np.arange(start, start + n),
        "x1": rng.normal(size=n).round(4),
        "x2": rng.integers(0, 100, size=n),
        "color": rng.choice(["red", "green", "blue"], size=n),
    })


def evaluation(text: str) -> str:
    """An overview page with an Evaluation section."""
    return f"# Toy competition\n\nSome description.\n\n## Evaluation\n\n{text}\n\n## Timeline\n\nSoon.\n"


def single_target(
    folder: Path, target: pd.Series, sample_values: list[object], overview: str | None,
    name: str = "target",
) -> CompetitionInfo:
    """A competition with one target column; the sample repeats ``sample_values``."""
    train = features(N_TRAIN, 1)
    train[name] = target.to_numpy()
    test = features(N_TEST, 2, start=N_TRAIN)
    reps = [sample_values[i % len(sample_values)] for i in range(N_TEST)]
    sample = pd.DataFrame({"id": test["id"], name: reps})
    return info_for(write_competition(folder, train, test, sample, overview))
