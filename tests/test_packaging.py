"""Packaging stays consistent: requirements.txt mirrors pyproject, templates ship, entry points."""

from __future__ import annotations

import subprocess
import sys
import tomllib

from conftest import REPO


def test_requirements_txt_matches_pyproject_dependencies() -> None:
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    lines = [line.strip() for line in (REPO / "requirements.txt").read_text().splitlines()]
    assert [line for line in lines if line and not line.startswith("#")] == deps


def test_python_dash_m_runs_the_cli() -> None:
    out = subprocess.run([sys.executable, "-m", "autokaggle", "--version"],
                         capture_output=True, text=True, check=True)
    assert "autokaggle" in out.stdout


def test_kaggle_client_dependencies_are_declared() -> None:
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {d.split(">")[0].split("=")[0].split("<")[0] for d in deps}
    assert {"kaggle", "six"} <= names  # kaggle imports six without declaring it
