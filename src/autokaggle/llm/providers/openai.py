"""The ``openai`` provider: OpenAI's API and any OpenAI-compatible server (Ollama, vLLM, ...).

Uses chat completions, which every compatible server speaks. ``base_url`` is what the SDK means
by it (``http://host:port/v1``); with a base URL the key is optional (local servers need none).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import BaseModel

from autokaggle.llm.base import Completion, Message, TokenSink, Usage
from autokaggle.llm.errors import missing_key_error
from autokaggle.llm.providers._shared import SDKProvider, timed

# Sent to keyless local servers: the SDK insists on some key, and they ignore it.
NO_KEY = "no-key"
LOCAL_CONTEXT_TOKENS = 32_768  # a compatible server's model is often a small local one
_RENAMES = {"max_tokens": "max_completion_tokens", "max_completion_tokens": "max_tokens"}
_ADAPTABLE = frozenset({"temperature", "response_format", *_RENAMES})


class OpenAIProvider(SDKProvider):
    """OpenAI chat completions through the official ``openai`` SDK."""

    name: ClassVar[str] = "openai"
    key_env_vars: ClassVar[tuple[str, ...]] = ("OPENAI_API_KEY",)
    base_url_env_vars: ClassVar[tuple[str, ...]] = ("OPENAI_BASE_URL",)
    key_required: ClassVar[bool] = False  # required for api.openai.com, optional with a base URL
    supports_structured: ClassVar[bool] = True
    default_context_tokens: ClassVar[int] = 128_000

    def __init__(self, model: str, *, api_key: str | None = None, base_url: str | None = None,
                 timeout_s: float = 120.0) -> None:
        super().__init__(model, api_key=api_key, base_url=base_url, timeout_s=timeout_s)
        if not api_key and not base_url:
            raise missing_key_error(self.name, self.key_env_vars)
        self._rejected: set[str] = set()  # request parameters this model answered 400 to

    @property
    def context_tokens(self) -> int:
        """128k on OpenAI; a conservative 32k on other OpenAI-compatible servers."""
        return self.default_context_tokens if self._official else LOCAL_CONTEXT_TOKENS

    @property
    def _official(self) -> bool:
        """True for OpenAI's own API, False for another OpenAI-compatible server."""
        return not self.base_url or "api.openai.com" in self.base_url

    def _sdk(self) -> Any:
        if self._client is None:
            import openai

            self._client = openai.OpenAI(api_key=self.api_key or NO_KEY, base_url=self.base_url,
                                         timeout=self.timeout_s, max_retries=0)
        return self._client

    def _send(self, messages: Sequence[Message], schema: type[BaseModel] | None,
              max_output_tokens: int | None, temperature: float | None,
              on_token: TokenSink | None) -> Completion:
        import openai

        request = self._adapted(self._request(messages, schema, max_output_tokens, temperature))
        with timed() as watch:
            try:
                text, usage, finish = self._call(request, on_token)
            except openai.BadRequestError as exc:
                if not self._learn(exc, request):
                    raise
                text, usage, finish = self._call(self._adapted(request), on_token)
        return self._completion(text, usage, watch.elapsed_s, finish)

    def _call(self, request: dict[str, Any], on_token: TokenSink | None
              ) -> tuple[str, Usage, str | None]:
        if on_token is None:
            return _read_reply(self._sdk().chat.completions.create(**request))
        return self._stream(request, on_token)

    def _learn(self, exc: Any, request: dict[str, Any]) -> bool:
        """Remember a parameter the model rejected (400 naming it); True when one was new.

        OpenAI's reasoning models take only the default temperature and only
        max_completion_tokens; some compatible servers know only max_tokens, or no json_schema.
        """
        param = getattr(exc, "param", None)
        if param not in _ADAPTABLE or param not in request or param in self._rejected:
            return False
        self._rejected.add(param)
        return True

    def _adapted(self, request: dict[str, Any]) -> dict[str, Any]:
        """``request`` without the parameters this model rejected before (renamed or dropped)."""
        fixed = dict(request)
        for param in self._rejected & fixed.keys():
            value = fixed.pop(param)
            if param in _RENAMES and _RENAMES[param] not in self._rejected:
                fixed[_RENAMES[param]] = value
            if param == "response_format":  # no JSON mode there: ask in words instead
                schema = value["json_schema"]["schema"]
                fixed["messages"] = [*fixed["messages"], {"role": "system", "content": (
                    "Answer with one JSON object only, no prose and no code fence, that "
                    f"validates against this JSON schema:\n{json.dumps(schema)}")}]
        return fixed

    def _request(self, messages: Sequence[Message], schema: type[BaseModel] | None,
                 max_output_tokens: int | None, temperature: float | None) -> dict[str, Any]:
        request: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
        }
        if max_output_tokens is not None:
            # OpenAI's reasoning models accept only max_completion_tokens; older servers only max_tokens
            field = "max_completion_tokens" if self._official else "max_tokens"
            request[field] = max_output_tokens
        if temperature is not None:
            request["temperature"] = temperature
        if schema is not None:
            request["response_format"] = response_format(schema)
        return request

    def _stream(self, request: dict[str, Any], on_token: TokenSink) -> tuple[str, Usage, str | None]:
        parts: list[str] = []
        usage, finish = Usage(), None
        stream = self._sdk().chat.completions.create(
            **request, stream=True, stream_options={"include_usage": True})
        with stream:
            for chunk in stream:
                if chunk.usage is not None:
                    usage = _usage(chunk.usage)
                for choice in chunk.choices or []:
                    finish = choice.finish_reason or finish
                    if choice.delta and choice.delta.content:
                        parts.append(choice.delta.content)
                        on_token(choice.delta.content)
        return "".join(parts), usage, finish


def response_format(schema: type[BaseModel]) -> dict[str, Any]:
    """The json_schema response format: strict when the schema allows it, else best effort."""
    try:
        from openai.lib._pydantic import to_strict_json_schema

        spec, strict = to_strict_json_schema(schema), True
    except Exception:  # schemas strict mode cannot express (free-form dicts, ...)
        spec, strict = schema.model_json_schema(), False
    return {"type": "json_schema",
            "json_schema": {"name": schema.__name__, "schema": spec, "strict": strict}}


def _usage(raw: Any) -> Usage:
    if raw is None:
        return Usage()
    return Usage(input_tokens=raw.prompt_tokens or 0, output_tokens=raw.completion_tokens or 0)


def _read_reply(reply: Any) -> tuple[str, Usage, str | None]:
    choice = reply.choices[0] if reply.choices else None
    text = (choice.message.content or "") if choice is not None else ""
    return text, _usage(reply.usage), choice.finish_reason if choice is not None else None
