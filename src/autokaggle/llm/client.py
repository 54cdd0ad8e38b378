"""``LLMClient``: the one door every LLM call goes through.

``ask`` checks the budgets before the call, redacts every message, calls the provider through
the retry wrapper (one error table), redacts the reply, records the call (failures too) in the
store's ledger and in ``runs/ID/llm/NNN-purpose.json``, and adds its tokens and cost to the
run's totals. Stages receive an ``LLM`` (this client) and never a ``Provider``: the provider's
``complete`` is the only outbound path, and this client is its only caller.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from autokaggle.llm.base import Completion, Message, Provider, Purpose, TokenSink, Usage
from autokaggle.llm.errors import (
    LLMAuthError,
    LLMBudgetExhausted,
    LLMError,
    LLMModelNotFound,
    LLMUnavailable,
)
from autokaggle.llm.ledger import CallOutcome, Ledger
from autokaggle.llm.prices import cost_usd
from autokaggle.llm.redact import Redactor
from autokaggle.store.llm_calls import LLMUsageSummary

RetryFn = Callable[[Callable[[], Completion]], Completion]
Notify = Callable[[str], None]
_ERROR_KINDS: tuple[tuple[type[LLMError], str], ...] = (
    (LLMAuthError, "auth"),
    (LLMModelNotFound, "model_not_found"),
    (LLMUnavailable, "unavailable"),
)


@dataclass(frozen=True)
class Budget:
    """Limits of a run's LLM use: calls and USD (None: no limit)."""

    max_calls: int | None = None
    max_cost_usd: float | None = None


class LLMClient:
    """Implements the ``LLM`` protocol over one provider: redacted, budgeted, retried, recorded."""

    def __init__(
        self,
        provider: Provider,
        *,
        ledger: Ledger | None = None,
        budget: Budget | None = None,
        redactor: Redactor | None = None,
        retry: RetryFn | None = None,
        notify: Notify | None = None,
    ) -> None:
        self.provider = provider
        self.ledger = ledger or Ledger(None, None, None)
        self.budget = budget or Budget()
        self.redact = redactor or Redactor.from_environment([provider.api_key or ""])
        self._retry = retry or _default_retry(provider, self.redact)
        self._notify = notify
        self._lock = threading.Lock()
        self._seq = self.ledger.next_seq() - 1
        self._totals = _run_totals(self.ledger)
        self._told: set[str] = set()

    @property
    def label(self) -> str:
        """``provider:model`` for people."""
        return f"{self.provider.name}:{self.provider.model}"

    @property
    def usage(self) -> LLMUsageSummary:
        """Calls, tokens and cost so far (including earlier attempts of a resumed run)."""
        return self._totals

    def ask(
        self,
        purpose: Purpose,
        messages: Sequence[Message],
        *,
        schema: type[BaseModel] | None = None,
        max_output_tokens: int | None = None,
        on_token: TokenSink | None = None,
    ) -> Completion:
        """One redacted, budgeted, retried, recorded call (see the module docstring)."""
        seq = self._reserve()
        clean = [Message(role=m.role, content=self.redact(m.content)) for m in messages]
        sink = (lambda text: on_token(self.redact(text))) if on_token else None
        started = time.monotonic()
        try:
            completion = self._retry(
                lambda: self.provider.complete(
                    clean, schema=schema, max_output_tokens=max_output_tokens, on_token=sink
                )
            )
        except Exception as exc:  # noqa: BLE001 - every failure is recorded, then raised as LLMError
            error = self._as_llm_error(exc)
            self._finish(seq, purpose, clean, self._failure(error, started))
            if error is exc:
                raise
            raise error from exc
        # The provider times the request itself; the wall time also holds retries and SDK import.
        latency = completion.latency_s or (time.monotonic() - started)
        completion = self._clean_reply(completion, latency)
        self._finish(seq, purpose, clean, self._success(completion))
        return completion

    # -- budget -----------------------------------------------------------------------------

    def _reserve(self) -> int:
        """Check the budgets and take the next call number, atomically across threads."""
        with self._lock:
            self._check_budget()
            self._seq += 1
            self._totals = _plus(self._totals, calls=1)
            return self._seq

    def _check_budget(self) -> None:
        spent, limit = self._totals.calls, self.budget.max_calls
        if limit is not None and spent >= limit:
            self._refuse(
                f"LLM budget reached: {spent} of {limit} calls used (--max-llm-calls {limit}).",
                "Start a new run with a larger --max-llm-calls to allow more calls.",
            )
        cost, max_cost = self._totals.cost_usd, self.budget.max_cost_usd
        if max_cost is not None and cost >= max_cost:
            self._refuse(
                f"LLM budget reached: ${cost:.4f} of ${max_cost:.4f} spent "
                f"(--max-llm-cost {max_cost:g}).",
                "Start a new run with a larger --max-llm-cost to allow more spending.",
            )

    def _refuse(self, message: str, hint: str) -> None:
        self._tell_once("budget", f"{message} The run goes on without the LLM.")
        raise LLMBudgetExhausted(f"{message} No call was made.", hint)

    def _tell_once(self, topic: str, text: str) -> None:
        if topic not in self._told and self._notify is not None:
            self._told.add(topic)
            self._notify(text)

    # -- outcome ----------------------------------------------------------------------------

    def _clean_reply(self, completion: Completion, latency_s: float) -> Completion:
        """The reply with every secret redacted from its text and parsed object."""
        text = self.redact(completion.text)
        parsed = completion.parsed
        if isinstance(parsed, BaseModel):
            dumped = parsed.model_dump_json()
            if self.redact(dumped) != dumped:
                parsed = type(parsed).model_validate_json(self.redact(dumped))
        return completion.model_copy(
            update={"text": text, "parsed": parsed, "latency_s": latency_s,
                    "provider": completion.provider or self.provider.name,
                    "model": completion.model or self.provider.model}
        )

    def _success(self, completion: Completion) -> CallOutcome:
        cost = cost_usd(self.provider.model, completion.usage)
        if cost is None and self.budget.max_cost_usd is not None:
            self._tell_once(
                "unpriced",
                f"The price of {self.provider.model} is unknown: --max-llm-cost cannot limit "
                "its calls (their tokens are still counted); use --max-llm-calls to cap them.",
            )
        return CallOutcome(completion, completion.latency_s, cost)

    def _failure(self, error: LLMError, started: float) -> CallOutcome:
        kind = next((k for cls, k in _ERROR_KINDS if isinstance(error, cls)), "error")
        cost = cost_usd(self.provider.model, Usage())  # 0 when priced: no tokens came back
        return CallOutcome(None, time.monotonic() - started, cost, kind, error.message)

    def _finish(
        self, seq: int, purpose: str, messages: Sequence[Message], result: CallOutcome
    ) -> None:
        with self._lock:
            self._totals = _plus(
                self._totals,
                failed=int(result.outcome != "ok"),
                input_tokens=result.usage.input_tokens,
                output_tokens=result.usage.output_tokens,
                cost_usd=result.cost_usd or 0.0,
                unpriced_calls=int(result.cost_usd is None),
            )
        self.ledger.record(seq, self.provider.name, self.provider.model, purpose, messages, result)

    def _as_llm_error(self, exc: Exception) -> LLMError:
        """``exc`` as an LLMError, its message and hint redacted (SDK errors may echo a key)."""
        if isinstance(exc, LLMError):
            exc.message = self.redact(exc.message)
            exc.hint = self.redact(exc.hint) if exc.hint else exc.hint
            exc.args = (exc.message,)
            return exc
        return LLMUnavailable(
            self.redact(f"{self.label}: {type(exc).__name__}: {exc}"),
            "The run goes on without the LLM; see the run log for details.",
        )


def _plus(totals: LLMUsageSummary, **more: float) -> LLMUsageSummary:
    """``totals`` with each field of ``more`` added."""
    data = totals.to_dict()
    data.pop("cost_known")
    for name, value in more.items():
        data[name] += value
    return LLMUsageSummary(**data)


def _run_totals(ledger: Ledger) -> LLMUsageSummary:
    """What the run already used (a resumed run keeps its budget), zeros outside a run."""
    if ledger.store is None or ledger.run_id is None:
        return LLMUsageSummary()
    return ledger.store.llm_usage(ledger.run_id)


def _default_retry(provider: Provider, redact: Callable[[str], str]) -> RetryFn:
    """Retries from the one SDK error table (``autokaggle.llm.retry``), imported on first use."""

    def retry(fn: Callable[[], Completion]) -> Completion:
        from autokaggle.llm.retry import call_with_retries

        return call_with_retries(
            fn, provider_name=provider.name, key_env_vars=provider.key_env_vars, redact=redact
        )

    return retry
