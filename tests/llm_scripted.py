"""A scripted Provider for unit tests: queued replies or exceptions, every request kept.

The model name decides the price (``gpt-4o-mini`` is priced, ``local-model`` is not).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from pydantic import BaseModel

from autokaggle.llm.base import Completion, Message, Provider, TokenSink, Usage


class ScriptedProvider(Provider):
    """Answers each ``complete`` with the next queued Completion (or raises the queued error)."""

    name: ClassVar[str] = "scripted"
    key_env_vars: ClassVar[tuple[str, ...]] = ("SCRIPTED_API_KEY",)
    script: ClassVar[list[Completion | Exception]] = []
    received: ClassVar[list[list[Message]]] = []

    def complete(
        self,
        messages: Sequence[Message],
        *,
        schema: type[BaseModel] | None = None,
        max_output_tokens: int | None = None,
        temperature: float | None = None,
        on_token: TokenSink | None = None,
    ) -> Completion:
        """Pop the next scripted reply; stream its text to ``on_token`` when given."""
        ScriptedProvider.received.append(list(messages))
        reply = ScriptedProvider.script.pop(0)
        if isinstance(reply, Exception):
            raise reply
        if on_token is not None:
            on_token(reply.text)
        if schema is not None and reply.parsed is None:
            reply = reply.model_copy(update={"parsed": schema.model_validate_json(reply.text)})
        return reply


def reply(text: str, tokens_in: int = 10, tokens_out: int = 5) -> Completion:
    """A scripted completion with the given usage."""
    return Completion(text=text, usage=Usage(input_tokens=tokens_in, output_tokens=tokens_out))


def scripted(*replies: Completion | Exception) -> type[ScriptedProvider]:
    """Reset the script and the received log; return the class to register."""
    ScriptedProvider.script = list(replies)
    ScriptedProvider.received = []
    return ScriptedProvider


class ScriptedGemini(ScriptedProvider):
    """Stands in for the gemini provider: same name and key variables."""

    name: ClassVar[str] = "gemini"
    key_env_vars: ClassVar[tuple[str, ...]] = ("GEMINI_API_KEY", "GOOGLE_API_KEY")


class ScriptedOpenAI(ScriptedProvider):
    """Stands in for the openai provider: same name, key and base-URL variables."""

    name: ClassVar[str] = "openai"
    key_env_vars: ClassVar[tuple[str, ...]] = ("OPENAI_API_KEY",)
    base_url_env_vars: ClassVar[tuple[str, ...]] = ("OPENAI_BASE_URL",)


REGISTRY: dict[str, type[Provider]] = {
    "gemini": ScriptedGemini, "openai": ScriptedOpenAI, "scripted": ScriptedProvider,
}
