"""`autokaggle doctor` through the real SDKs against the fake LLM server (loopback only)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fake_llm import FakeLLMServer, Reply, bad_key
from fake_llm.fixtures import FAKE_KEYS

from autokaggle.cli import main
from autokaggle.llm.base import Usage
from autokaggle.llm.prices import cost_usd
from autokaggle.store import Store

KEY_VARS = {"openai": "OPENAI_API_KEY", "gemini": "GEMINI_API_KEY",
            "anthropic": "ANTHROPIC_API_KEY"}
MODELS = {"openai": "gpt-4o-mini", "gemini": "gemini-2.5-flash", "anthropic": "claude-haiku-4-5"}


@pytest.fixture(autouse=True)
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOKAGGLE_CONFIG_DIR", str(tmp_path / "config"))
    for name in ("AUTOKAGGLE_LLM", "AUTOKAGGLE_LLM_BASE_URL", "OPENAI_BASE_URL",
                 "GOOGLE_API_KEY", *KEY_VARS.values()):
        monkeypatch.delenv(name, raising=False)


def _doctor(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:  # type: ignore[type-arg]
    with pytest.raises(SystemExit) as exc:
        main(["doctor", "--json", *args])
    return int(exc.value.code or 0), json.loads(capsys.readouterr().out)


def _llm(report: dict) -> dict:  # type: ignore[type-arg]
    return next(c for c in report["checks"] if c["name"] == "llm")


@pytest.mark.parametrize("provider", ["openai", "gemini", "anthropic"])
def test_doctor_reports_one_call_with_tokens_and_cost_and_the_ledger_holds_it(
    provider: str, fake_llm: FakeLLMServer, workdir: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(KEY_VARS[provider], FAKE_KEYS[provider])
    fake_llm.script(Reply("ok", 21, 2))
    spec = f"{provider}:{MODELS[provider]}"
    code, report = _doctor(["--llm", spec, "--llm-base-url", fake_llm.base_url_for(provider)], capsys)
    llm = _llm(report)
    assert code == 0 and llm["status"] == "ok", llm
    expected = cost_usd(MODELS[provider], Usage(input_tokens=21, output_tokens=2))
    assert (llm["data"]["input_tokens"], llm["data"]["output_tokens"]) == (21, 2)
    assert expected and llm["data"]["cost_usd"] == pytest.approx(expected)
    assert llm["data"]["label"] == spec and llm["data"]["latency_s"] > 0
    calls = Store(workdir).llm_calls(None)
    assert [(c.provider, c.model, c.purpose, c.outcome, c.input_tokens) for c in calls] == [
        (provider, MODELS[provider], "doctor", "ok", 21)]
    assert calls[0].cost_usd == pytest.approx(expected)
    assert len(fake_llm.requests_for(provider)) >= 1


@pytest.mark.parametrize("provider", ["openai", "gemini", "anthropic"])
def test_doctor_with_a_bad_key_exits_3_naming_the_variable(
    provider: str, fake_llm: FakeLLMServer, workdir: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(KEY_VARS[provider], "not-a-valid-key-123456")
    fake_llm.script(bad_key())
    code, report = _doctor(["--llm", f"{provider}:{MODELS[provider]}",
                            "--llm-base-url", fake_llm.base_url_for(provider)], capsys)
    llm = _llm(report)
    assert code == 3 and llm["status"] == "fail"
    assert KEY_VARS[provider] in f"{llm['detail']} {llm['fix']}"
    assert "not-a-valid-key-123456" not in json.dumps(report)
    assert [c.outcome for c in Store(workdir).llm_calls(None)] == ["auth"]


def test_doctor_against_a_keyless_local_openai_compatible_server(
    fake_llm: FakeLLMServer, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_llm.script(Reply("ok", 5, 1))
    code, report = _doctor(["--llm", "openai:llama3.1:8b",
                            "--llm-base-url", fake_llm.base_url_for("openai")], capsys)
    llm = _llm(report)
    assert code == 0 and llm["status"] == "ok" and llm["data"]["cost_usd"] is None
    assert "cost unknown" in llm["detail"]
