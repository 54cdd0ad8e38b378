"""Retries for LLM calls: exponential backoff with jitter, Retry-After honoured, one error table.

The SDKs' own retries are disabled in every provider; this is the only retry loop. Failures the
error table calls permanent (bad key, unknown model, bad request) are raised at once as our
``LLMError`` subclasses; retryable ones are retried up to ``max_attempts`` times, then raised as
``LLMUnavailable`` with the table's hint.
"""

from __future__ import annotations

import email.utils
import random
import re
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

from autokaggle.llm.errors import rule_for, to_llm_error

T = TypeVar("T")
RetryHook = Callable[[int, BaseException, float], None]  # (attempt, error, delay_s)

_GOOGLE_DELAY = re.compile(r"'retryDelay':\s*'(\d+(?:\.\d+)?)s'")


def retry_after_s(exc: BaseException) -> float | None:
    """The delay the server asked for: Retry-After / retry-after-ms headers or Gemini RetryInfo."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is not None:
        millis = _number(headers.get("retry-after-ms"))
        if millis is not None:
            return millis / 1000.0
        value = headers.get("retry-after")
        seconds = _number(value)
        if seconds is not None:
            return seconds
        if value:
            return _http_date_delay(value)
    match = _GOOGLE_DELAY.search(str(getattr(exc, "details", "")))
    return float(match.group(1)) if match else None


def _number(value: object) -> float | None:
    try:
        number = float(str(value))
    except ValueError:
        return None
    return number if number >= 0 else None


def _http_date_delay(value: str) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def backoff_s(attempt: int, base_delay_s: float, max_delay_s: float, rng: random.Random) -> float:
    """Delay before retry number ``attempt`` (1-based): base * 2^(attempt-1), jittered, capped."""
    ceiling = min(max_delay_s, base_delay_s * (2 ** (attempt - 1)))
    return ceiling * (0.5 + 0.5 * rng.random())


def call_with_retries(
    fn: Callable[[], T],
    *,
    provider_name: str,
    key_env_vars: Sequence[str],
    max_attempts: int = 4,
    base_delay_s: float = 1.0,
    max_delay_s: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
    on_retry: RetryHook | None = None,
    redact: Callable[[str], str] | None = None,
) -> T:
    """Call ``fn`` until it succeeds, retrying what the error table calls retryable.

    A Retry-After from the server replaces the backoff (capped at ``max_delay_s``). Raises our
    ``LLMError`` subclass (with the user hint) for a permanent failure or the last retryable one.
    Exceptions the table does not know (programming errors) propagate unchanged. ``on_retry``
    hears of each retry before its sleep (a streaming caller can reset what it showed);
    ``redact`` scrubs the final error's message.
    """
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    rng = rng or random.Random(0)
    for attempt in range(1, max_attempts + 1):
        try:
            return fn()
        except Exception as exc:
            rule = rule_for(exc)
            if rule is None:
                raise
            if not rule.retryable or attempt == max_attempts:
                raise to_llm_error(exc, provider_name=provider_name, key_env_vars=key_env_vars,
                                   attempts=attempt, redact=redact) from exc
            asked = retry_after_s(exc)
            delay = min(max_delay_s, asked) if asked is not None else backoff_s(
                attempt, base_delay_s, max_delay_s, rng)
            if on_retry is not None:
                on_retry(attempt, exc, delay)
            sleep(delay)
    raise AssertionError("unreachable")
