"""The baseline's fallback ladder: GPU, CPU, linear, then linear without dates and texts."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import gen_fixtures as fx
import pandas as pd
import pytest
import yaml

from autokaggle.orchestrator.options import RunOptions
from autokaggle.orchestrator.steps.baseline import ladder


def test_ladder_tries_the_gpu_then_the_cpu_then_linear() -> None:
    assert ladder("xgboost", True) == [("xgboost", True), ("xgboost", False), ("linear", False)]
    assert ladder("lightgbm", False) == [("lightgbm", False), ("linear", False)]
    assert ladder("linear", False) == [("linear", False)]


def _gpu_run(tmp_path: Path, path: str, *args: str) -> tuple[str, list[dict]]:
    """Run a small binary table (160 rows: the rungs, not the fit, are under test) with --gpu
    and this PATH; the run's log and its candidates."""
    fx.binary_bool(tmp_path / "competition")
    data = tmp_path / "competition" / "data"
    proc = subprocess.run(
        [sys.executable, "-m", "autokaggle", "run", str(data), "--env", "current", "--gpu",
         "--json", "-q", "--workdir", str(tmp_path), *args],
        capture_output=True, text=True, env={**os.environ, "PATH": path}, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    run_dir = Path(json.loads(proc.stdout)["run_dir"])
    found = sorted((run_dir / "candidates").glob("*/candidate.json"))
    log = (run_dir / "logs" / "run.log").read_text()
    return log, [json.loads(p.read_text()) for p in found]


def _fake_gpu(tmp_path: Path) -> str:
    """A PATH whose nvidia-smi lists a GPU that no library here can use."""
    smi = tmp_path / "bin" / "nvidia-smi"
    smi.parent.mkdir(exist_ok=True)
    smi.write_text("#!/bin/sh\necho 'GPU 0: NVIDIA H100 (UUID: GPU-0)'\n")
    smi.chmod(0o755)
    return f"{smi.parent}{os.pathsep}{os.environ['PATH']}"


def test_a_gpu_rung_that_fails_falls_back_to_the_chosen_model_on_the_cpu(tmp_path: Path) -> None:
    _, candidates = _gpu_run(tmp_path, _fake_gpu(tmp_path), "--model", "catboost")
    assert [(c["label"], c["meta"]["gpu"], c["status"]) for c in candidates[:2]] == [
        ("catboost template (GPU)", True, "failed"), ("catboost template", False, "valid")]


def test_lightgbm_without_its_cuda_build_gives_way_unless_the_user_chose_it(
        tmp_path: Path) -> None:
    """PyPI's LightGBM learns on a GPU through OpenCL only, which may be a CPU (pocl)."""
    log, candidates = _gpu_run(tmp_path / "default", _fake_gpu(tmp_path))
    assert (candidates[0]["label"], candidates[0]["meta"]["gpu"]) == (
        "xgboost template (GPU)", True)  # XGBoost falls back to the CPU itself: no GPU here
    assert "the baseline trains xgboost on the GPU; lightgbm has no GPU learner" in log
    log, candidates = _gpu_run(tmp_path / "chosen", _fake_gpu(tmp_path), "--model", "lightgbm")
    assert (candidates[0]["label"], candidates[0]["status"]) == ("lightgbm template", "valid")
    assert "the lightgbm baseline trains on the CPU here (LightGBM needs its CUDA build)" in log


def test_without_a_gpu_the_run_warns_and_tries_no_gpu_rung(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()  # no nvidia-smi on PATH; python is called by its full path
    log, candidates = _gpu_run(tmp_path, str(empty))
    assert log.count("no GPU detected") == 1  # asked once per run
    assert candidates[0]["label"] == "lightgbm template" and candidates[0]["status"] == "valid"
    assert not any(c["meta"].get("gpu") for c in candidates)


def test_when_every_rung_breaks_on_the_dates_the_last_rung_leaves_them_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The template parses dates and texts itself, and the linear rung shares that code: a
    spelling it cannot read breaks every rung alike. The last rung drops those columns."""
    import pipeline_run as pr

    import autokaggle.generate as generate
    from autokaggle.orchestrator.engine import start_run
    from autokaggle.store import open_store

    train, test, sample = pr.tiny_frames()
    for frame in (train, test):
        frame["day"] = pd.date_range("2024-01-01", periods=len(frame)).strftime("%Y-%m-%d")
    data = pr.write_csvs(tmp_path / "data", train, test, sample)
    render = generate.render_pipeline

    def breaks_on_dates(profile, options, folder):  # type: ignore[no-untyped-def]
        """The rendered train.py fails whenever it has a date column to parse."""
        rendered = render(profile, options, folder)
        if rendered.config["features"]["datetime"]:
            train_py = Path(folder) / "code" / "train.py"
            train_py.write_text(train_py.read_text() + "\nraise ValueError('unreadable date')\n")
        return rendered

    monkeypatch.setattr(generate, "render_pipeline", breaks_on_dates)
    store = open_store(tmp_path / "work")
    options = RunOptions(source=str(data), env="current", chat=False, time_budget_s=3600,
                         max_candidates=2)
    record = start_run(store, options, "dates", lambda event: None)
    assert record.status == "done", record
    made = store.candidates(record.run_id)
    assert [(r.label, r.status) for r in made[:3]] == [
        ("lightgbm template", "failed"), ("linear template", "failed"),
        ("linear template without day", "valid")]
    # The search that follows leaves the column out too: its candidates run, not fail alike.
    searched = [r for r in made[3:] if r.origin != "ensemble"]
    assert len(searched) == 2 and all(r.status in ("valid", "screened") for r in searched), [(r.label, r.status, r.error) for r in searched]
    for r in searched:
        found = yaml.safe_load((record.paths.root / "candidates" / r.name / "code/config.yaml")
                               .read_text("utf-8"))
        assert found["features"]["datetime"] == [] and "day" in found["features"]["drop"]
    config = yaml.safe_load((record.paths.root / "code/config.yaml").read_text("utf-8"))
    assert config["features"]["datetime"] == [] and "day" in config["features"]["drop"]
    assert (record.paths.root / "output/submission.csv").is_file()
    log = (record.paths.root / "logs/run.log").read_text("utf-8")
    assert "The submission comes from the linear template without day" in log


def test_the_last_rung_is_only_tried_when_it_leaves_something_out(tmp_path: Path) -> None:
    """No date or text column: the last rung would be the linear rung again, so none is made."""
    import pipeline_run as pr

    from autokaggle.orchestrator.context import RunContext
    from autokaggle.orchestrator.steps.baseline import parsed_columns
    from autokaggle.store import open_store
    from autokaggle.store.layout import RunPaths

    train, test, sample = pr.tiny_frames()
    profile = pr.prepare(pr.write_csvs(tmp_path / "data", train, test, sample), tmp_path / "run")
    ctx = RunContext("r", RunPaths(tmp_path / "run"), RunOptions(source="x"),
                     open_store(tmp_path / "work"), logging.getLogger("test"), lambda event: None)
    ctx.cache["profile"] = profile
    assert parsed_columns(ctx) == []
