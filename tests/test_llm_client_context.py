"""RunContext.llm: the injected seam, offline runs, unusable providers, budget notes."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from llm_scripted import REGISTRY, reply, scripted

from autokaggle.llm import select
from autokaggle.llm.base import Message
from autokaggle.llm.client import LLMClient
from autokaggle.llm.errors import LLMBudgetExhausted
from autokaggle.orchestrator.context import RunContext
from autokaggle.orchestrator.events import Event, Note
from autokaggle.orchestrator.options import RunOptions
from autokaggle.store import RunPaths, Store

RUN = "20261127-000000-demo-beef"


@pytest.fixture(autouse=True)
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOKAGGLE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setattr(select, "provider_registry", lambda: dict(REGISTRY))
    for name in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "OPENAI_API_KEY", "AUTOKAGGLE_LLM"):
        monkeypatch.delenv(name, raising=False)


def _ctx(workdir: Path, events: list[Event], **options: object) -> RunContext:
    store = Store(workdir)
    store.create_run(RUN, "demo", "demo", {}, ["chat"])
    paths = RunPaths(workdir / "runs" / RUN).create()
    opts = RunOptions.model_validate({"source": "demo", **options})
    return RunContext(RUN, paths, opts, store, logging.getLogger("test"), events.append)


def test_an_injected_llm_wins(workdir: Path) -> None:
    ctx = _ctx(workdir, [])
    fake = object()
    ctx.cache["llm"] = fake
    assert ctx.llm is fake


def test_without_a_provider_the_run_is_offline_and_says_how_to_add_one(workdir: Path) -> None:
    events: list[Event] = []
    ctx = _ctx(workdir, events)
    assert ctx.llm is None and ctx.llm is None
    notes = [e for e in events if isinstance(e, Note)]
    assert len(notes) == 1 and "autokaggle keys set gemini" in notes[0].text


def test_a_provider_without_its_key_is_noted_once_and_the_run_goes_on(workdir: Path) -> None:
    events: list[Event] = []
    ctx = _ctx(workdir, events, llm="openai:gpt-4o-mini")
    assert ctx.llm is None and ctx.llm is None
    notes = [e for e in events if isinstance(e, Note)]
    assert len(notes) == 1 and notes[0].level == "warning"
    assert "OPENAI_API_KEY" in notes[0].text and "autokaggle keys set openai" in notes[0].text


def test_the_run_llm_records_into_the_run_folder_and_notes_its_budget(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0001")
    events: list[Event] = []
    ctx = _ctx(workdir, events, llm="openai:gpt-4o-mini", max_llm_calls=1)
    llm = ctx.llm
    assert isinstance(llm, LLMClient)
    monkeypatch.setattr(llm, "_retry", lambda fn: fn())  # the scripted provider needs no retries
    scripted(reply("hello"))
    llm.ask("chat", [Message(role="user", content="hi")])
    with pytest.raises(LLMBudgetExhausted):
        llm.ask("chat", [Message(role="user", content="again")])
    assert (ctx.paths.root / "llm" / "001-chat.json").exists()
    warnings = [e.text for e in events if isinstance(e, Note) and e.level == "warning"]
    assert any("goes on without the LLM" in w for w in warnings)
    assert ctx.store.llm_usage(RUN).calls == 1
