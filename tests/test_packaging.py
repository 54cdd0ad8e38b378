"""Packaging stays consistent: requirements.txt mirrors pyproject, templates ship, entry points."""

from __future__ import annotations

import subprocess
import sys
import tomllib

import pytest
from conftest import REPO


def test_requirements_txt_matches_pyproject_dependencies() -> None:
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    lines = [line.strip() for line in (REPO / "requirements.txt").read_text().splitlines()]
    assert [line for line in lines if line and not line.startswith("#")] == deps


@pytest.mark.parametrize("model", ["lightgbm", "xgboost", "catboost", "linear"])
def test_generated_requirements_are_pinned_as_the_package_is(model: str) -> None:
    """A candidate's cached venv gets the versions this package was measured with (the SciPy
    pin: its import is most of a small candidate's seconds)."""
    from autokaggle.generate.pipeline import render_text

    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    lines = [line.replace("'", '"') for line in
             render_text("requirements.txt.j2", {"model": model}).splitlines() if line.strip()]
    assert lines and set(lines) <= {dep.replace("'", '"') for dep in deps}, lines
    assert sum(line.startswith("scipy") for line in lines) == 2  # the pin, and Python 3.14's


def test_python_dash_m_runs_the_cli() -> None:
    out = subprocess.run([sys.executable, "-m", "autokaggle", "--version"],
                         capture_output=True, text=True, check=True)
    assert "autokaggle" in out.stdout


def test_kaggle_client_dependencies_are_declared() -> None:
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {d.split(">")[0].split("=")[0].split("<")[0] for d in deps}
    assert {"kaggle", "six"} <= names  # kaggle imports six without declaring it
