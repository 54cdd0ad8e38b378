"""The pipeline as one Kaggle-ready notebook, built from the same template fragments."""

from __future__ import annotations

from pathlib import Path

import nbformat
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autokaggle.generate.pipeline import render_text, template_context
from autokaggle.profile.model import DataProfile


def notebook_config(run_dir: Path) -> dict:
    """The rendered config.yaml of the run (render_pipeline writes it first)."""
    return yaml.safe_load((run_dir / "code" / "config.yaml").read_text(encoding="utf-8"))


def config_cell(run_dir: Path) -> str:
    """The config inline, parsed exactly as the scripts parse code/config.yaml."""
    text = (run_dir / "code" / "config.yaml").read_text(encoding="utf-8").rstrip("\n")
    return f'CONFIG_YAML = """\n{text}\n"""\ncfg = yaml.safe_load(CONFIG_YAML)'


def notebook_cells(run_dir: Path, profile: DataProfile) -> list:
    """Markdown and code cells: setup, config, paths, features, train, predict, run."""
    context = template_context(profile, notebook_config(run_dir))
    intro = (
        f"# {profile.title}\n\n{context['model_title']} baseline for `{profile.slug}` "
        f"({profile.task}, metric `{profile.metric.name}`). Run all cells: it trains one model "
        "per fold and writes `submission.csv` in the sample submission's format."
    )
    code = [
        render_text("notebook_setup.py.j2", context),
        config_cell(run_dir),
        render_text("_features_body.py.j2", context),
        render_text("notebook_paths.py.j2", context),
        render_text("_train_body.py.j2", context),
        render_text("_predict_body.py.j2", context),
        render_text("notebook_run.py.j2", context),
    ]
    return [new_markdown_cell(intro), *(new_code_cell(text.strip("\n")) for text in code)]


def write_notebook(run_dir: Path, profile: DataProfile) -> Path:
    """Write ``output/notebook.ipynb`` (nbformat v4), a standalone copy of the pipeline."""
    notebook = new_notebook(cells=notebook_cells(run_dir, profile))
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    for number, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{number}"  # fixed ids keep the file byte-identical across renders
    nbformat.validate(notebook)
    path = run_dir / "output" / "notebook.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nbformat.writes(notebook) + "\n", encoding="utf-8")
    return path


def write_files_notebook(run_dir: Path, title: str, note: str) -> Path:
    """``output/notebook.ipynb`` for a pipeline not made from the templates (an LLM's): one
    ``%%writefile`` cell per file, then the two scripts, run from the run folder."""
    cells = [new_markdown_cell(f"# {title}\n\n{note} Run all cells from the run folder.")]
    for name in ("code/config.yaml", "code/features.py", "code/stacking.py", "code/train.py",
                 "code/predict.py"):
        path = run_dir / name
        if path.is_file():
            text = path.read_text(encoding="utf-8").rstrip("\n")
            cells.append(new_code_cell(f"%%writefile {name}\n{text}"))
    cells.append(new_code_cell("!python code/train.py\n!python code/predict.py"))
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    for number, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{number}"
    nbformat.validate(notebook)
    path = run_dir / "output" / "notebook.ipynb"
    path.write_text(nbformat.writes(notebook) + "\n", encoding="utf-8")
    return path
