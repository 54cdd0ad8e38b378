"""`autokaggle doctor`: what works, what to fix, and the exit code (scripted provider)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from llm_scripted import REGISTRY, ScriptedProvider, reply, scripted

from autokaggle.cli import main
from autokaggle.llm import client as client_module
from autokaggle.llm import select
from autokaggle.llm.errors import LLMAuthError
from autokaggle.store import Store


@pytest.fixture(autouse=True)
def scripted_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOKAGGLE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setattr(select, "provider_registry", lambda: dict(REGISTRY))
    monkeypatch.setattr(client_module, "_default_retry", lambda provider, redact: lambda fn: fn())
    for name in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "OPENAI_API_KEY", "AUTOKAGGLE_LLM"):
        monkeypatch.delenv(name, raising=False)


def _doctor(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    with pytest.raises(SystemExit) as exc:
        main(["doctor", "--json", *args])
    out = capsys.readouterr()
    return int(exc.value.code or 0), json.loads(out.out), out.err


def _check(report: dict, name: str) -> dict:  # type: ignore[type-arg]
    return next(c for c in report["checks"] if c["name"] == name)


def test_offline_machine_can_still_run_and_is_told_what_to_add(
    capsys: pytest.CaptureFixture[str]
) -> None:
    code, report, _ = _doctor([], capsys)
    assert code == 0 and report["ok"] is True
    assert _check(report, "kaggle")["status"] == "warn"
    assert "kaggle.com/settings" in _check(report, "kaggle")["fix"]
    llm = _check(report, "llm")
    assert llm["status"] == "warn" and "autokaggle keys set gemini" in llm["fix"]
    assert {c["name"] for c in report["checks"]} == {"kaggle", "llm", "uv", "sandbox", "disk"}
    assert set(_check(report, "sandbox")["data"]["tools"]) == {"unshare", "bwrap"}


def test_one_tiny_call_is_reported_and_kept_in_the_ledger(
    workdir: Path, hermetic_env: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRIPTED_API_KEY", "scripted-key-0001")
    (hermetic_env / ".kaggle").mkdir(exist_ok=True)
    (hermetic_env / ".kaggle" / "kaggle.json").write_text('{"username": "u1", "key": "k1"}')
    scripted(reply("ok", 12, 1))
    code, report, _ = _doctor(["--llm", "scripted:gpt-4o-mini"], capsys)
    assert code == 0
    llm = _check(report, "llm")
    assert llm["status"] == "ok" and llm["data"]["input_tokens"] == 12
    assert llm["data"]["cost_usd"] == pytest.approx((12 * 0.15 + 1 * 0.60) / 1e6)
    assert _check(report, "kaggle")["data"]["source"].endswith("kaggle.json")
    calls = Store(workdir).llm_calls(None)
    assert [(c.purpose, c.model, c.outcome) for c in calls] == [("doctor", "gpt-4o-mini", "ok")]
    assert len(ScriptedProvider.received) == 1


def test_a_missing_key_exits_3_naming_the_variable(capsys: pytest.CaptureFixture[str]) -> None:
    code, report, _ = _doctor(["--llm", "openai:gpt-4o-mini"], capsys)
    assert code == 3 and report["ok"] is False
    llm = _check(report, "llm")
    assert llm["status"] == "fail" and "OPENAI_API_KEY" in llm["fix"]
    assert "autokaggle keys set openai" in llm["fix"]


def test_a_rejected_key_exits_3(capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRIPTED_API_KEY", "bad-key-0002")
    scripted(LLMAuthError("The scripted key was rejected (401).", "Set SCRIPTED_API_KEY."))
    code, report, _ = _doctor(["--llm", "scripted:m"], capsys)
    assert code == 3 and "rejected" in _check(report, "llm")["detail"]


def test_an_unknown_provider_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, report, _ = _doctor(["--llm", "nope:m"], capsys)
    assert code == 2 and "Installed providers" in _check(report, "llm")["fix"]


def test_the_screen_shows_each_line_and_the_fix(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["doctor", "--llm", "openai:gpt-4o-mini"])
    err = capsys.readouterr().err
    assert exc.value.code == 3
    for word in ("kaggle", "llm", "uv", "sandbox", "disk", "fix:", "OPENAI_API_KEY", "Not ready"):
        assert word in err


def test_no_call_names_the_provider_without_calling_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCRIPTED_API_KEY", "scripted-key-0003")
    scripted()
    code, report, _ = _doctor(["--llm", "scripted:m", "--no-call"], capsys)
    assert code == 0 and _check(report, "llm")["data"]["label"] == "scripted:m"
    assert ScriptedProvider.received == []
