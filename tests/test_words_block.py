"""Feature block "words": a text column's TF-IDF reduced by SVD, learnt without the target."""

from __future__ import annotations

import importlib.util
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pipeline_run as pr
from test_search import _assert_clean

from autokaggle.generate import PipelineOptions, render_pipeline
from autokaggle.generate.config import applicable_blocks


def _passengers(folder: Path, titles: bool = True) -> Path:
    """Titanic-like names whose title carries the signal ("Master" survives); accuracy."""
    rng = np.random.default_rng(4)
    n = 400
    title = rng.choice(["Mr", "Mrs", "Miss", "Master"], n, p=[0.5, 0.2, 0.2, 0.1])
    first = rng.choice(["John", "Mary", "Anna", "James", "Karl", "Eva", "Leo", "Ida"], n)
    last = [f"Surname{i}" for i in rng.integers(0, 150, n)]
    names = [f"{a}, {t}. {b}" if titles else f"{a}{i}x{b}" for i, (a, t, b)
             in enumerate(zip(last, title, first, strict=True))]
    survived = (rng.random(n) < np.where(np.isin(title, ["Mr"]), 0.15, 0.8)).astype(int)
    frame = pd.DataFrame({"id": np.arange(n), "age": rng.integers(1, 70, n), "name": names,
                          "survived": survived})
    pr.write_csvs(folder, frame.iloc[:300], frame.iloc[300:].drop(columns="survived"),
                  pd.DataFrame({"id": frame["id"].iloc[300:], "survived": 0}))
    (folder / "overview.md").write_text("# Names\n\n## Evaluation\n\nAccuracy.\n")
    return folder


def _run(data: Path, run: Path, blocks: list[str]) -> tuple[float, list[str]]:
    profile = pr.prepare(data, run, model="lightgbm")
    options = PipelineOptions(model="lightgbm", params={"n_estimators": 60, "num_leaves": 7},
                              threads=1, n_splits=3, blocks=blocks)  # type: ignore[list-item]
    render_pipeline(profile, options, run)
    pr.run_scripts(run)
    assert pr.validate(run, profile).ok
    bundle = pickle.loads((run / "output" / "model.pkl").read_bytes())
    return pr.score(run, profile).cv_mean, bundle["columns"]


def test_words_turn_a_title_in_a_name_into_features_that_score(tmp_path: Path) -> None:
    data = _passengers(tmp_path / "data")
    profile = pr.prepare(data, tmp_path / "probe", model="lightgbm")
    assert [c.name for c in profile.columns if c.semantic == "text"] == ["name"]
    # Half the features are text (name beside age): the words block is the first block tried.
    assert applicable_blocks(profile, PipelineOptions(), None)[0] == "words"
    plain, columns = _run(data, tmp_path / "plain", [])
    words, with_words = _run(data, tmp_path / "words", ["words"])
    assert not any("svd" in c for c in columns)
    assert {f"name_svd{i}" for i in range(16)} <= set(with_words)
    assert words > plain + 0.05  # the title is the signal; length and word count barely carry it
    _assert_clean(tmp_path / "words" / "code")


def test_words_without_a_repeated_word_leave_the_text_as_length_and_count(tmp_path: Path) -> None:
    _run(_passengers(tmp_path / "data"), tmp_path / "run", ["words"])
    path = tmp_path / "run" / "code" / "features.py"  # the generated module, not a cached one
    spec = importlib.util.spec_from_file_location("generated_features", path)
    features = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(features)  # type: ignore[union-attr]

    cfg = features.load_config(tmp_path / "run")
    assert features.fit_words(pd.Series(["alpha one", "beta two", None]), cfg) is None
    assert features.fit_words(pd.Series(["same", "same"]), cfg) is None  # one word: no SVD
    assert features.fit_words(pd.Series(["red fox", "red dog", "blue fox"] * 3), cfg) is not None
