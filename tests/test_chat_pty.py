"""The chat in a real pseudo-terminal: ``/set model catboost``, ``/go``, and the run uses CatBoost."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pexpect
import yaml
from conftest import EXAMPLE


def test_set_model_catboost_and_go_at_a_terminal(workdir: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm", "COLUMNS": "120",
           "AUTOKAGGLE_CONFIG_DIR": str(tmp_path / "config"), "AUTOKAGGLE_LLM": "off"}
    child = pexpect.spawn(sys.executable, ["-m", "autokaggle", "run", str(EXAMPLE), "--env",
                                           "current", "--workdir", str(workdir)],
                          env=env, encoding="utf-8", timeout=240, dimensions=(40, 120))
    try:
        child.expect("Strategy chat")
        child.expect("you>")
        child.sendline("/set model catboost")
        child.expect("Models: catboost")
        child.expect("you>")
        child.sendline("/go")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, child.before
    run = next((workdir / "runs").iterdir())
    config = yaml.safe_load((run / "code/config.yaml").read_text())
    assert config["model"]["name"] == "catboost"
    decisions = json.loads((run / "input/decisions.json").read_text())
    assert decisions["models"] == {"value": ["catboost"], "who": "user", "reason": ""}
    transcript = (run / "input/chat_transcript.md").read_text()
    assert "/set model catboost" in transcript and "Models: catboost" in transcript
    assert (run / "chat_history").exists() is False  # history lives in the config folder
    assert (tmp_path / "config" / "chat_history").is_file()
