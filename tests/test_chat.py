"""The strategy chat in-process: slash commands, decisions, an LLM that fails, an LLM brief and turn."""

from __future__ import annotations

from pathlib import Path

from chat_fakes import ScriptedLLM

from autokaggle.chat.commands import apply_command
from autokaggle.chat.decisions import Decisions
from autokaggle.chat.session import ChatSession, Transcript
from autokaggle.chat.terminal import ScriptedTerminal
from autokaggle.llm.errors import LLMUnavailable

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


def test_the_llm_opens_with_a_brief_and_answers_with_the_conversation_so_far(
    tmp_path: Path,
) -> None:
    from autokaggle.llm.prompts import PromptBuilder, PromptInputs

    inputs = PromptInputs(title="Penguins", slug="penguins", task="multiclass",
                          metric="accuracy", greater_is_better=True, targets=["species"],
                          profile="| island | categorical |", pages="### rules\nNo external data.",
                          baseline="Candidate 001: CV accuracy 0.98182")
    llm = ScriptedLLM("**Brief.** Three species; accuracy. Plan: 1. LightGBM … Use /go.",
                      "Bill ratio helps: try `/set note add bill ratio`.")
    terminal = ScriptedTerminal(["Should I add a bill ratio?", "/set note add bill ratio",
                                 "/go"])
    session = ChatSession(
        terminal=terminal, decisions=Decisions(), columns=COLUMNS,
        transcript=Transcript(tmp_path / "t.md"), save=lambda d: None, offline_brief="-",
        llm=llm, prompts=PromptBuilder(inputs))
    assert session.run() == "go"
    assert llm.purposes == ["chat", "chat"]
    brief_prompt = llm.calls[0][1][-1].content
    assert "No external data." in brief_prompt and "CV accuracy 0.98182" in brief_prompt
    turn = llm.calls[1][1]
    assert [m.role for m in turn] == ["system", "user", "assistant", "user"]
    assert "Should I add a bill ratio?" in turn[-1].content
    assert "Bill ratio helps" in terminal.text and not session.template_changed
    assert session.decisions.notes[-1].text == "add bill ratio"
    transcript = (tmp_path / "t.md").read_text()
    assert "**assistant:**" in transcript and "Bill ratio helps" in transcript
