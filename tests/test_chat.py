"""The strategy chat: slash commands, decisions, the template following them, reopening a run."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from chat_fakes import ScriptedLLM
from test_codegen_run import run_with

from autokaggle.chat.commands import apply_command
from autokaggle.chat.decisions import Decisions, load_decisions
from autokaggle.chat.session import ChatSession, Transcript
from autokaggle.chat.terminal import ScriptedTerminal
from autokaggle.llm.errors import LLMUnavailable
from autokaggle.orchestrator.events import discard
from autokaggle.orchestrator.reopen import reopen_chat
from autokaggle.store import Store

COLUMNS = ["island", "bill_length_mm", "bill_depth_mm", "sex"]


def test_slash_commands_edit_the_decisions_as_the_user() -> None:
    d = Decisions()
    assert apply_command("/set model catboost,lightgbm", d, COLUMNS).template_changed
    assert d.models.value == ["catboost", "lightgbm"] and d.models.who == "user"
    assert "Unknown model" in apply_command("/set model gbm", d, COLUMNS).reply
    assert apply_command("/drop sex not allowed here", d, COLUMNS).reply == "Dropping sex."
    assert d.dropped == ["sex"] and d.features[0].reason == "not allowed here"
    assert "Did you mean 'island'" in apply_command("/drop Island", d, COLUMNS).reply
    apply_command("/keep sex", d, COLUMNS)
    assert d.dropped == []
    assert "fixed for the whole run" in apply_command("/set folds 10", d, COLUMNS).reply
    apply_command("/set budget 10m", d, COLUMNS)
    apply_command("/set target log1p", d, COLUMNS)
    apply_command("/set note try bill ratios", d, COLUMNS)
    assert d.time_budget_s.value == 600 and d.target_transform.value == "log1p"
    assert d.notes[-1].text == "try bill ratios"
    assert apply_command("/go", d, COLUMNS).action == "go"
    assert "Unknown command" in apply_command("/fly", d, COLUMNS).reply


def test_a_chat_whose_llm_fails_goes_on_without_it(tmp_path: Path) -> None:
    saved: list[Decisions] = []
    terminal = ScriptedTerminal(["hello?", "/set model xgboost", "/quit"])
    session = ChatSession(
        terminal=terminal, decisions=Decisions(), columns=COLUMNS,
        transcript=Transcript(tmp_path / "t.md"), save=saved.append,
        offline_brief="## Offline brief", llm=ScriptedLLM(LLMUnavailable("server down")),
        prompts=None,
    )
    assert session.run() == "quit"
    assert "Offline brief" in terminal.text and "server down" not in terminal.text
    assert saved[-1].models.value == ["xgboost"]
    transcript = (tmp_path / "t.md").read_text()
    assert "hello?" in transcript and "/set model xgboost" in transcript


def test_set_model_catboost_then_go_reruns_the_template_and_reopening_regenerates(
    workdir: Path,
) -> None:
    terminal = ScriptedTerminal(["/plan", "/set model catboost", "/drop island weak",
                                 "what about ratios?", "/cost", "/go"])
    record, _ = run_with(workdir, None, terminal=terminal)
    assert record.status == "done"
    root = record.run_dir
    assert "Proposed plan" in terminal.text and "No LLM configured" in terminal.text
    assert "0 LLM call(s)" in terminal.text
    config = yaml.safe_load((root / "code/config.yaml").read_text())
    assert config["model"]["name"] == "catboost" and "island" in config["features"]["drop"]
    decisions = load_decisions(root)
    assert decisions is not None and decisions.revision == 1
    assert decisions.models.who == "user" and decisions.dropped == ["island"]
    transcript = (root / "input/chat_transcript.md").read_text()
    assert "what about ratios?" in transcript and "/set model catboost" in transcript
    # Reopen the finished run: another plan, /go, and the run's final pipeline follows it.
    summary = reopen_chat(Store(workdir), record.run_id, discard,
                          ScriptedTerminal(["/set model linear", "/keep island", "/go"]),
                          cache={"llm": None})
    assert "candidate" in summary
    config = yaml.safe_load((root / "code/config.yaml").read_text())
    assert config["model"]["name"] == "linear" and "island" not in config["features"]["drop"]
    origins = [(c.origin, c.meta.get("plan")) for c in Store(workdir).candidates(record.run_id)]
    assert origins == [("template", 0), ("template", 1), ("template", 2)]
    selected = json.loads((root / "candidates/selected.json").read_text())
    assert selected["candidate"] == 3
    assert "Session of" in (root / "input/chat_transcript.md").read_text().split("---")[-1]
