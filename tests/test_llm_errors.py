"""The one error table covers every SDK exception; retries back off, honour Retry-After, map errors."""

from __future__ import annotations

import gc
import inspect
import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from types import ModuleType, SimpleNamespace

import anthropic
import httpx2
import openai
import pytest
from google.genai import errors as genai_errors

from autokaggle.llm.errors import (
    GENERIC_KEYS,
    LLMAuthError,
    LLMModelNotFound,
    LLMUnavailable,
    hint_for,
    rule_for,
    table_key,
    to_llm_error,
)
from autokaggle.llm.retry import backoff_s, call_with_retries, retry_after_s

SDK_BASES: list[tuple[ModuleType, type[BaseException]]] = [
    (openai, openai.APIError),
    (anthropic, anthropic.APIError),
    (genai_errors, genai_errors.APIError),
]


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _public_api_errors(module: ModuleType, base: type[BaseException]) -> set[type]:
    exported = {obj for name, obj in list(vars(module).items())
                if not name.startswith("_") and inspect.isclass(obj) and issubclass(obj, base)}
    return (exported | set(_subclasses(base))) - {base}


def _uncovered(classes: set[type]) -> list[str]:
    return sorted(cls.__name__ for cls in classes
                  if not cls.__name__.startswith("_") and cls.__name__ != "APIStatusError"
                  and (table_key(cls) is None or table_key(cls) in GENERIC_KEYS))


@pytest.mark.parametrize(("module", "base"), SDK_BASES, ids=["openai", "anthropic", "google-genai"])
def test_every_sdk_api_error_class_has_a_specific_rule(module: ModuleType,
                                                       base: type[BaseException]) -> None:
    """Fails when an SDK grows an APIError subclass that only a catch-all base covers."""
    uncovered = _uncovered(_public_api_errors(module, base))
    assert not uncovered, f"add these {module.__name__} classes to llm/errors.py: {uncovered}"


def test_a_new_status_class_would_be_reported() -> None:
    grown = type("TooEarlyError", (openai.APIStatusError,), {"__module__": "openai"})
    assert _uncovered({grown}) == ["TooEarlyError"]
    assert _uncovered({openai.RateLimitError, anthropic.CMEKKeyDisabledError}) == []
    del grown
    gc.collect()  # drop it from APIStatusError.__subclasses__() for the other tests


def _status_error(cls: type, status: int, headers: dict[str, str] | None = None) -> BaseException:
    request = httpx2.Request("POST", "http://127.0.0.1/v1/x")
    response = httpx2.Response(status, headers=headers or {}, request=request)
    return cls("boom", response=response, body=None)


@pytest.mark.parametrize(("exc", "retryable", "error"), [
    (_status_error(openai.RateLimitError, 429), True, LLMUnavailable),
    (_status_error(openai.InternalServerError, 500), True, LLMUnavailable),
    (_status_error(openai.AuthenticationError, 401), False, LLMAuthError),
    (_status_error(openai.PermissionDeniedError, 403), False, LLMAuthError),
    (_status_error(openai.NotFoundError, 404), False, LLMModelNotFound),
    (_status_error(openai.BadRequestError, 400), False, LLMUnavailable),
    (_status_error(openai.APIStatusError, 502), True, LLMUnavailable),
    (_status_error(anthropic.OverloadedError, 529), True, LLMUnavailable),
    (_status_error(anthropic.EnforcedSpendLimitReachedError, 429), False, LLMUnavailable),
    (_status_error(anthropic.CMEKKeyDisabledError, 400), False, LLMUnavailable),
    (genai_errors.ClientError(429, {"error": {"status": "RESOURCE_EXHAUSTED"}}), True,
     LLMUnavailable),
    (genai_errors.ClientError(403, {"error": {"status": "PERMISSION_DENIED"}}), False,
     LLMAuthError),
    (genai_errors.ClientError(400, {"error": {"details": [{"reason": "API_KEY_INVALID"}]}}),
     False, LLMAuthError),
    (genai_errors.ClientError(400, {"error": {"status": "INVALID_ARGUMENT"}}), False,
     LLMUnavailable),
    (genai_errors.ServerError(503, {"error": {"status": "UNAVAILABLE"}}), True, LLMUnavailable),
    (httpx2.ReadTimeout("slow"), True, LLMUnavailable),
    (httpx2.ConnectError("refused"), True, LLMUnavailable),
    (json.JSONDecodeError("Expecting value", "{", 1), True, LLMUnavailable),
])
def test_rules(exc: BaseException, retryable: bool, error: type) -> None:
    rule = rule_for(exc)
    assert rule is not None and (rule.retryable, rule.error) == (retryable, error)


def test_unknown_exceptions_have_no_rule() -> None:
    assert rule_for(KeyError("a bug")) is None


def test_hints_name_the_variables_the_command_and_the_model_list() -> None:
    auth = to_llm_error(_status_error(openai.AuthenticationError, 401), provider_name="openai",
                        key_env_vars=("OPENAI_API_KEY",))
    assert isinstance(auth, LLMAuthError) and auth.exit_code == 3
    assert "OPENAI_API_KEY" in (auth.hint or "") and "autokaggle keys set openai" in (auth.hint or "")
    rule = rule_for(genai_errors.ClientError(404, {}))
    assert rule is not None
    assert "GEMINI_API_KEY or GOOGLE_API_KEY" in hint_for(
        rule_for(genai_errors.ClientError(401, {})), "gemini", ("GEMINI_API_KEY", "GOOGLE_API_KEY"))  # type: ignore[arg-type]
    assert "ai.google.dev" in hint_for(rule, "gemini", ())


def test_retry_after_forms() -> None:
    assert retry_after_s(_status_error(openai.RateLimitError, 429, {"retry-after": "12"})) == 12
    assert retry_after_s(_status_error(openai.RateLimitError, 429,
                                       {"retry-after-ms": "1500"})) == 1.5
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    delay = retry_after_s(_status_error(openai.RateLimitError, 429, {"retry-after": when}))
    assert delay is not None and 25 <= delay <= 31
    gemini = genai_errors.ClientError(429, {"error": {"details": [
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "17s"}]}})
    assert retry_after_s(gemini) == 17
    assert retry_after_s(_status_error(openai.RateLimitError, 429)) is None


def test_backoff_grows_is_jittered_capped_and_reproducible() -> None:
    delays = [backoff_s(a, 1.0, 10.0, random.Random(3)) for a in range(1, 7)]
    assert delays == [backoff_s(a, 1.0, 10.0, random.Random(3)) for a in range(1, 7)]
    for attempt, delay in enumerate(delays, start=1):
        ceiling = min(10.0, 2.0 ** (attempt - 1))
        assert ceiling / 2 <= delay <= ceiling


def _flaky(failures: list[BaseException]) -> SimpleNamespace:
    state = SimpleNamespace(calls=0)

    def fn() -> str:
        state.calls += 1
        if failures:
            raise failures.pop(0)
        return "ok"

    state.fn = fn
    return state


def test_call_with_retries_caps_retry_after_and_reports_each_retry() -> None:
    flaky = _flaky([_status_error(openai.RateLimitError, 429, {"retry-after": "600"}),
                    httpx2.ReadTimeout("slow")])
    sleeps: list[float] = []
    seen: list[tuple[int, str, float]] = []
    result = call_with_retries(flaky.fn, provider_name="openai", key_env_vars=("OPENAI_API_KEY",),
                               base_delay_s=2.0, max_delay_s=20.0, sleep=sleeps.append,
                               on_retry=lambda n, e, d: seen.append((n, type(e).__name__, d)))
    assert result == "ok" and flaky.calls == 3
    assert sleeps[0] == 20.0 and 2.0 <= sleeps[1] <= 4.0
    assert [(n, name) for n, name, _ in seen] == [(1, "RateLimitError"), (2, "ReadTimeout")]


def test_call_with_retries_stops_at_once_on_permanent_errors() -> None:
    flaky = _flaky([_status_error(anthropic.NotFoundError, 404)])
    with pytest.raises(LLMModelNotFound) as failed:
        call_with_retries(flaky.fn, provider_name="anthropic",
                          key_env_vars=("ANTHROPIC_API_KEY",), sleep=lambda _: None)
    assert flaky.calls == 1 and "docs.anthropic.com" in (failed.value.hint or "")
    assert isinstance(failed.value.__cause__, anthropic.NotFoundError)


def test_call_with_retries_lets_bugs_and_our_errors_through() -> None:
    for exc in (KeyError("bug"), LLMUnavailable("bad JSON twice")):
        flaky = _flaky([exc])
        with pytest.raises(type(exc)):
            call_with_retries(flaky.fn, provider_name="x", key_env_vars=(), sleep=lambda _: None)
        assert flaky.calls == 1
    with pytest.raises(ValueError):
        call_with_retries(lambda: 1, provider_name="x", key_env_vars=(), max_attempts=0)


def test_the_final_error_message_is_redacted() -> None:
    flaky_exc = openai.AuthenticationError(
        "Incorrect API key provided: sk-live-SECRET", response=httpx2.Response(
            401, request=httpx2.Request("POST", "http://127.0.0.1/v1/x")), body=None)
    flaky = _flaky([flaky_exc])
    with pytest.raises(LLMAuthError) as failed:
        call_with_retries(flaky.fn, provider_name="openai", key_env_vars=("OPENAI_API_KEY",),
                          redact=lambda text: text.replace("sk-live-SECRET", "[redacted]"))
    assert "SECRET" not in str(failed.value) and "[redacted]" in failed.value.message
