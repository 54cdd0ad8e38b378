"""The ``anthropic`` provider: Claude through the official ``anthropic`` SDK.

``base_url`` is the API root (``https://api.anthropic.com``), as the SDK takes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import BaseModel

from autokaggle.llm.base import Completion, Message, TokenSink, Usage
from autokaggle.llm.providers._shared import SDKProvider, split_system, timed

DEFAULT_MAX_TOKENS = 8192  # the Messages API requires max_tokens on every call


class AnthropicProvider(SDKProvider):
    """Claude Messages API, with native JSON-schema output (``output_config.format``)."""

    name: ClassVar[str] = "anthropic"
    key_env_vars: ClassVar[tuple[str, ...]] = ("ANTHROPIC_API_KEY",)
    base_url_env_vars: ClassVar[tuple[str, ...]] = ("ANTHROPIC_BASE_URL",)  # the SDK's own
    key_required: ClassVar[bool] = True
    supports_structured: ClassVar[bool] = True
    default_context_tokens: ClassVar[int] = 200_000

    def _sdk(self) -> Any:
        if self._client is None:
            import anthropic

            self._client = anthropic.Anthropic(api_key=self.api_key, base_url=self.base_url,
                                               timeout=self.timeout_s, max_retries=0)
        return self._client

    def _send(self, messages: Sequence[Message], schema: type[BaseModel] | None,
              max_output_tokens: int | None, temperature: float | None,
              on_token: TokenSink | None) -> Completion:
        request = self._request(messages, schema, max_output_tokens, temperature)
        with timed() as watch:
            if on_token is None:
                reply = self._sdk().messages.create(**request)
            else:
                with self._sdk().messages.stream(**request) as stream:
                    for piece in stream.text_stream:
                        on_token(piece)
                    reply = stream.get_final_message()
        text = "".join(block.text for block in reply.content if block.type == "text")
        usage = Usage(input_tokens=reply.usage.input_tokens or 0,
                      output_tokens=reply.usage.output_tokens or 0)
        return self._completion(text, usage, watch.elapsed_s, reply.stop_reason)

    def _request(self, messages: Sequence[Message], schema: type[BaseModel] | None,
                 max_output_tokens: int | None, temperature: float | None) -> dict[str, Any]:
        del temperature  # the Messages API no longer takes one: current models choose their own
        system, rest = split_system(messages)
        request: dict[str, Any] = {
            "model": self.model,
            "max_tokens": max_output_tokens or DEFAULT_MAX_TOKENS,
            "messages": [{"role": m.role, "content": m.content} for m in rest],
        }
        if system:
            request["system"] = system
        if schema is not None:
            from anthropic import transform_schema

            request["output_config"] = {
                "format": {"type": "json_schema", "schema": transform_schema(schema)}}
        return request
