"""The ``gemini`` provider: Google's Gemini API through the official ``google-genai`` SDK.

``base_url`` is the API root the SDK takes in ``HttpOptions(base_url=...)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import BaseModel

from autokaggle.llm.base import Completion, Message, TokenSink, Usage
from autokaggle.llm.providers._shared import SDKProvider, split_system, timed


class GeminiProvider(SDKProvider):
    """Gemini ``generateContent`` / ``streamGenerateContent``."""

    name: ClassVar[str] = "gemini"
    key_env_vars: ClassVar[tuple[str, ...]] = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
    base_url_env_vars: ClassVar[tuple[str, ...]] = ("GOOGLE_GEMINI_BASE_URL",)  # the SDK's own
    key_required: ClassVar[bool] = True
    supports_structured: ClassVar[bool] = True
    default_context_tokens: ClassVar[int] = 1_048_576

    def _sdk(self) -> Any:
        if self._client is None:
            from google import genai
            from google.genai import types

            # timeout in milliseconds; no retry_options means the SDK never retries
            options = types.HttpOptions(base_url=self.base_url,
                                        timeout=max(1, int(self.timeout_s * 1000)))
            # vertexai=False: the Gemini API with this key, whatever GOOGLE_GENAI_USE_VERTEXAI says
            self._client = genai.Client(api_key=self.api_key, vertexai=False,
                                        http_options=options)
        return self._client

    def _send(self, messages: Sequence[Message], schema: type[BaseModel] | None,
              max_output_tokens: int | None, temperature: float | None,
              on_token: TokenSink | None) -> Completion:
        system, rest = split_system(messages)
        contents = [{"role": "model" if m.role == "assistant" else "user",
                     "parts": [{"text": m.content}]} for m in rest]
        config = _config(system, schema, max_output_tokens, temperature)
        models = self._sdk().models
        with timed() as watch:
            if on_token is None:
                reply = models.generate_content(model=self.model, contents=contents, config=config)
                text, usage, finish = reply.text or "", _usage(reply), _finish(reply)
            else:
                stream = models.generate_content_stream(model=self.model, contents=contents,
                                                        config=config)
                text, usage, finish = _drain(stream, on_token)
        return self._completion(text, usage, watch.elapsed_s, finish)


def _config(system: str | None, schema: type[BaseModel] | None, max_output_tokens: int | None,
            temperature: float | None) -> Any:
    from google.genai import types

    fields: dict[str, Any] = {"system_instruction": system, "max_output_tokens": max_output_tokens,
                              "temperature": temperature}
    if schema is not None:
        fields["response_mime_type"] = "application/json"
        fields["response_json_schema"] = schema.model_json_schema()
    return types.GenerateContentConfig(**{k: v for k, v in fields.items() if v is not None})


def _drain(stream: Any, on_token: TokenSink) -> tuple[str, Usage, str | None]:
    parts: list[str] = []
    usage, finish = Usage(), None
    for chunk in stream:
        piece = chunk.text or ""
        if piece:
            parts.append(piece)
            on_token(piece)
        if chunk.usage_metadata is not None:
            usage = _usage(chunk)
        finish = _finish(chunk) or finish
    return "".join(parts), usage, finish


def _usage(reply: Any) -> Usage:
    meta = reply.usage_metadata
    if meta is None:
        return Usage()
    thinking = meta.thoughts_token_count or 0  # billed as output
    return Usage(input_tokens=meta.prompt_token_count or 0,
                 output_tokens=(meta.candidates_token_count or 0) + thinking)


def _finish(reply: Any) -> str | None:
    candidates = reply.candidates or []
    reason = candidates[0].finish_reason if candidates else None
    return str(getattr(reason, "value", reason)) if reason is not None else None
