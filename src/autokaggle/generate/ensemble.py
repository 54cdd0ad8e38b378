"""Render an ensemble candidate: code that blends (or stacks) its members' saved predictions.

The ensemble's ``code/`` reloads ``candidates/NNN/output/{oof,test_pred}.csv`` of its members
(it does not retrain them: each member's own ``code/`` reproduces its files) and writes the same
contract as any pipeline, so the harness scores and validates it like every other candidate.
A blend weighs them with fixed weights; a stack refits a linear model on them
(``code/stacking.py``, a copy of ``autokaggle.evaluate.stacking``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from autokaggle.evaluate import stacking
from autokaggle.generate.config import build_config
from autokaggle.generate.options import PipelineOptions
from autokaggle.generate.pipeline import dump_config, render_text, template_context
from autokaggle.profile.model import DataProfile


def render_ensemble(profile: DataProfile, weights: dict[str, float], folder: Path) -> list[str]:
    """Write code/{features,train,predict}.py, config.yaml and requirements; the files written."""
    config, context = _base(profile, sorted(weights))
    config["model"] = {"name": "ensemble"}
    config["ensemble"] = {"weights": {name: round(w, 6) for name, w in sorted(weights.items())}}
    return _write(folder, {**_shared(config, context),
                           "code/train.py": render_text("ensemble_train.py.j2", context)})


def render_stack(profile: DataProfile, members: list[str], kind: str, folder: Path) -> list[str]:
    """Write a stack's code/ (stacking.py beside the usual files) and requirements."""
    config, context = _base(profile, sorted(members))
    config["model"] = {"name": "stack"}
    config["stack"] = {"kind": kind, "members": sorted(members)}
    context = {**context, "kind": kind}
    return _write(folder, {**_shared(config, context),
                           "code/train.py": render_text("stack_train.py.j2", context),
                           "code/stacking.py": Path(stacking.__file__).read_text("utf-8")})


def _base(profile: DataProfile, members: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The config and template variables an ensemble starts from."""
    config = build_config(profile, PipelineOptions(model="linear"))
    # features.py is the run's shared reader module (an ensemble uses its readers only); the
    # config names no model of its own: each member's config.yaml holds its family and params.
    return config, {**template_context(profile, config), "members": members}


def _shared(config: dict[str, Any], context: dict[str, Any]) -> dict[str, str]:
    """The files a blend and a stack write alike."""
    return {
        "code/features.py": render_text("features.py.j2", context),
        "code/predict.py": render_text("ensemble_predict.py.j2", context),
        "code/config.yaml": dump_config(config),
        "env/requirements.txt": render_text("requirements.txt.j2", context),
    }


def _write(folder: Path, files: dict[str, str]) -> list[str]:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    return list(files)
