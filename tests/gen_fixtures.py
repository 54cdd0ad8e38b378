"""Tiny hand-made competitions and their DataProfiles for the generator tests."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import KFold

from autokaggle.execute import chain
from autokaggle.profile.model import (
    ColumnProfile,
    DataProfile,
    FileProfile,
    MetricChoice,
    SubmissionFormat,
)

N_TRAIN, N_TEST = 160, 60
FAST_PARAMS = {
    "lightgbm": {"n_estimators": 30, "num_leaves": 7, "min_child_samples": 5},
    "xgboost": {"n_estimators": 30, "max_depth": 3},
    "catboost": {"iterations": 30, "depth": 3},
    "linear": {},
}


def _base_features(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Numeric, categorical (with a rare level), boolean, date and text columns."""
    cat = rng.choice(["red", "green", "blue"], size=n).astype(object)
    cat[rng.random(n) < 0.03] = "violet"
    flag = rng.choice(["True", "False"], size=n).astype(object)
    flag[rng.random(n) < 0.1] = None
    num = rng.normal(size=n)
    num[rng.random(n) < 0.1] = np.nan
    days = pd.to_datetime("2020-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")
    words = rng.choice(["alpha", "beta", "gamma delta", "epsilon zeta eta"], size=n)
    return pd.DataFrame({
        "num": num, "size": rng.integers(1, 50, n), "color": cat, "flag": flag,
        "when": days.strftime("%Y-%m-%d"), "note": words,
    })


FEATURE_SEMANTICS = {"num": "numeric", "size": "numeric", "color": "categorical",
                     "flag": "boolean", "when": "datetime", "note": "text"}


def _signal(frame: pd.DataFrame) -> np.ndarray:
    """A learnable score from the features."""
    return (frame["num"].fillna(0).to_numpy() + (frame["color"] == "red").to_numpy() * 1.5
            + frame["size"].to_numpy() / 25)


def _columns(id_col: str, targets: list[str], semantics: dict[str, str]) -> list[ColumnProfile]:
    cols = [ColumnProfile(name=id_col, dtype="object", semantic="id-like", missing_share=0.0,
                          n_unique=N_TRAIN + N_TEST)]
    for name, sem in semantics.items():
        cols.append(ColumnProfile(name=name, dtype="object", semantic=sem,  # type: ignore[arg-type]
                                  missing_share=0.0, n_unique=3))
    for target in targets:
        cols.append(ColumnProfile(name=target, dtype="object", semantic="categorical",
                                  missing_share=0.0, n_unique=2, in_test=False))
    return cols


def _profile(slug: str, id_col: str, targets: list[str], task: str, labels: list[str],
             metric: MetricChoice, fmt: SubmissionFormat) -> DataProfile:
    files = [FileProfile(name=f, role=r, rows=1, columns=1, size_bytes=1)  # type: ignore[arg-type]
             for f, r in (("train.csv", "train"), ("test.csv", "test"),
                          ("sample_submission.csv", "sample_submission"))]
    return DataProfile(
        slug=slug, title=slug, train_file="train.csv", test_file="test.csv",
        sample_file="sample_submission.csv", files=files,
        columns=_columns(id_col, targets, FEATURE_SEMANTICS), id_column=id_col,
        target_columns=targets, task=task, class_labels=labels,  # type: ignore[arg-type]
        metric=metric, submission_format=fmt, feature_columns=list(FEATURE_SEMANTICS),
    )


def _write(root: Path, train: pd.DataFrame, test: pd.DataFrame, sample: pd.DataFrame,
           id_col: str) -> Path:
    """Write the data folder and a run folder with input/data symlink and folds; the run dir."""
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    train.to_csv(data / "train.csv", index=False)
    test.to_csv(data / "test.csv", index=False)
    sample.to_csv(data / "sample_submission.csv", index=False)
    run = root / "run"
    (run / "input").mkdir(parents=True, exist_ok=True)
    (run / "input" / "data").symlink_to(data, target_is_directory=True)
    splitter = KFold(n_splits=5, shuffle=True, random_state=42)
    fold = np.zeros(len(train), dtype=int)
    for number, (_, valid) in enumerate(splitter.split(train)):
        fold[valid] = number
    pd.DataFrame({id_col: train[id_col], "fold": fold}).to_csv(run / "input" / "folds.csv",
                                                                index=False)
    return run


def _frames(seed: int, id_fmt: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n = N_TRAIN + N_TEST
    frame = _base_features(rng, n)
    frame.insert(0, "id", [id_fmt.format(i) for i in range(n)])
    return frame.iloc[:N_TRAIN].reset_index(drop=True), frame.iloc[N_TRAIN:].reset_index(drop=True)


def binary_bool(root: Path) -> tuple[DataProfile, Path]:
    """Spaceship-like: string ids with leading zeros, True/False labels, accuracy."""
    train, test = _frames(1, "{:04d}_01")
    train = train.rename(columns={"id": "PassengerId"})
    test = test.rename(columns={"id": "PassengerId"})
    train["Transported"] = np.where(_signal(train) > 1.0, "True", "False")
    sample = pd.DataFrame({"PassengerId": test["PassengerId"][::-1], "Transported": "False"})
    fmt = SubmissionFormat(kind="labels", id_column="PassengerId",
                           columns=["PassengerId", "Transported"], target_columns=["Transported"],
                           label_dtype="bool", label_values=["False", "True"])
    metric = MetricChoice(name="accuracy", greater_is_better=True)
    profile = _profile("tiny-binary", "PassengerId", ["Transported"], "binary",
                       ["False", "True"], metric, fmt)
    return profile, _write(root, train, test, sample, "PassengerId")


def multiclass_topk(root: Path) -> tuple[DataProfile, Path]:
    """S3E13-like: five diseases, top-3 space-separated labels, MAP@3."""
    train, test = _frames(2, "{}")
    labels = ["Dengue", "Lyme_disease", "Malaria", "West_Nile_fever", "Zika"]
    bins = np.digitize(_signal(train), [0.3, 1.0, 1.7, 2.4])
    train["prognosis"] = np.array(labels)[bins]
    sample = pd.DataFrame({"id": test["id"], "prognosis": "Dengue Zika Malaria"})
    fmt = SubmissionFormat(kind="topk", id_column="id", columns=["id", "prognosis"],
                           target_columns=["prognosis"], k=3, label_dtype="str")
    metric = MetricChoice(name="map@3", greater_is_better=True)
    profile = _profile("tiny-topk", "id", ["prognosis"], "multiclass", labels, metric, fmt)
    return profile, _write(root, train, test, sample, "id")


def multiclass_proba(root: Path) -> tuple[DataProfile, Path]:
    """Per-class probability columns named differently from the labels, log loss."""
    train, test = _frames(3, "{}")
    labels = ["C", "CL", "D"]
    train["Status"] = np.array(labels)[np.digitize(_signal(train), [0.6, 1.6])]
    columns = ["id", "Status_C", "Status_CL", "Status_D"]
    sample = pd.DataFrame({"id": test["id"], "Status_C": 0.33, "Status_CL": 0.33,
                           "Status_D": 0.34})[columns]
    fmt = SubmissionFormat(kind="probabilities", id_column="id", columns=columns,
                           target_columns=columns[1:], label_dtype="float",
                           class_columns={"Status_C": "C", "Status_CL": "CL", "Status_D": "D"})
    metric = MetricChoice(name="log_loss", greater_is_better=False)
    profile = _profile("tiny-proba", "id", ["Status"], "multiclass", labels, metric, fmt)
    return profile, _write(root, train, test, sample, "id")


def regression_rmsle(root: Path) -> tuple[DataProfile, Path]:
    """House-prices-like: positive target, RMSLE, integer ids."""
    train, test = _frames(4, "{}")
    train = train.rename(columns={"id": "Id"})
    test = test.rename(columns={"id": "Id"})
    train["SalePrice"] = np.exp(11 + _signal(train) / 3).round(1)
    sample = pd.DataFrame({"Id": test["Id"], "SalePrice": 180000.0})
    fmt = SubmissionFormat(kind="values", id_column="Id", columns=["Id", "SalePrice"],
                           target_columns=["SalePrice"], value_dtype="float")
    metric = MetricChoice(name="rmsle", greater_is_better=False)
    profile = _profile("tiny-rmsle", "Id", ["SalePrice"], "regression", [], metric, fmt)
    return profile, _write(root, train, test, sample, "Id")


def multilabel(root: Path) -> tuple[DataProfile, Path]:
    """Three 0/1 targets with one probability column each, mean ROC AUC."""
    train, test = _frames(5, "{}")
    targets = ["EC1", "EC2", "EC3"]
    signal = _signal(train)
    for i, target in enumerate(targets):
        train[target] = (signal + 0.3 * i > 1.0).astype(int)
    sample = pd.DataFrame({"id": test["id"], **dict.fromkeys(targets, 0.5)})
    fmt = SubmissionFormat(kind="probabilities", id_column="id", columns=["id", *targets],
                           target_columns=targets, label_dtype="float")
    metric = MetricChoice(name="roc_auc", greater_is_better=True)
    profile = _profile("tiny-multilabel", "id", targets, "multilabel", [], metric, fmt)
    return profile, _write(root, train, test, sample, "id")


def import_script(path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """A generated script imported as a module (its ``features`` module beside it)."""
    monkeypatch.syspath_prepend(str(path.parent))
    monkeypatch.delitem(sys.modules, "features", raising=False)
    spec = importlib.util.spec_from_file_location(f"generated_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def run_code(run_dir: Path, script: str) -> subprocess.CompletedProcess[str]:
    """Run one generated script from the run folder with this interpreter, like a user would."""
    return subprocess.run([sys.executable, f"code/{script}"], cwd=run_dir, capture_output=True,
                          text=True, timeout=120, check=False)


CHAIN_MARKER = "[script done]"  # chain.py's line after each script that ended well


def run_codes(run_dir: Path, scripts: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    """Run generated scripts one after the other in one interpreter, as a run executes a
    candidate (``execute/chain.py``; its equivalence with direct runs is tested there)."""
    return subprocess.run([sys.executable, chain.__file__, CHAIN_MARKER,
                           *(f"code/{script}" for script in scripts)],
                          cwd=run_dir, capture_output=True, text=True,
                          timeout=120 * len(scripts), check=False)

