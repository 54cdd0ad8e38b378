"""The chat in a real pseudo-terminal: ``/set model catboost``, ``/go``, and the run uses CatBoost;
then the finished run's chat reopened: another plan, ``/go``, and the run follows it."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pexpect
import yaml
from conftest import EXAMPLE

from autokaggle.chat.decisions import load_decisions
from autokaggle.chat.terminal import ScriptedTerminal
from autokaggle.orchestrator.events import discard
from autokaggle.orchestrator.reopen import reopen_chat
from autokaggle.store import Store


def _say(child: pexpect.spawn, line: str, answer: str) -> None:
    child.expect("you>")
    child.sendline(line)
    child.expect(answer)


def test_set_model_catboost_and_go_at_a_terminal_then_reopen(workdir: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm", "COLUMNS": "120",
           "AUTOKAGGLE_CONFIG_DIR": str(tmp_path / "config"), "AUTOKAGGLE_LLM": "off"}
    child = pexpect.spawn(sys.executable, ["-m", "autokaggle", "run", str(EXAMPLE), "--env",
                                           "current", "--workdir", str(workdir)],
                          env=env, encoding="utf-8", timeout=240, dimensions=(40, 120))
    try:
        child.expect("Strategy chat")
        child.expect("Proposed plan")
        _say(child, "/plan", "Current plan")
        _say(child, "/set model catboost", "Models: catboost")
        _say(child, "/drop island weak", "Dropping island")
        _say(child, "what about ratios?", "No LLM here")
        _say(child, "/cost", "0 LLM call")
        _say(child, "/go", "Generating")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, child.before
    run = next((workdir / "runs").iterdir())
    config = yaml.safe_load((run / "code/config.yaml").read_text())
    assert config["model"]["name"] == "catboost" and "island" in config["features"]["drop"]
    decisions = json.loads((run / "input/decisions.json").read_text())
    assert decisions["models"] == {"value": ["catboost"], "who": "user", "reason": ""}
    assert decisions["revision"] == 1
    transcript = (run / "input/chat_transcript.md").read_text()
    assert "/set model catboost" in transcript and "what about ratios?" in transcript
    assert (tmp_path / "config" / "chat_history").is_file()  # arrow-key history, kept apart
    # Reopen the finished run: another plan, /go, and the run's final pipeline follows it.
    store = Store(workdir)
    run_id = run.name
    summary = reopen_chat(store, run_id, discard,
                          ScriptedTerminal(["/set model linear", "/keep island", "/go"]),
                          cache={"llm": None})
    assert "candidate" in summary
    config = yaml.safe_load((run / "code/config.yaml").read_text())
    assert config["model"]["name"] == "linear" and "island" not in config["features"]["drop"]
    origins = [(c.origin, c.meta.get("plan")) for c in store.candidates(run_id)]
    assert origins == [("template", 0), ("template", 1), ("template", 2)]
    assert json.loads((run / "candidates/selected.json").read_text())["candidate"] == 3
    reopened = load_decisions(run)
    assert reopened is not None and reopened.revision == 2
    assert "Session of" in (run / "input/chat_transcript.md").read_text().split("---")[-1]
