"""The run report: ``output/report.md`` and a feature-importance plot, from the run's outputs.

Inputs: ``output/metrics.json`` (written by the harness), optional ``output/run_summary.json``
(``{"model": str, "runtime_s": {step: seconds}}``), ``code/config.yaml`` and
``output/feature_importance.csv`` when present.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from autokaggle.errors import InputError
from autokaggle.generate.search_report import search_section
from autokaggle.profile.model import DataProfile

TOP_FEATURES = 30


def read_json(path: Path) -> dict[str, Any] | None:
    """A JSON file's content, or None when it is absent."""
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def write_importance_plot(run_dir: Path) -> Path | None:
    """Bar chart of the top features by importance; None without feature_importance.csv."""
    source = run_dir / "output" / "feature_importance.csv"
    if not source.is_file():
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    top = pd.read_csv(source).head(TOP_FEATURES).iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, max(3.0, 0.28 * len(top) + 1)))
    ax.barh(top["feature"].astype(str), top["importance"], color="#4c72b0")
    ax.set_xlabel("mean importance over folds")
    ax.set_title(f"Top {len(top)} features")
    fig.tight_layout()
    path = run_dir / "output" / "feature_importance.png"
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)
    return path


def cv_section(metrics: dict[str, Any]) -> list[str]:
    """Per-fold scores, mean ± std and the OOF score."""
    direction = "higher is better" if metrics["greater_is_better"] else "lower is better"
    lines = [f"## Cross-validation: `{metrics['metric']}` ({direction})", "",
             "| fold | rows | score |", "|---:|---:|---:|"]
    lines += [f"| {f['fold']} | {f['rows']} | {f['score']:.5f} |" for f in metrics["folds"]]
    lines += ["", f"- CV: **{metrics['cv_mean']:.5f} ± {metrics['cv_std']:.5f}**",
              f"- OOF score over {metrics['n_rows']} rows: {metrics['oof_score']:.5f}", ""]
    return lines


def cuts_section(verdict: dict[str, Any] | None) -> list[str]:
    """How a QWK submission's grades were cut (``output/qwk_cuts.json``), when it says."""
    if not verdict or verdict.get("gain") is None:
        return []
    rule = ("cut points on the expected grade fitted to the OOF predictions"
            if verdict.get("cuts") is not None else "grades by rank of the expected grade")
    return ["## Submission grades (QWK)", "",
            f"- {rule}: cuts fitted on four fifths of the OOF rows scored "
            f"{verdict['gain']:+.5f} QWK against grades by rank on the fifth (standard error "
            f"{verdict['noise']:.5f}; kept only above it). The CV above scores grades by rank.",
            ""]


def model_section(config: dict[str, Any] | None, summary: dict[str, Any] | None,
                  labels: dict[str, str] | None = None) -> list[str]:
    """Model family, objective and parameters; for an ensemble, its members and weights (or
    its stack)."""
    model = (config or {}).get("model") or {}
    name = (summary or {}).get("model") or model.get("name", "unknown")
    lines = ["## Model", "", f"- family: `{name}`"]
    weights = ((config or {}).get("ensemble") or {}).get("weights")
    if isinstance(weights, dict):
        return [*lines, f"- the weighted mean of {len(weights)} candidates' saved predictions; "
                "each member's family and parameters are in its `candidates/NNN/code/config.yaml`",
                "", "| member | pipeline | weight |", "|---:|---|---:|",
                *(f"| {m} | {(labels or {}).get(m, '')} | {w:.4f} |" for m, w in weights.items()),
                ""]
    stack = (config or {}).get("stack")
    if isinstance(stack, dict):
        return [*lines, f"- a {stack.get('kind')} stack: a linear model fitted on "
                f"{len(stack.get('members') or [])} candidates' out-of-fold predictions "
                "(`code/stacking.py`); each member's family and parameters are in its "
                "`candidates/NNN/code/config.yaml`", "", "| member | pipeline |", "|---:|---|",
                *(f"| {m} | {(labels or {}).get(m, '')} |" for m in stack.get("members") or []),
                ""]
    if isinstance(model, dict) and "objective" in model:
        lines += [f"- objective: `{model['objective']}`, early stopping on "
                  f"`{model.get('eval_metric')}`, target transform: "
                  f"`{model.get('target_transform')}`"]
    if isinstance(model, dict) and isinstance(model.get("params"), dict):
        lines += ["", "| parameter | value |", "|---|---|"]
        lines += [f"| {key} | `{value}` |" for key, value in sorted(model["params"].items())]
    return [*lines, ""]


def runtime_section(summary: dict[str, Any] | None) -> list[str]:
    """Seconds per step, when the run recorded them."""
    runtime = (summary or {}).get("runtime_s") or {}
    if not runtime:
        return []
    lines = ["## Runtime", "", "| step | seconds |", "|---|---:|"]
    lines += [f"| {step} | {seconds:.1f} |" for step, seconds in runtime.items()]
    return [*lines, f"| total | {sum(runtime.values()):.1f} |", ""]


def files_section(run_dir: Path) -> list[str]:
    """The run's code and output files."""
    names = [p.relative_to(run_dir).as_posix() for folder in ("code", "output")
             for p in sorted((run_dir / folder).glob("*")) if p.is_file()]
    return ["## Files", "", *(f"- `{name}`" for name in names), ""]


def candidates_section(
    candidates: list[dict[str, Any]], selected: dict[str, Any] | None
) -> list[str]:
    """Which candidate is final, and every candidate the run executed."""
    if not candidates:
        return []
    chosen = (selected or {}).get("candidate")
    lines = ["## Candidates", ""]
    if chosen is not None:
        lines += [f"Final pipeline: candidate `{chosen:03d}` ({(selected or {}).get('label', '')})"
                  f" — the best valid CV, guarded against fold noise; its code is in `code/`.", ""]
    nodes = any(_node(c) for c in candidates)  # a Ray run: where each candidate ran
    lines += ["| # | origin | parent | pipeline | status | CV | ± | seconds | error |"
              + (" node |" if nodes else ""),
              "|---:|---|---:|---|---|---:|---:|---:|---|" + ("---|" if nodes else "")]
    lines += [_candidate_row(c, chosen) + (f" {_node(c) or 'head'} |" if nodes else "")
              for c in candidates]
    return [*lines, "", "Every candidate's code, logs and predictions: `candidates/NNN/`.", ""]


def _node(c: dict[str, Any]) -> str:
    """The Ray node a candidate ran on (host and IP), '' when it ran on the head."""
    node = (c.get("meta") or {}).get("node")
    if not isinstance(node, dict):
        return ""
    return " ".join(str(node[k])[:8] if k == "id" else str(node[k])
                    for k in ("hostname", "ip", "id") if node.get(k))


def _candidate_row(c: dict[str, Any], chosen: int | None) -> str:
    mark = " **(final)**" if c["number"] == chosen else ""
    cv = "-" if c["cv_mean"] is None else f"{c['cv_mean']:.5f}"
    std = "-" if c["cv_std"] is None else f"{c['cv_std']:.5f}"
    secs = "-" if c["duration_s"] is None else f"{c['duration_s']:.1f}"
    error = (c["error"] or "").splitlines()[0][:80].replace("|", "/") if c["error"] else ""
    parent = "-" if c["parent"] is None else f"{c['parent']:03d}"
    return (f"| {c['number']:03d}{mark} | {c['origin']} | {parent} | {c['label']} | "
            f"{c['status']} | {cv} | {std} | {secs} | {error} |")


def write_report(
    run_dir: Path, profile: DataProfile, candidates: list[dict[str, Any]] | None = None,
    selected: dict[str, Any] | None = None,
) -> Path:
    """Write ``output/report.md`` (and ``feature_importance.png``) for a scored run."""
    metrics = read_json(run_dir / "output" / "metrics.json")
    if metrics is None:
        raise InputError(f"no output/metrics.json in {run_dir}",
                         hint="score the run first: the harness writes metrics.json")
    summary = read_json(run_dir / "output" / "run_summary.json")
    config_path = run_dir / "code" / "config.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8")) if config_path.is_file() else None
    plot = write_importance_plot(run_dir)
    lines = [f"# {profile.title}", "", f"- competition: `{profile.slug}`",
             f"- task: {profile.task}; target: {', '.join(profile.target_columns)}", ""]
    lines += cv_section(metrics) + cuts_section(read_json(run_dir / "output" / "qwk_cuts.json"))
    lines += candidates_section(candidates or [], selected)
    lines += search_section(run_dir, candidates or [])
    labels = {f"{c['number']:03d}": c["label"] for c in candidates or []}
    lines += model_section(config, summary, labels) + runtime_section(summary)
    if plot is not None:
        lines += ["## Feature importance", "", "![feature importance](feature_importance.png)", ""]
    path = run_dir / "output" / "report.md"
    path.write_text("\n".join(lines + files_section(run_dir)), encoding="utf-8")
    return path
