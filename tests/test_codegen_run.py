"""Whole runs of the example with a scripted LLM injected through ``ctx.cache["llm"]``.

The template (LightGBM, accuracy 0.982 on the example) runs first; the scripted LLM then
writes the linear pipeline (0.989) — broken, snooping, without a submission — and the harness
runs, scores and repairs it. The LLM never reports a score.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from chat_fakes import (
    ScriptedLLM,
    no_submission,
    pipeline_reply,
    plan_json,
    skewed_submission,
    snooping,
)
from conftest import EXAMPLE

from autokaggle.cli.inspect_cmds import status_data
from autokaggle.orchestrator.context import RunContext
from autokaggle.orchestrator.engine import start_run
from autokaggle.orchestrator.events import Event, Note
from autokaggle.orchestrator.options import RunOptions
from autokaggle.orchestrator.registry import Step, registered_steps
from autokaggle.store import RunRecord, Store

PLANTED = {"KAGGLE_KEY": "kaggle-planted-9d1e", "OPENAI_API_KEY": "sk-planted-openai-9d1e",
           "MY_SERVICE_TOKEN": "token-planted-9d1e"}


def run_with(workdir: Path, llm: object, **cache: object) -> tuple[RunRecord, list[str]]:
    """Run the example in-process with ``llm`` (and other cache entries) injected."""
    store = Store(workdir)

    def inject(ctx: RunContext) -> None:
        ctx.cache.update(llm=llm, **cache)

    notes: list[str] = []

    def emit(event: Event) -> None:
        if isinstance(event, Note):
            notes.append(event.text)

    steps = [Step("inject", 0, inject, "test: inject the scripted LLM"), *registered_steps()]
    options = RunOptions(source=str(EXAMPLE), env="current", chat=False)
    return start_run(store, options, "penguins", emit, steps), notes


def _run_dir(workdir: Path) -> Path:
    return next((workdir / "runs").iterdir())


def _journal(record: RunRecord, workdir: Path) -> list[tuple[str, str]]:
    return [(c.origin, c.status) for c in Store(workdir).candidates(record.run_id)]


def test_the_same_error_twice_brings_a_fresh_draft_that_beats_the_template(
    workdir: Path, hermetic_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in PLANTED.items():
        monkeypatch.setenv(name, value)
    kaggle = hermetic_env / ".kaggle"
    kaggle.mkdir(exist_ok=True)
    (kaggle / "kaggle.json").write_text('{"username": "u", "key": "kaggle-json-planted-9d1e"}')
    run_dir = lambda: _run_dir(workdir)  # noqa: E731
    llm = ScriptedLLM(
        plan_json(["linear", "lightgbm"], drop=["no_such_column"]),
        pipeline_reply(run_dir, edit=no_submission),  # 002: no submission
        pipeline_reply(run_dir, edit=no_submission, only=("code/predict.py",)),  # 003: same
        pipeline_reply(run_dir, edit=snooping),  # 004: a fresh draft that snoops, then trains
    )
    record, notes = run_with(workdir, llm)
    assert record.status == "done"
    assert llm.purposes == ["plan", "codegen", "repair", "codegen"]
    assert _journal(record, workdir) == [
        ("template", "valid"), ("llm-draft", "failed"), ("llm-repair", "failed"),
        ("llm-draft", "valid")]
    journal = Store(workdir).candidates(record.run_id)
    assert "did not write output/submission.csv" in (journal[1].error or "")
    assert "did not write output/submission.csv" in llm.calls[2][1][-1].content
    assert any("same error" in n for n in notes)
    assert [c.parent for c in journal] == [None, 1, 2, 1]
    root = record.run_dir
    # The final pipeline is the LLM's fresh draft (0.989 > the template's 0.982).
    assert json.loads((root / "candidates/selected.json").read_text())["candidate"] == 4
    assert record.best_score == pytest.approx(0.98909, abs=1e-4)
    assert (root / "code/train.py").read_text() == (root / "candidates/004/code/train.py").read_text()
    config = yaml.safe_load((root / "code/config.yaml").read_text())
    assert config["model"]["name"] == "linear" and config["id_column"] == "id"
    assert len(pd.read_csv(root / "output/submission.csv")) == len(pd.read_csv(EXAMPLE / "test.csv"))
    # Generated code found no secret: not in its environment, not at ~/.kaggle.
    snoop = (root / "candidates/004/output/snoop.json").read_text()
    assert json.loads(snoop)["kaggle_json"] is None
    for value in [*PLANTED.values(), "kaggle-json-planted-9d1e"]:
        assert value not in snoop
    # Decisions and transcript: the LLM's plan, with who; the unknown column ignored.
    decisions = json.loads((root / "input/decisions.json").read_text())
    assert decisions["models"] == {"value": ["linear", "lightgbm"], "who": "llm", "reason": ""}
    assert any("no_such_column" in n for n in notes)
    assert "penguin species" in (root / "input/chat_transcript.md").read_text()
    report = (root / "output/report.md").read_text()
    assert "## Candidates" in report and "| 004 **(final)** | llm-draft | 001 |" in report
    status = status_data(Store(workdir), record)
    assert [c["origin"] for c in status["candidates"]] == ["template", "llm-draft", "llm-repair", "llm-draft"]  # type: ignore[index]


def test_a_submission_that_is_not_its_own_test_predictions_goes_back_for_repair(
    workdir: Path, hermetic_env: Path
) -> None:
    run_dir = lambda: _run_dir(workdir)  # noqa: E731
    llm = ScriptedLLM(
        plan_json(["linear", "lightgbm"]),
        pipeline_reply(run_dir, edit=skewed_submission),  # 002: valid, but rows moved
        pipeline_reply(run_dir, only=("code/predict.py",)),  # 003: written from test_pred.csv
    )
    record, _ = run_with(workdir, llm)
    assert record.status == "done"
    assert _journal(record, workdir) == [
        ("template", "valid"), ("llm-draft", "failed"), ("llm-repair", "valid")]
    journal = Store(workdir).candidates(record.run_id)
    assert "does not hold test_pred.csv's predictions" in (journal[1].error or "")
    assert "differ from output/test_pred.csv, e.g. id" in llm.calls[2][1][-1].content
    assert json.loads((record.run_dir / "candidates/selected.json").read_text())["candidate"] == 3
