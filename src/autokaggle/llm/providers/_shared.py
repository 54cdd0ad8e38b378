"""Small helpers the built-in providers share."""

from __future__ import annotations

import time
from abc import abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel

from autokaggle.llm.base import Completion, Message, Provider, TokenSink, Usage
from autokaggle.llm.errors import missing_key_error
from autokaggle.llm.structured import complete_structured


def split_system(messages: Sequence[Message]) -> tuple[str | None, list[Message]]:
    """The system messages joined into one instruction, and the rest in order."""
    system = [m.content for m in messages if m.role == "system"]
    rest = [m for m in messages if m.role != "system"]
    return ("\n\n".join(system) if system else None), rest


class Stopwatch:
    """Seconds since start, read after the ``with`` block."""

    elapsed_s: float = 0.0


@contextmanager
def timed() -> Iterator[Stopwatch]:
    """Measure the wall time of a block (monotonic clock)."""
    watch = Stopwatch()
    start = time.monotonic()
    try:
        yield watch
    finally:
        watch.elapsed_s = time.monotonic() - start


class SDKProvider(Provider):
    """A provider backed by an official SDK: one ``_send``; ``complete`` adds structured output."""

    def __init__(self, model: str, *, api_key: str | None = None, base_url: str | None = None,
                 timeout_s: float = 120.0) -> None:
        super().__init__(model, api_key=api_key, base_url=base_url, timeout_s=timeout_s)
        if self.key_required and not api_key:
            raise missing_key_error(self.name, self.key_env_vars)
        self._client: Any = None  # the SDK client, made on first use

    def complete(
        self,
        messages: Sequence[Message],
        *,
        schema: type[BaseModel] | None = None,
        max_output_tokens: int | None = None,
        temperature: float | None = None,
        on_token: TokenSink | None = None,
    ) -> Completion:
        """Send ``messages``; with ``schema``, validate the JSON reply (re-asking once)."""
        native = schema if self.supports_structured else None

        def send(batch: Sequence[Message]) -> Completion:
            return self._send(batch, native, max_output_tokens, temperature, on_token)

        if schema is None:
            return send(messages)
        return complete_structured(send, messages, schema, native=native is not None,
                                   provider_name=self.name)

    @abstractmethod
    def _send(self, messages: Sequence[Message], schema: type[BaseModel] | None,
              max_output_tokens: int | None, temperature: float | None,
              on_token: TokenSink | None) -> Completion:
        """One request; ``schema`` set means: use the native JSON-schema mode."""

    def _completion(self, text: str, usage: Usage, latency_s: float,
                    finish: str | None) -> Completion:
        return Completion(text=text, usage=usage, latency_s=latency_s, provider=self.name,
                          model=self.model, finish_reason=finish)
