"""Render the template pipeline (features.py, train.py, predict.py, config.yaml) into a run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import yaml

from autokaggle.generate.config import build_config, words_form
from autokaggle.generate.options import PipelineOptions, RenderedPipeline
from autokaggle.profile.model import DataProfile

MODEL_TITLES = {"lightgbm": "LightGBM", "xgboost": "XGBoost", "catboost": "CatBoost",
                "linear": "linear"}
SCRIPTS = ("features.py", "train.py", "predict.py")


def template_env() -> jinja2.Environment:
    """The Jinja environment over the packaged templates."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("autokaggle.generate", "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


def template_context(profile: DataProfile, config: dict[str, Any]) -> dict[str, Any]:
    """Variables the templates see."""
    model = config["model"]["name"]
    blocks = list(config["features"].get("blocks", []))
    return {
        "model": model,
        "model_title": MODEL_TITLES[model],
        "has_importance": model != "linear",
        "slug": profile.slug,
        "task": profile.task,
        "metric": profile.metric.name,
        "blocks": blocks,
        "words": words_form(model, blocks),
        "ordinal": config["submission"]["decode"] == "ordinal",
    }


def render_text(name: str, context: dict[str, Any]) -> str:
    """One rendered template."""
    return template_env().get_template(name).render(**context)


def dump_config(config: dict[str, Any]) -> str:
    """config.yaml text: block style, keys in the order built, so renders are byte-identical."""
    header = "# Read by code/*.py; paths are relative to the run folder.\n"
    body = yaml.safe_dump(config, sort_keys=False, default_flow_style=False, allow_unicode=True)
    return header + body


def render_pipeline(
    profile: DataProfile, options: PipelineOptions, run_dir: Path
) -> RenderedPipeline:
    """Write code/{features,train,predict}.py, code/config.yaml and env/requirements.txt."""
    config = build_config(profile, options)
    context = template_context(profile, config)
    files = {f"code/{name}": render_text(f"{name}.j2", context) for name in SCRIPTS}
    files["code/config.yaml"] = dump_config(config)
    files["env/requirements.txt"] = render_text("requirements.txt.j2", context)
    for name, text in files.items():
        path = run_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    return RenderedPipeline(run_dir=run_dir, files=list(files), config=config)
