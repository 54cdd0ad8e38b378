"""Render an ensemble candidate: code that blends its members' saved predictions by weight.

The ensemble's ``code/`` reloads ``candidates/NNN/output/{oof,test_pred}.csv`` of its members
(it does not retrain them: each member's own ``code/`` reproduces its files) and writes the same
contract as any pipeline, so the harness scores and validates it like every other candidate.
"""

from __future__ import annotations

from pathlib import Path

from autokaggle.generate.config import build_config
from autokaggle.generate.options import PipelineOptions
from autokaggle.generate.pipeline import dump_config, render_text, template_context
from autokaggle.profile.model import DataProfile


def render_ensemble(profile: DataProfile, weights: dict[str, float], folder: Path) -> list[str]:
    """Write code/{features,train,predict}.py, config.yaml and requirements; the files written."""
    config = build_config(profile, PipelineOptions(model="linear"))
    # features.py is the run's shared reader module (the blend uses its readers only); the
    # config names no model of its own: each member's config.yaml holds its family and params.
    context = {**template_context(profile, config), "members": sorted(weights)}
    config["model"] = {"name": "ensemble"}
    config["ensemble"] = {"weights": {name: round(w, 6) for name, w in sorted(weights.items())}}
    files = {
        "code/features.py": render_text("features.py.j2", context),
        "code/train.py": render_text("ensemble_train.py.j2", context),
        "code/predict.py": render_text("ensemble_predict.py.j2", context),
        "code/config.yaml": dump_config(config),
        "env/requirements.txt": render_text("requirements.txt.j2", context),
    }
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    return list(files)
