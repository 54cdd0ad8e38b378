"""LLM errors the stages see. The error table mapping each SDK exception lands here too."""

from __future__ import annotations

from autokaggle.errors import AutokaggleError


class LLMError(AutokaggleError):
    """Base of every LLM failure; a stage that catches it goes on without the LLM."""

    exit_code = 1


class LLMUnavailable(LLMError):
    """The provider cannot be used now: retries exhausted, server down, bad reply."""


class LLMAuthError(LLMError):
    """The key is missing or rejected (exit 3); the hint names the variable or command."""

    exit_code = 3


class LLMModelNotFound(LLMError):
    """The model name is unknown to the provider (exit 2); the hint says how to list names."""

    exit_code = 2


class LLMBudgetExhausted(LLMError):
    """--max-llm-cost or --max-llm-calls is reached; the run continues without the LLM."""
