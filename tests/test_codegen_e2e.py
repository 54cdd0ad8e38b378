"""Done means: ``autokaggle run examples/penguins --llm openai:MODEL`` through the real openai SDK
against the loopback fake server (no TTY): an LLM plan, an LLM pipeline that needs one repair,
the better of template and LLM as the final submission, candidates and priced LLM calls in
``status --json``; and a provider that only talks garbage leaves the template's submission.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from chat_fakes import break_train, example_files, fenced, plan_json, snooping
from conftest import EXAMPLE
from fake_llm import FakeLLMServer, Reply
from fake_llm.fixtures import FAKE_KEYS, use_openai_key

from autokaggle.cli import main

MODEL = "gpt-4o-mini"


@pytest.fixture(autouse=True)
def openai_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_openai_key(tmp_path, monkeypatch)


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    with pytest.raises(SystemExit) as exc:
        main(args)
    out = capsys.readouterr()
    return int(exc.value.code or 0), json.loads(out.out or "{}"), out.err


def _run(server: FakeLLMServer, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    return _cli(["run", str(EXAMPLE), "--env", "current", "--json", "--llm", f"openai:{MODEL}",
                 "--llm-base-url", server.base_url_for("openai")], capsys)


def test_an_llm_run_repairs_once_and_ends_with_the_better_pipeline(
    fake_llm: FakeLLMServer, workdir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    hermetic_env: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MY_SERVICE_TOKEN", "token-planted-9d1e")
    (hermetic_env / ".kaggle").mkdir(exist_ok=True)
    (hermetic_env / ".kaggle/kaggle.json").write_text('{"username": "u", "key": "kj-planted-9d1e"}')
    linear = snooping(example_files(tmp_path / "render", "linear"))
    broken = break_train(linear)
    fake_llm.script(
        Reply(plan_json(["linear", "lightgbm"]), 1200, 150),
        Reply(fenced(broken, "I switch to a regularised logistic regression: the classes "
                             "are almost linearly separable."), 5000, 3000),
        Reply(fenced({"code/train.py": linear["code/train.py"]},
                     "The NameError came from a leftover helper call; removed."), 6000, 2500),
    )
    code, result, err = _run(fake_llm, capsys)
    assert code == 0, err
    assert result["status"] == "done" and result["cv_score"] == pytest.approx(0.98909, abs=1e-4)
    run = Path(result["run_dir"])
    sub = pd.read_csv(result["submission"])
    assert sub["id"].tolist() == pd.read_csv(EXAMPLE / "sample_submission.csv")["id"].tolist()
    decisions = json.loads((run / "input/decisions.json").read_text())
    assert decisions["models"]["who"] == "llm"
    code, status, _ = _cli(["status", result["run_id"], "--json"], capsys)
    assert [(c["origin"], c["status"]) for c in status["candidates"]] == [
        ("template", "valid"), ("llm-draft", "failed"), ("llm-repair", "valid")]
    assert [c["purpose"] for c in status["llm"]["calls_detail"]] == ["plan", "codegen", "repair"]
    assert status["llm"]["input_tokens"] == 12200 and status["llm"]["output_tokens"] == 5650
    assert status["llm"]["cost_usd"] > 0
    assert json.loads((run / "candidates/selected.json").read_text())["candidate"] == 3
    assert "NameError" in json.dumps(fake_llm.requests[-1].body)  # the repair saw the traceback
    assert "candidate 003" in err and (run / "output/notebook.ipynb").is_file()
    # The LLM's code looked for secrets: none in its environment, none at ~/.kaggle.
    snoop = (run / "candidates/003/output/snoop.json").read_text()
    assert json.loads(snoop)["kaggle_json"] is None
    for secret in ("token-planted-9d1e", "kj-planted-9d1e", FAKE_KEYS["openai"]):
        assert secret not in snoop


def test_a_provider_that_only_talks_garbage_leaves_the_template_and_says_why(
    fake_llm: FakeLLMServer, workdir: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    fake_llm.default = Reply("As an AI language model I cannot help with Kaggle today.", 50, 12)
    code, result, err = _run(fake_llm, capsys)
    assert code == 0 and result["status"] == "done", err
    assert result["cv_score"] == pytest.approx(0.98182, abs=1e-4)  # the LightGBM template
    code, status, _ = _cli(["status", result["run_id"], "--json"], capsys)
    assert [(c["origin"], c["status"]) for c in status["candidates"]] == (
        [("template", "valid")] + [("llm-draft", "failed")] * 5)
    assert "no usable plan" in err
    assert "The template pipeline stands: no valid LLM pipeline after 5 attempts" in err
