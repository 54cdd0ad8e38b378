"""LLMClient: redaction, budgets, the ledger and run records, failures, resume."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from llm_scripted import ScriptedProvider, reply, scripted
from pydantic import BaseModel

from autokaggle.llm.base import Completion, Message, Usage
from autokaggle.llm.client import Budget, LLMClient
from autokaggle.llm.errors import LLMAuthError, LLMBudgetExhausted, LLMUnavailable
from autokaggle.llm.ledger import Ledger
from autokaggle.llm.prices import cost_usd
from autokaggle.llm.redact import MARKER
from autokaggle.store import Store

SECRET = "sk-planted-SECRET-0123456789"
RUN = "20261127-000000-demo-abcd"


@pytest.fixture(autouse=True)
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AUTOKAGGLE_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path / "config"


@pytest.fixture
def store(workdir: Path) -> Store:
    store = Store(workdir)
    store.create_run(RUN, "demo", "demo", {}, ["chat"])
    return store


def _client(store: Store | None, model: str = "gpt-4o-mini", budget: Budget | None = None,
            notes: list[str] | None = None, record_dir: Path | None = None) -> LLMClient:
    provider = ScriptedProvider(model, api_key="provider-key-xyz-123")
    sink = notes.append if notes is not None else None
    return LLMClient(provider, ledger=Ledger(store, RUN if store else None, record_dir),
                     budget=budget, retry=lambda fn: fn(), notify=sink)


def _user(text: str) -> list[Message]:
    return [Message(role="system", content="You help."), Message(role="user", content=text)]


def test_secrets_in_messages_never_reach_the_provider_nor_the_record(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MY_SERVICE_TOKEN", SECRET)
    scripted(reply(f"I saw {SECRET} and provider-key-xyz-123"))
    client = _client(store, record_dir=tmp_path / "llm")
    out = client.ask("chat", _user(f"column value: {SECRET}; key provider-key-xyz-123"))
    sent = json.dumps([m.model_dump() for m in ScriptedProvider.received[0]])
    assert SECRET not in sent and "provider-key-xyz-123" not in sent and MARKER in sent
    assert SECRET not in out.text and "provider-key-xyz-123" not in out.text
    record = (tmp_path / "llm" / "001-chat.json").read_text()
    assert SECRET not in record and "provider-key-xyz-123" not in record
    assert json.loads(record)["messages"][1]["content"].startswith("column value: " + MARKER)


def test_ledger_holds_tokens_cost_latency_and_outcome(store: Store, tmp_path: Path) -> None:
    scripted(reply("one", 1000, 200), reply("two", 500, 100))
    client = _client(store, record_dir=tmp_path / "llm")
    client.ask("chat", _user("a"))
    client.ask("codegen", _user("b"))
    calls = store.llm_calls(RUN)
    assert [(c.seq, c.purpose, c.outcome) for c in calls] == [(1, "chat", "ok"), (2, "codegen", "ok")]
    usage = store.llm_usage(RUN)
    expected = cost_usd("gpt-4o-mini", Usage(input_tokens=1500, output_tokens=300))
    assert (usage.calls, usage.input_tokens, usage.output_tokens) == (2, 1500, 300)
    assert usage.cost_usd == pytest.approx(expected) and usage.cost_known
    assert expected == pytest.approx((1500 * 0.15 + 300 * 0.60) / 1e6)
    assert client.usage.cost_usd == pytest.approx(expected)
    assert sorted(p.name for p in (tmp_path / "llm").iterdir()) == ["001-chat.json", "002-codegen.json"]
    record = json.loads((tmp_path / "llm" / "002-codegen.json").read_text())
    assert record["reply"] == "two" and record["input_tokens"] == 500 and record["latency_s"] >= 0


def test_a_budget_of_one_call_lets_one_through_and_refuses_the_next(store: Store) -> None:
    scripted(reply("first"), reply("never sent"))
    notes: list[str] = []
    client = _client(store, budget=Budget(max_calls=1), notes=notes)
    assert client.ask("chat", _user("a")).text == "first"
    with pytest.raises(LLMBudgetExhausted) as err:
        client.ask("chat", _user("b"))
    assert "1 of 1 calls used (--max-llm-calls 1)" in err.value.message
    assert "--max-llm-calls" in (err.value.hint or "")
    assert len(ScriptedProvider.received) == 1
    with pytest.raises(LLMBudgetExhausted):
        client.ask("chat", _user("c"))
    assert len(notes) == 1 and "goes on without the LLM" in notes[0]
    assert store.llm_usage(RUN).calls == 1


def test_a_cost_budget_refuses_once_spent(store: Store) -> None:
    scripted(reply("costly", 1_000_000, 0), reply("never sent"))
    client = _client(store, budget=Budget(max_cost_usd=0.10))
    client.ask("chat", _user("a"))  # $0.15 spent: over the limit after this call
    with pytest.raises(LLMBudgetExhausted, match=r"\$0\.1500 of \$0\.1000 spent"):
        client.ask("chat", _user("b"))
    assert len(ScriptedProvider.received) == 1


def test_unknown_models_count_tokens_and_leave_cost_unknown(store: Store) -> None:
    scripted(reply("hi", 7, 3))
    notes: list[str] = []
    client = _client(store, model="my-local-llama", budget=Budget(max_cost_usd=1.0), notes=notes)
    client.ask("chat", _user("a"))
    usage = store.llm_usage(RUN)
    assert (usage.input_tokens, usage.output_tokens, usage.unpriced_calls) == (7, 3, 1)
    assert not usage.cost_known and store.llm_calls(RUN)[0].cost_usd is None
    assert len(notes) == 1 and "--max-llm-cost cannot limit" in notes[0]


def test_failures_are_recorded_and_raised_as_llm_errors(store: Store, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTHER_SECRET", SECRET)
    scripted(LLMAuthError("401 for key " + SECRET, "export SCRIPTED_API_KEY=..."),
             RuntimeError(f"socket broke near {SECRET}"))
    client = _client(store, record_dir=tmp_path / "llm")
    with pytest.raises(LLMAuthError) as auth:
        client.ask("chat", _user("a"))
    assert SECRET not in str(auth.value)
    with pytest.raises(LLMUnavailable) as other:
        client.ask("repair", _user("b"))
    assert "RuntimeError" in other.value.message and SECRET not in other.value.message
    calls = store.llm_calls(RUN)
    assert [c.outcome for c in calls] == ["auth", "unavailable"]
    assert all(SECRET not in (c.error or "") for c in calls)
    assert json.loads((tmp_path / "llm" / "002-repair.json").read_text())["reply"] is None
    assert store.llm_usage(RUN).failed == 2


class Plan(BaseModel):
    model: str
    note: str


def test_structured_replies_are_redacted_too(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_PASSWORD", SECRET)
    text = json.dumps({"model": "lightgbm", "note": f"use {SECRET}"})
    scripted(Completion(text=text))
    out = _client(store).ask("plan", _user("a"), schema=Plan)
    assert isinstance(out.parsed, Plan) and out.parsed.note == f"use {MARKER}"
    assert SECRET not in out.text


def test_streamed_tokens_are_redacted(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("API_CREDENTIAL", SECRET)
    scripted(reply(f"token {SECRET}"))
    seen: list[str] = []
    _client(store).ask("chat", _user("a"), on_token=seen.append)
    assert seen == [f"token {MARKER}"]


def test_a_resumed_run_continues_numbering_and_budget(store: Store, tmp_path: Path) -> None:
    scripted(reply("one"), reply("two"), reply("three"))
    _client(store, budget=Budget(max_calls=2), record_dir=tmp_path).ask("chat", _user("a"))
    again = _client(store, budget=Budget(max_calls=2), record_dir=tmp_path)
    again.ask("chat", _user("b"))
    with pytest.raises(LLMBudgetExhausted):
        again.ask("chat", _user("c"))
    assert [c.seq for c in store.llm_calls(RUN)] == [1, 2]
    assert (tmp_path / "002-chat.json").exists()


def test_without_a_store_the_client_still_redacts_and_counts() -> None:
    scripted(reply("ok", 3, 1))
    client = _client(None)
    assert client.ask("doctor", _user("ping")).text == "ok"
    assert client.usage.calls == 1 and client.usage.input_tokens == 3
    assert client.label == "scripted:gpt-4o-mini"


def test_concurrent_calls_never_exceed_the_call_budget(store: Store) -> None:
    import threading

    scripted(*[reply(str(i)) for i in range(8)])
    client = _client(store, budget=Budget(max_calls=3))
    outcomes: list[str] = []

    def worker() -> None:
        try:
            client.ask("improve", _user("x"))
            outcomes.append("ok")
        except LLMBudgetExhausted:
            outcomes.append("refused")

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok"] * 3 + ["refused"] * 5
    assert sorted(c.seq for c in store.llm_calls(RUN)) == [1, 2, 3]
