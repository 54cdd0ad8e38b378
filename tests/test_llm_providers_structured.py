"""Structured output: JSON extraction, validation, the JSON instruction and the single re-ask."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from fake_llm import replies
from pydantic import BaseModel

from autokaggle.llm.base import Completion, Message, Usage
from autokaggle.llm.errors import LLMUnavailable
from autokaggle.llm.structured import (
    StructuredOutputError,
    complete_structured,
    extract_json,
    json_instruction,
    parse_structured,
)


class Plan(BaseModel):
    model: str
    n_folds: int


@pytest.mark.parametrize("text", [
    replies.PLAN_JSON,
    replies.PLAN_FENCED_REPLY,
    f"Sure! {replies.PLAN_JSON} Hope this helps.",
    f"```\n{replies.PLAN_JSON}\n```",
    f"  {replies.PLAN_JSON}\n",
])
def test_json_is_found_wherever_the_model_put_it(text: str) -> None:
    plan = parse_structured(text, Plan)
    assert isinstance(plan, Plan) and (plan.model, plan.n_folds) == ("lightgbm", 5)


@pytest.mark.parametrize(("text", "why"), [
    (replies.NO_CODE_REPLY, "no JSON"),
    (replies.BROKEN_JSON_REPLY, "invalid JSON"),
    (replies.PLAN_INVALID_JSON, "n_folds"),
    ("{ never closed", "not closed"),
])
def test_bad_replies_say_what_is_wrong(text: str, why: str) -> None:
    with pytest.raises(StructuredOutputError, match=why):
        parse_structured(text, Plan)


def test_extract_json_prefers_a_fenced_json_block_over_braces_in_prose() -> None:
    text = "Use {curly} notation.\n```json\n[1, 2]\n```"
    assert extract_json(text) == "[1, 2]"


def test_the_instruction_carries_the_schema() -> None:
    instruction = json_instruction(Plan)
    assert "n_folds" in instruction and "JSON" in instruction


class Script:
    """A fake ``send`` that answers from a list and records what it was sent."""

    def __init__(self, *texts: str) -> None:
        self.texts = list(texts)
        self.sent: list[list[Message]] = []

    def __call__(self, messages: Sequence[Message]) -> Completion:
        self.sent.append(list(messages))
        return Completion(text=self.texts.pop(0), usage=Usage(input_tokens=10, output_tokens=4),
                          latency_s=0.5, provider="p", model="m")


def test_without_a_native_mode_the_instruction_is_added() -> None:
    send = Script(replies.PLAN_JSON)
    reply = complete_structured(send, [Message(role="user", content="plan")], Plan, native=False)
    assert isinstance(reply.parsed, Plan) and len(send.sent) == 1
    assert send.sent[0][-1].role == "system" and "n_folds" in send.sent[0][-1].content


def test_a_native_mode_sends_the_messages_unchanged() -> None:
    send = Script(replies.PLAN_JSON)
    asked = [Message(role="user", content="plan")]
    complete_structured(send, asked, Plan, native=True)
    assert send.sent == [asked]


def test_the_re_ask_quotes_the_bad_reply_and_the_error_and_sums_usage() -> None:
    send = Script(replies.PLAN_INVALID_JSON, replies.PLAN_JSON)
    reply = complete_structured(send, [Message(role="user", content="plan")], Plan, native=True)
    assert isinstance(reply.parsed, Plan)
    assert (reply.usage.input_tokens, reply.usage.output_tokens, reply.latency_s) == (20, 8, 1.0)
    retry = send.sent[1]
    assert retry[-2] == Message(role="assistant", content=replies.PLAN_INVALID_JSON)
    assert retry[-1].role == "user" and "n_folds" in retry[-1].content


def test_a_second_bad_reply_is_unavailable() -> None:
    send = Script(replies.NO_CODE_REPLY, replies.BROKEN_JSON_REPLY)
    with pytest.raises(LLMUnavailable, match="Plan"):
        complete_structured(send, [Message(role="user", content="plan")], Plan, native=False,
                            provider_name="gemini")
    assert len(send.sent) == 2
