"""The three providers, through their real SDKs, against the loopback fake LLM server."""

from __future__ import annotations

import time

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
    server_error,
    unauthorized,
    unsupported_param,
)
from fake_llm.fixtures import AUTH_HEADERS, FAKE_KEYS
from pydantic import BaseModel

from autokaggle.llm.base import Completion, Message, Provider
from autokaggle.llm.errors import LLMAuthError, LLMModelNotFound, LLMUnavailable
from autokaggle.llm.providers import provider_class
from autokaggle.llm.retry import call_with_retries

MODELS = {"openai": "gpt-5.5", "gemini": "gemini-3.8-flash", "anthropic": "claude-sonnet-5-5"}
PROVIDERS = sorted(MODELS)
ASK = [Message(role="system", content="You are a Kaggle grandmaster."),
       Message(role="user", content="Plan the pipeline.")]


class Plan(BaseModel):
    model: str
    n_folds: int
    features: list[str]
    notes: str = ""


def make(name: str, server: FakeLLMServer, timeout_s: float = 5.0, model: str = "") -> Provider:
    cls = provider_class(name)
    return cls(model or MODELS[name], api_key=FAKE_KEYS[name],
               base_url=server.base_url_for(name), timeout_s=timeout_s)


def retried(provider: Provider, sleeps: list[float], **kwargs: object) -> Completion:
    return call_with_retries(lambda: provider.complete(ASK, **kwargs),  # type: ignore[arg-type]
                             provider_name=provider.name, key_env_vars=provider.key_env_vars,
                             sleep=sleeps.append)


@pytest.mark.parametrize("name", PROVIDERS)
def test_good_reply_has_text_usage_and_latency(fake_llm: FakeLLMServer, name: str) -> None:
    fake_llm.script(Reply(replies.PIPELINE_REPLY, input_tokens=900, output_tokens=350))
    reply = make(name, fake_llm).complete(ASK, max_output_tokens=2000, temperature=0.2)
    assert reply.text == replies.PIPELINE_REPLY
    assert (reply.usage.input_tokens, reply.usage.output_tokens) == (900, 350)
    assert reply.latency_s > 0 and reply.provider == name and reply.model == MODELS[name]
    assert reply.finish_reason in {"stop", "STOP", "end_turn"}
    assert reply.parsed is None
    body = fake_llm.requests_for(name)[0].body
    assert "Kaggle grandmaster" in str(body) and "Plan the pipeline." in str(body)


@pytest.mark.parametrize("name", PROVIDERS)
def test_streaming_sends_tokens_that_join_to_the_text(fake_llm: FakeLLMServer, name: str) -> None:
    fake_llm.script(Reply(replies.CHAT_STRATEGY, input_tokens=120, output_tokens=230))
    tokens: list[str] = []
    reply = make(name, fake_llm).complete(ASK, on_token=tokens.append)
    assert len(tokens) > 10 and "".join(tokens) == reply.text == replies.CHAT_STRATEGY
    assert (reply.usage.input_tokens, reply.usage.output_tokens) == (120, 230)


@pytest.mark.parametrize("name", PROVIDERS)
def test_structured_reply_is_parsed_with_the_native_schema(fake_llm: FakeLLMServer,
                                                           name: str) -> None:
    fake_llm.script(Reply(replies.PLAN_JSON, 50, 30), Reply(replies.PLAN_FENCED_REPLY, 50, 30))
    provider = make(name, fake_llm)
    reply = provider.complete(ASK, schema=Plan)
    assert isinstance(reply.parsed, Plan) and reply.parsed.n_folds == 5
    assert reply.parsed.features == ["balance_per_salary", "age_bin"]
    fenced = provider.complete(ASK, schema=Plan)  # chatter and a fence around the JSON
    assert fenced.parsed == reply.parsed
    body = str(fake_llm.requests_for(name)[0].body)
    native = {"openai": "json_schema", "gemini": "responseJsonSchema", "anthropic": "output_config"}
    assert native[name] in body and "n_folds" in body


@pytest.mark.parametrize("name", PROVIDERS)
def test_invalid_structured_reply_is_re_asked_once(fake_llm: FakeLLMServer, name: str) -> None:
    fake_llm.script(Reply(replies.PLAN_INVALID_JSON, 40, 10), Reply(replies.PLAN_JSON, 60, 20))
    reply = make(name, fake_llm).complete(ASK, schema=Plan)
    assert isinstance(reply.parsed, Plan) and reply.parsed.model == "lightgbm"
    assert (reply.usage.input_tokens, reply.usage.output_tokens) == (100, 30)
    second = fake_llm.requests_for(name)[1].raw
    assert "n_folds" in second and "features" in second and "not valid Plan JSON" in second


@pytest.mark.parametrize("name", PROVIDERS)
def test_twice_invalid_structured_reply_is_unavailable(fake_llm: FakeLLMServer, name: str) -> None:
    fake_llm.script(Reply(replies.BROKEN_JSON_REPLY), Reply(replies.NO_CODE_REPLY))
    with pytest.raises(LLMUnavailable, match="no valid Plan JSON after one re-ask"):
        make(name, fake_llm).complete(ASK, schema=Plan)
    assert len(fake_llm.requests_for(name)) == 2


@pytest.mark.parametrize("name", PROVIDERS)
def test_429_then_success_honours_retry_after(fake_llm: FakeLLMServer, name: str) -> None:
    fake_llm.script(rate_limited(retry_after=7), Reply("after the wait", 5, 3))
    sleeps: list[float] = []
    reply = retried(make(name, fake_llm), sleeps)
    assert reply.text == "after the wait" and sleeps == [7.0]


@pytest.mark.parametrize("name", PROVIDERS)
def test_5xx_and_malformed_bodies_are_retried(fake_llm: FakeLLMServer, name: str) -> None:
    fake_llm.script(server_error(500), server_error(503), Malformed(), Reply("fine now", 5, 3))
    sleeps: list[float] = []
    reply = retried(make(name, fake_llm), sleeps)
    assert reply.text == "fine now" and len(fake_llm.requests_for(name)) == 4
    assert len(sleeps) == 3 and all(0.5 <= s <= 4.0 for s in sleeps)


@pytest.mark.parametrize("name", PROVIDERS)
def test_server_errors_exhaust_the_retries(fake_llm: FakeLLMServer, name: str) -> None:
    fake_llm.default = server_error(500)
    with pytest.raises(LLMUnavailable, match="after 4 attempts") as failed:
        retried(make(name, fake_llm), [])
    assert failed.value.exit_code == 1 and "try again later" in (failed.value.hint or "")
    assert len(fake_llm.requests_for(name)) == 4


@pytest.mark.parametrize("name", PROVIDERS)
@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_a_hang_times_out_and_the_retry_succeeds(fake_llm: FakeLLMServer, name: str,
                                                 stream: bool) -> None:
    fake_llm.script(Hang(60), Reply("second try", 5, 3))
    tokens: list[str] = []
    start = time.monotonic()
    reply = retried(make(name, fake_llm, timeout_s=1.0), [],
                    on_token=tokens.append if stream else None)
    # Far below the hang: the timeout cut it (a loaded 2-core machine took 4 s at 0.4 s).
    assert reply.text == "second try" and time.monotonic() - start < 20
    assert "".join(tokens) == ("second try" if stream else "")


@pytest.mark.parametrize("name", PROVIDERS)
def test_a_hang_with_no_retry_left_is_a_timeout(fake_llm: FakeLLMServer, name: str) -> None:
    fake_llm.script(Hang(5))
    provider = make(name, fake_llm, timeout_s=0.5)
    with pytest.raises(LLMUnavailable) as failed:
        call_with_retries(lambda: provider.complete(ASK), provider_name=name,
                          key_env_vars=provider.key_env_vars, max_attempts=1)
    assert "did not answer in time" in (failed.value.hint or "")


@pytest.mark.parametrize("name", PROVIDERS)
@pytest.mark.parametrize("step", [bad_key(), unauthorized()], ids=["bad_key", "401"])
def test_bad_key_exits_3_naming_the_variable(fake_llm: FakeLLMServer, name: str,
                                             step: object) -> None:
    fake_llm.script(step)  # type: ignore[arg-type]
    provider = make(name, fake_llm)
    with pytest.raises(LLMAuthError) as failed:
        retried(provider, [])
    assert failed.value.exit_code == 3 and len(fake_llm.requests_for(name)) == 1
    hint = failed.value.hint or ""
    assert provider.key_env_vars[0] in hint and f"autokaggle keys set {name}" in hint
    assert FAKE_KEYS[name] not in str(failed.value)


@pytest.mark.parametrize("name", PROVIDERS)
@pytest.mark.parametrize("scripted", [False, True], ids=["known_models", "scripted"])
def test_unknown_model_says_how_to_list_names(fake_llm: FakeLLMServer, name: str,
                                              scripted: bool) -> None:
    if scripted:
        fake_llm.script(model_not_found())
    else:
        fake_llm.known_models = {MODELS[name]}
    with pytest.raises(LLMModelNotFound) as failed:
        retried(make(name, fake_llm, model=f"{name}-no-such-model"), [])
    assert failed.value.exit_code == 2 and len(fake_llm.requests_for(name)) == 1
    assert "https://" in (failed.value.hint or "") and "no-such-model" in failed.value.message


@pytest.mark.parametrize("name", PROVIDERS)
def test_the_key_travels_only_in_its_auth_header(fake_llm: FakeLLMServer, name: str) -> None:
    fake_llm.script(Reply(replies.PLAN_INVALID_JSON), Reply(replies.PLAN_JSON))
    provider = make(name, fake_llm)
    provider.complete(ASK, schema=Plan)
    provider.complete(ASK, on_token=lambda _: None)
    key = FAKE_KEYS[name]
    requests = fake_llm.requests_for(name)
    assert len(requests) == 3
    for request in requests:
        carriers = {h for h, v in request.headers.items() if key in v}
        assert carriers and carriers <= set(AUTH_HEADERS[name])
        assert key not in request.raw and key not in request.path + request.query


@pytest.mark.parametrize("name", PROVIDERS)
def test_no_key_is_an_auth_error_before_any_request(fake_llm: FakeLLMServer, name: str) -> None:
    cls = provider_class(name)
    with pytest.raises(LLMAuthError) as failed:
        cls(MODELS[name], api_key=None, base_url=None)
    assert cls.key_env_vars[0] in (failed.value.hint or "") and not fake_llm.requests


def test_openai_compatible_server_needs_no_key(fake_llm: FakeLLMServer) -> None:
    fake_llm.script(Reply("local model says hi", 8, 4))
    provider = provider_class("openai")("llama3.1:8b", base_url=fake_llm.base_url_for("openai"))
    assert provider.complete(ASK, max_output_tokens=50).text == "local model says hi"
    request = fake_llm.requests[0]
    assert request.body["max_tokens"] == 50 and request.body["model"] == "llama3.1:8b"
    assert provider.context_tokens < provider_class("openai").default_context_tokens


def test_openai_drops_or_renames_a_rejected_parameter_once(fake_llm: FakeLLMServer) -> None:
    fake_llm.script(unsupported_param("temperature"), Reply("no temperature", 5, 3),
                    unsupported_param("max_tokens"), Reply("renamed", 5, 3),
                    Reply("remembered", 5, 3))
    provider = make("openai", fake_llm)
    assert provider.complete(ASK, temperature=0.2).text == "no temperature"
    assert provider.complete(ASK, max_output_tokens=99).text == "renamed"
    assert provider.complete(ASK, temperature=0.2, max_output_tokens=99).text == "remembered"
    bodies = [r.body for r in fake_llm.requests]
    assert bodies[0]["temperature"] == 0.2 and "temperature" not in bodies[1]
    assert bodies[2]["max_tokens"] == 99 and bodies[3]["max_completion_tokens"] == 99
    assert "temperature" not in bodies[4] and bodies[4]["max_completion_tokens"] == 99
    assert "max_tokens" not in bodies[4]


def test_a_server_without_json_schema_gets_the_instruction(fake_llm: FakeLLMServer) -> None:
    fake_llm.script(unsupported_param("response_format"), Reply(replies.PLAN_FENCED_REPLY))
    reply = make("openai", fake_llm).complete(ASK, schema=Plan)
    assert isinstance(reply.parsed, Plan)
    retry = fake_llm.requests[1].body
    assert "response_format" not in retry and "n_folds" in retry["messages"][-1]["content"]


def test_a_400_on_another_parameter_is_not_retried(fake_llm: FakeLLMServer) -> None:
    fake_llm.script(unsupported_param("seed"))
    with pytest.raises(LLMUnavailable, match="seed"):
        retried(make("openai", fake_llm), [])
    assert len(fake_llm.requests) == 1


@pytest.mark.parametrize("name", PROVIDERS)
def test_sdk_environment_variables_do_not_override_what_was_resolved(
        fake_llm: FakeLLMServer, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("GOOGLE_GENAI_USE_VERTEXAI", "GOOGLE_GENAI_USE_ENTERPRISE"):
        monkeypatch.setenv(var, "true")
    for var in ("OPENAI_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY", "ANTHROPIC_API_KEY"):
        monkeypatch.setenv(var, "env-key-that-must-not-be-used")
    for var in ("OPENAI_BASE_URL", "GOOGLE_GEMINI_BASE_URL", "ANTHROPIC_BASE_URL"):
        monkeypatch.setenv(var, "http://127.0.0.1:9/nowhere")
    assert make(name, fake_llm).complete(ASK).text == "OK."
    assert "env-key-that-must-not-be-used" not in fake_llm.all_text()
