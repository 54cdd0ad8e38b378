"""The fake LLM server speaks each provider's wire protocol well enough for the real SDKs."""

from __future__ import annotations

import anthropic
import openai
import pytest
from fake_llm import (
    FakeLLMServer,
    Hang,
    Malformed,
    Reply,
    bad_key,
    model_not_found,
    rate_limited,
    replies,
)
from fake_llm.fixtures import FAKE_KEYS
from google import genai
from google.genai import errors as genai_errors
from google.genai import types as genai_types

USER = [{"role": "user", "content": "hi"}]


def _openai(server: FakeLLMServer, timeout: float = 5.0) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url_for("openai"), api_key=FAKE_KEYS["openai"],
                         max_retries=0, timeout=timeout)


def _anthropic(server: FakeLLMServer) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=server.base_url_for("anthropic"),
                               api_key=FAKE_KEYS["anthropic"], max_retries=0, timeout=5.0)


def _gemini(server: FakeLLMServer) -> genai.Client:
    options = genai_types.HttpOptions(base_url=server.base_url_for("gemini"), timeout=5000)
    return genai.Client(api_key=FAKE_KEYS["gemini"], http_options=options)


def test_openai_chat_json_stream_responses_and_models(fake_llm: FakeLLMServer) -> None:
    client = _openai(fake_llm)
    fake_llm.script(Reply(replies.PIPELINE_REPLY, 900, 350), Reply("streamed reply", 5, 6))
    reply = client.chat.completions.create(model="gpt-5.5", messages=USER)  # type: ignore[arg-type]
    assert reply.choices[0].message.content == replies.PIPELINE_REPLY
    assert reply.usage is not None and reply.usage.prompt_tokens == 900
    stream = client.chat.completions.create(model="gpt-5.5", messages=USER, stream=True,  # type: ignore[arg-type]
                                            stream_options={"include_usage": True})
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "streamed reply"
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 6
    assert client.responses.create(model="gpt-5.5", input="hi").output_text == "OK."
    assert "gpt-5.5" in [m.id for m in client.models.list()]
    assert fake_llm.requests[0].headers["authorization"] == f"Bearer {FAKE_KEYS['openai']}"
    assert fake_llm.requests[0].body["messages"] == USER


def test_openai_errors_hang_and_malformed(fake_llm: FakeLLMServer) -> None:
    client = _openai(fake_llm, timeout=0.4)
    fake_llm.script(rate_limited(3), bad_key(), model_not_found(), Hang(3), Malformed())
    with pytest.raises(openai.RateLimitError) as limited:
        client.chat.completions.create(model="gpt-5.5", messages=USER)  # type: ignore[arg-type]
    assert limited.value.response.headers["retry-after"] == "3"
    with pytest.raises(openai.AuthenticationError):
        client.chat.completions.create(model="gpt-5.5", messages=USER)  # type: ignore[arg-type]
    with pytest.raises(openai.NotFoundError, match="does not exist"):
        client.chat.completions.create(model="gpt-nope", messages=USER)  # type: ignore[arg-type]
    with pytest.raises(openai.APITimeoutError):
        client.chat.completions.create(model="gpt-5.5", messages=USER)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        client.chat.completions.create(model="gpt-5.5", messages=USER)  # type: ignore[arg-type]


def test_anthropic_messages_and_stream(fake_llm: FakeLLMServer) -> None:
    client = _anthropic(fake_llm)
    fake_llm.script(Reply(replies.CHAT_STRATEGY, 70, 80), Reply("hello streaming world", 5, 7))
    message = client.messages.create(model="claude-sonnet-5-5", max_tokens=100, messages=USER)  # type: ignore[arg-type]
    assert message.content[0].text == replies.CHAT_STRATEGY  # type: ignore[union-attr]
    assert (message.usage.input_tokens, message.usage.output_tokens) == (70, 80)
    with client.messages.stream(model="claude-sonnet-5-5", max_tokens=100, messages=USER) as stream:  # type: ignore[arg-type]
        assert "".join(stream.text_stream) == "hello streaming world"
        final = stream.get_final_message()
    assert (final.usage.input_tokens, final.usage.output_tokens, final.stop_reason) == (5, 7, "end_turn")
    assert FAKE_KEYS["anthropic"] in fake_llm.requests[0].headers["authorization"]
    fake_llm.script(model_not_found())
    with pytest.raises(anthropic.NotFoundError):
        client.messages.create(model="claude-nope", max_tokens=10, messages=USER)  # type: ignore[arg-type]
    assert "claude-haiku-5-5" in [m.id for m in client.models.list()]


def test_gemini_generate_stream_and_errors(fake_llm: FakeLLMServer) -> None:
    client = _gemini(fake_llm)
    fake_llm.script(Reply("gemini says hi", 3, 4), Reply("gemini streams a longer text", 3, 9))
    reply = client.models.generate_content(model="gemini-3.8-flash", contents="hi")
    assert reply.text == "gemini says hi"
    assert reply.usage_metadata is not None and reply.usage_metadata.candidates_token_count == 4
    chunks = list(client.models.generate_content_stream(model="gemini-3.8-flash", contents="hi"))
    assert "".join(c.text or "" for c in chunks) == "gemini streams a longer text"
    assert chunks[-1].usage_metadata is not None
    assert chunks[-1].usage_metadata.candidates_token_count == 9
    assert fake_llm.requests[0].headers["x-goog-api-key"] == FAKE_KEYS["gemini"]
    fake_llm.script(bad_key(), model_not_found())
    with pytest.raises(genai_errors.ClientError) as bad:
        client.models.generate_content(model="gemini-3.8-flash", contents="hi")
    assert bad.value.code == 400 and "API_KEY_INVALID" in str(bad.value.details)
    with pytest.raises(genai_errors.ClientError) as missing:
        client.models.generate_content(model="gemini-nope", contents="hi")
    assert missing.value.code == 404
    assert "models/gemini-3.8-flash" in [m.name for m in client.models.list()]


def test_known_models_and_default_reply(fake_llm: FakeLLMServer) -> None:
    fake_llm.known_models = {"gpt-5.5"}
    fake_llm.default = Reply(replies.SHORT, 1, 1)
    client = _openai(fake_llm)
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="gpt-typo", messages=USER)  # type: ignore[arg-type]
    reply = client.chat.completions.create(model="gpt-5.5", messages=USER)  # type: ignore[arg-type]
    assert reply.choices[0].message.content == replies.SHORT
    assert [r.provider for r in fake_llm.requests] == ["openai", "openai"]
    assert FAKE_KEYS["openai"] in fake_llm.all_text()
