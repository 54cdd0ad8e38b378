"""The Provider contract every LLM backend implements, and the types that cross the llm layer.

A provider does one thing: send messages to one model and return a ``Completion``. Everything
around that call — redaction, budgets, retries, the cost ledger, the prompt/reply record — is
done once, by ``autokaggle.llm.client.LLMClient``, so no caller can bypass it. Built-in providers
register through the ``autokaggle.providers`` entry-point group, like a third-party plug-in.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["system", "user", "assistant"]
# What an LLM call is for; recorded in the ledger and in the name of runs/ID/llm/NNN-purpose.json.
Purpose = Literal["doctor", "chat", "plan", "codegen", "repair", "improve", "draft", "debug"]
TokenSink = Callable[[str], None]


class Message(BaseModel):
    """One chat message."""

    model_config = ConfigDict(frozen=True)

    role: Role
    content: str


class Usage(BaseModel):
    """Tokens of one call, as the provider reported them (0 when it reported none)."""

    input_tokens: int = 0
    output_tokens: int = 0


class Completion(BaseModel):
    """The reply of one call: the text, the parsed object when a schema was asked, usage, time."""

    text: str
    parsed: Any | None = None  # an instance of the requested schema, when one was asked for
    usage: Usage = Field(default_factory=Usage)
    latency_s: float = 0.0
    provider: str = ""
    model: str = ""
    finish_reason: str | None = None


class Provider(ABC):
    """One LLM backend; subclasses implement ``complete`` and declare capabilities."""

    name: ClassVar[str]  # "gemini", "openai", "anthropic", ...
    key_env_vars: ClassVar[tuple[str, ...]] = ()  # where its API key may come from, in order
    base_url_env_vars: ClassVar[tuple[str, ...]] = ()  # SDK-specific base-URL variables
    key_required: ClassVar[bool] = True  # False for local OpenAI-compatible servers
    supports_structured: ClassVar[bool] = False  # native JSON-schema output
    supports_streaming: ClassVar[bool] = True
    default_context_tokens: ClassVar[int] = 128_000

    def __init__(
        self,
        model: str,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout_s: float = 120.0,
    ) -> None:
        self.model = model
        self.api_key = api_key
        self.base_url = base_url
        self.timeout_s = timeout_s

    @property
    def context_tokens(self) -> int:
        """How many tokens the model reads at most (prompts are trimmed to fit)."""
        return self.default_context_tokens

    @abstractmethod
    def complete(
        self,
        messages: Sequence[Message],
        *,
        schema: type[BaseModel] | None = None,
        max_output_tokens: int | None = None,
        temperature: float | None = None,
        on_token: TokenSink | None = None,
    ) -> Completion:
        """Send ``messages`` and return the reply; stream text to ``on_token`` when given.

        With ``schema`` and ``supports_structured``, ask the model for JSON of that schema and
        put the validated object in ``Completion.parsed``. Raise the SDK's own exceptions: the
        client maps them through one error table (``autokaggle.llm.errors``).
        """


class LLM(Protocol):
    """What the stages (chat, generate, search) call; ``LLMClient`` is the implementation.

    ``ask`` redacts every message, checks the budgets, retries retryable errors, records the
    call in the ledger and ``runs/ID/llm/NNN-purpose.json``, and returns the completion. It
    raises ``LLMBudgetExhausted`` when a budget is spent and ``LLMUnavailable`` when the
    provider cannot be used (bad key, unknown model, retries exhausted); callers catch
    ``LLMError`` (the base of both) and go on without the LLM.
    """

    @property
    def label(self) -> str:
        """``provider:model`` for people."""
        ...

    def ask(
        self,
        purpose: Purpose,
        messages: Sequence[Message],
        *,
        schema: type[BaseModel] | None = None,
        max_output_tokens: int | None = None,
        on_token: TokenSink | None = None,
    ) -> Completion:
        """One redacted, budgeted, retried, recorded call."""
        ...
