"""Feature block "words": a text column's TF-IDF, reduced by SVD for the trees (learnt without
the target) and whole, sparse, for the linear model."""

from __future__ import annotations

import importlib.util
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pipeline_run as pr
import pytest
from test_search import _assert_clean

from autokaggle.generate import PipelineOptions, render_pipeline
from autokaggle.generate.config import applicable_blocks, build_config
from autokaggle.profile.model import DataProfile


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


def _messages(folder: Path, regression: bool = False) -> Path:
    """Tweets of 6-15 words of 300 beside a keyword: a few words carry the label (F1), or a
    price sums every word's worth (RMSE)."""
    rng = np.random.default_rng(7)
    n, vocab = 600, np.array([f"w{i}" for i in range(300)])
    worth = rng.normal(0, 1, len(vocab)) * (rng.random(len(vocab)) < 0.2)
    texts, labels = [], []
    for _ in range(n):
        words = rng.choice(len(vocab), rng.integers(6, 16))
        label = worth[words].sum() + rng.normal(0, 0.3)
        texts.append(" ".join(vocab[words]))
        labels.append(round(label, 3) if regression else int(worth[words].max() > 1.5))
    frame = pd.DataFrame({"id": np.arange(n), "keyword": rng.choice(["fire", "flood", None], n),
                          "text": texts, "target": labels})
    pr.write_csvs(folder, frame.iloc[:450], frame.iloc[450:].drop(columns="target"),
                  pd.DataFrame({"id": frame["id"].iloc[450:], "target": 0}))
    metric = "root mean squared error" if regression else "F1"
    (folder / "overview.md").write_text(f"# Messages\n\n## Evaluation\n\n{metric}.\n")
    return folder


def _run(data: Path, run: Path, blocks: list[str], model: str = "lightgbm",
         ) -> tuple[float, list[str]]:
    profile = pr.prepare(data, run, model=model)
    params = {"n_estimators": 60, "num_leaves": 7} if model == "lightgbm" else {}
    options = PipelineOptions(model=model, params=params,  # type: ignore[arg-type]
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


@pytest.mark.parametrize("regression", [False, True], ids=["f1", "rmse"])
def test_the_linear_model_weighs_every_word_of_a_text_whole(tmp_path: Path,
                                                             regression: bool) -> None:
    data = _messages(tmp_path / "data", regression)
    plain, _ = _run(data, tmp_path / "plain", [], model="linear")
    words, columns = _run(data, tmp_path / "words", ["words"], model="linear")
    # No SVD: the text goes in whole and the model's pipeline turns it into a sparse TF-IDF.
    assert "text__tfidf" in columns and not any("svd" in c for c in columns)
    config = (tmp_path / "words" / "code" / "config.yaml").read_text()
    assert "words_components" not in config
    bundle = pickle.loads((tmp_path / "words" / "output" / "model.pkl").read_bytes())
    prepare = bundle["models"][0][0][0]
    vocabulary = prepare.named_transformers_["words_0"].vocabulary_
    assert len(vocabulary) > 300  # every word and the word pairs seen twice, not 16 components
    if regression:  # RMSE: a sum of 60 words' worth that a line recovers
        assert bundle["models"][0][0][-1].cv == 3  # no leave-one-out square of sparse words
        assert words < plain * 0.6
    else:  # F1: one of 60 words in a tweet of up to 15
        assert words > plain + 0.2
        assert bundle["models"][0][0][-1].solver == "newton-cg"
    _assert_clean(tmp_path / "words" / "code")


def test_a_logistic_regression_on_sparse_words_uses_newton_cg(tmp_path: Path) -> None:
    # Unit-norm TF-IDF rows beside standardized columns are ill-conditioned for lbfgs: on a
    # review-like table of 40,000 rows each fit took 85-220 iterations, the pipeline 77 s
    # against 35 s, and the candidate ran past the end of a 120 s budget.
    profile = pr.prepare(_messages(tmp_path / "data"), tmp_path / "run", model="linear")
    regression = pr.prepare(_messages(tmp_path / "reg", True), tmp_path / "r", model="linear")

    def params(prof: DataProfile, blocks: list[str], **given: float) -> dict:
        options = PipelineOptions(model="linear", blocks=blocks,  # type: ignore[list-item]
                                  params=given)
        return build_config(prof, options)["model"]["params"]

    assert params(profile, ["words"])["solver"] == "newton-cg"
    assert params(profile, ["words"], C=0.3) == {"max_iter": 2000, "solver": "newton-cg",
                                                 "C": 0.3}  # a tuning trial keeps it
    assert "solver" not in params(profile, [])  # no words: lbfgs, as every linear candidate
    assert "solver" not in params(regression, ["words"])  # ridge: no iterations


def test_a_run_on_a_table_led_by_its_text_tries_its_words_on_a_line_first(
        tmp_path: Path) -> None:
    from autokaggle.orchestrator.engine import start_run
    from autokaggle.orchestrator.options import RunOptions
    from autokaggle.store import Store

    store = Store(tmp_path / "work")
    options = RunOptions(source=str(_messages(tmp_path / "data")), env="current", chat=False,
                         time_budget_s=3600, max_candidates=2, n_splits=3)
    record = start_run(store, options, "tweets", lambda event: None)
    assert record.status == "done"
    made = {c.label: c for c in store.candidates(record.run_id) if c.origin == "template"}
    assert list(made) == ["lightgbm template", "linear", "linear +words"]
    assert made["linear +words"].cv_mean > made["linear"].cv_mean + 0.2  # F1
