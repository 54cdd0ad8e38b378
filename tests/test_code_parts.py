"""A code of parts ("B/0/P", Spaceship Titanic's Cabin; "ABBACBDAAB", the f_27 of Playground TPS
May 2022): each part a feature of its own."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pipeline_run as pr
import pyarrow as pa
import pytest

from autokaggle.profile.columns import parts_separator


def _cabins(folder: Path) -> Path:
    """A binary target set by the code's last part (the side), hidden in thousands of codes."""
    rng = np.random.default_rng(4)
    n = 1200
    side = rng.choice(["P", "S"], n)
    cabin = [f"{d}/{k}/{s}" for d, k, s in zip(rng.choice(list("ABCDEFG"), n),
                                                rng.integers(0, 1500, n), side, strict=True)]
    x = rng.normal(size=n)
    frame = pd.DataFrame({"id": np.arange(n), "x": x.round(3), "Cabin": cabin,
                          "target": ((side == "P") ^ (rng.random(n) < 0.1)).astype(int)})
    frame.loc[::50, "Cabin"] = None
    train, test = frame.iloc[:1000], frame.iloc[1000:].drop(columns="target")
    return pr.write_csvs(folder, train, test, pd.DataFrame({"id": test["id"], "target": 0}))


@pytest.mark.parametrize(("values", "sep"), [
    (["B/0/P", "G/734/S", "A/12/P"], "/"),
    (["0001_01", "0002_01"], "_"),
    (["10-26-26", "28-28"], None),  # two parts beside three
    (["B/0/P", "B/0"], None),
    (["New York", "Paris"], None),
    (["a//b", "c/d/e"], None),  # an empty part
    (["ABBA", "BACA", "AB12"], ""),  # one width, no separator: each character
    (["ABC", "ABCD"], None),  # two widths
    (["AB CD", "EF GH"], None),  # words
    (["A1B2C3D4E5F6G", "A1B2C3D4E5F6H"], None),  # wider than a code: a hash
])
def test_a_separator_counts_only_when_it_cuts_every_value_alike(values: list[str],
                                                                sep: str | None) -> None:
    assert parts_separator(pa.array(values)) == sep


def _run_parts(data: Path, run: Path, model: str, column: str, sep: str) -> dict:
    """Profile and run ``data``; the code's separator as the profile reads it, a CV above 0.85
    (the signal is in one part, for 0.9 of the rows) and a valid submission; the fitted state."""
    profile = pr.prepare(data, run, model=model)
    assert profile.column(column).parts_separator == sep
    pr.run_scripts(run)
    assert pr.score(run, profile).cv_mean > 0.85
    assert pr.validate(run, profile).ok
    return pd.read_pickle(run / "output/model.pkl")


@pytest.mark.parametrize("model", ["lightgbm", "catboost", "linear"])
def test_each_part_of_a_code_is_a_feature(tmp_path: Path, model: str) -> None:
    # As level codes sorted by text, "A/0/P" and "A/0/S" were neighbours and the side was lost.
    state = _run_parts(_cabins(tmp_path / "data"), tmp_path / "run", model, "Cabin", "/")
    assert {"Cabin_part0", "Cabin_part1", "Cabin_part2"} <= set(state["columns"])
    assert state["features"]["parts"]["Cabin"][1] is None  # the number part is a number


def _letter_codes(folder: Path) -> Path:
    """A binary target set by the fourth letter of a six-letter code of 4,096, most seen once."""
    rng = np.random.default_rng(5)
    n = 1500
    letters = rng.choice(list("ABCD"), (n, 6))
    frame = pd.DataFrame({"id": np.arange(n), "x": rng.normal(size=n).round(3),
                          "f_27": ["".join(row) for row in letters],
                          "target": ((letters[:, 3] == "B") ^ (rng.random(n) < 0.1)).astype(int)})
    frame.loc[::60, "f_27"] = None
    train, test = frame.iloc[:1200], frame.iloc[1200:].drop(columns="target")
    return pr.write_csvs(folder, train, test, pd.DataFrame({"id": test["id"], "target": 0}))


@pytest.mark.parametrize("model", ["lightgbm", "linear"])
def test_each_character_of_a_code_of_one_width_is_a_feature(tmp_path: Path, model: str) -> None:
    # As a category of about 1,200 levels, mostly seen once, the code was grouped away as rare.
    state = _run_parts(_letter_codes(tmp_path / "data"), tmp_path / "run", model, "f_27", "")
    assert {f"f_27_part{i}" for i in range(6)} <= set(state["columns"])
    assert "f_27_part6" not in state["columns"]
    assert state["features"]["parts"]["f_27"][3] == ["A", "B", "C", "D", "__rare__"]
