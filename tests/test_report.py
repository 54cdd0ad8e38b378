"""Run report and Kaggle notebook written from a rendered, executed pipeline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import gen_fixtures as fx
import nbformat
import pandas as pd
import pytest

from autokaggle.errors import InputError
from autokaggle.generate import PipelineOptions, render_pipeline
from autokaggle.generate.notebook import write_notebook
from autokaggle.generate.report import candidates_section, write_report

METRICS = {
    "metric": "accuracy", "greater_is_better": True, "cv_mean": 0.8125, "cv_std": 0.0312,
    "oof_score": 0.8125, "n_rows": 160,
    "folds": [{"fold": i, "score": 0.8 + i / 100, "rows": 32} for i in range(5)],
}


def write_outputs(run_dir: Path) -> None:
    """What train.py and the harness leave behind, without running them."""
    out = run_dir / "output"
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(METRICS))
    (out / "run_summary.json").write_text(
        json.dumps({"model": "lightgbm", "runtime_s": {"train": 3.5, "predict": 1.25}}))
    importance = pd.DataFrame({"feature": [f"f{i}" for i in range(40)],
                               "importance": range(40, 0, -1)})
    importance.to_csv(out / "feature_importance.csv", index=False)


def test_report_lists_folds_mean_std_model_and_plot(tmp_path: Path) -> None:
    profile, run_dir = fx.binary_bool(tmp_path)
    render_pipeline(profile, PipelineOptions(), run_dir)
    write_outputs(run_dir)
    path = write_report(run_dir, profile)
    text = path.read_text()
    assert "`accuracy` (higher is better)" in text
    assert "0.81250 ± 0.03120" in text and "| 4 | 32 | 0.84000 |" in text
    assert "| num_leaves | `31` |" in text and "| total | 4.8 |" in text
    assert (run_dir / "output/feature_importance.png").stat().st_size > 1000
    assert "`code/train.py`" in text


def test_report_without_metrics_names_the_fix(tmp_path: Path) -> None:
    profile, run_dir = fx.binary_bool(tmp_path)
    with pytest.raises(InputError, match="metrics.json"):
        write_report(run_dir, profile)


def notebook_script(path: Path) -> str:
    """The notebook's code cells, in order, as one script."""
    notebook = nbformat.read(path, as_version=4)
    return "\n\n".join(c.source for c in notebook.cells if c.cell_type == "code")


@pytest.mark.parametrize(("with_folds", "model"),
                         [(True, "lightgbm"), (False, "lightgbm"), (True, "linear")])
def test_notebook_runs_top_to_bottom_and_writes_a_submission(
    tmp_path: Path, with_folds: bool, model: str
) -> None:
    profile, run_dir = fx.multiclass_topk(tmp_path)
    options = PipelineOptions(model=model, params=fx.FAST_PARAMS[model],  # type: ignore[arg-type]
                              early_stopping_rounds=10, threads=1)
    render_pipeline(profile, options, run_dir)
    path = write_notebook(run_dir, profile)
    assert path.read_bytes() == write_notebook(run_dir, profile).read_bytes()
    if not with_folds:
        (run_dir / "input/folds.csv").unlink()  # the notebook builds the same seeded folds
    script = run_dir / "notebook_as_script.py"
    script.write_text(notebook_script(path))
    result = subprocess.run([sys.executable, script.name], cwd=run_dir, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    submission = pd.read_csv(run_dir / "submission.csv", dtype=str)
    sample = pd.read_csv(run_dir / "input/data/sample_submission.csv", dtype=str)
    assert list(submission.columns) == list(sample.columns)
    assert submission["id"].tolist() == sample["id"].tolist()


def _candidate(number: int, meta: dict) -> dict:
    return {"number": number, "origin": "template", "parent": None, "label": f"c{number}",
            "status": "valid", "cv_mean": 0.8, "cv_std": 0.01, "duration_s": 2.0, "error": None,
            "meta": meta}


def test_the_candidates_table_names_the_ray_node_only_when_one_ran_there() -> None:
    local = candidates_section([_candidate(1, {})], {"candidate": 1})
    assert not any("node" in line for line in local)
    node = {"id": "abc123", "ip": "10.0.0.7", "hostname": "worker-2"}
    rows = candidates_section([_candidate(1, {}), _candidate(2, {"node": node})], None)
    table = [line for line in rows if line.startswith("|")]
    assert table[0].endswith("| node |")
    assert table[2].endswith("| head |") and table[3].endswith("| worker-2 10.0.0.7 abc123 |")
