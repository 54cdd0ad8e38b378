"""Fake LLM servers for tests: one loopback HTTP server speaking three providers' wire protocols.

The real SDKs (``openai``, ``google-genai``, ``anthropic``) talk to it exactly as to the real APIs:

- OpenAI: ``POST /v1/chat/completions`` (JSON, or SSE chunks ending ``data: [DONE]`` with
  ``stream: true``; a usage chunk when ``stream_options.include_usage``), ``POST /v1/responses``
  (non-streaming), ``GET /v1/models``. Base URL: ``server.base_url_for("openai")`` = ``ROOT/v1``.
- Gemini: ``POST /v1beta/models/{model}:generateContent`` and ``:streamGenerateContent?alt=sse``
  (usageMetadata on every chunk, finishReason on the last), ``GET /v1beta/models``.
  Base URL (``HttpOptions(base_url=...)``): ``ROOT``.
- Anthropic: ``POST /v1/messages`` (JSON, or the real SSE sequence message_start,
  content_block_start, ping, content_block_delta..., content_block_stop, message_delta with
  usage, message_stop), ``GET /v1/models``. Base URL: ``ROOT``.

Replies are scripted (``fake_llm.steps``): each request to a completion endpoint pops the next
step of a FIFO queue, or plays ``server.default`` (``Reply("OK.")`` unless changed) when empty:

- ``Reply(text, input_tokens=11, output_tokens=42, finish="stop"|"length", chunk_chars=16)``
- ``HTTPError(status, kind="", retry_after=None, message=None)`` in each provider's real error
  JSON; helpers ``rate_limited(retry_after)`` (429 + Retry-After), ``server_error(500|503|529)``,
  ``unauthorized()`` (401), ``unsupported_param("temperature")`` (OpenAI's 400 naming the
  rejected field in ``error.param``), ``bad_key()`` (each provider's real invalid-key reply: 401 for OpenAI
  and Anthropic, 400 INVALID_ARGUMENT/API_KEY_INVALID for Gemini), ``model_not_found()`` (404).
- ``Hang(seconds)``: accept, answer nothing (use a client timeout below ``seconds``).
- ``Malformed(body, content_type)``: a 200 whose body is not the JSON the SDK expects.

``server.known_models = {...}`` makes any other model name answer ``model_not_found``.
Every request (completions, model lists, anything) is logged in ``server.requests`` as
``RecordedRequest(method, path, query, headers, body, raw, provider)``; ``server.all_text()``
joins them all for secret searches; ``server.requests_for("gemini")`` filters.

Canned realistic reply texts live in ``fake_llm.replies``. Pytest fixtures (``fake_llm``,
``fake_keys``) live in ``fake_llm.fixtures``, registered by ``tests/conftest.py``::

    def test_x(fake_llm):
        fake_llm.script(rate_limited(1), Reply(replies.PIPELINE_REPLY, 900, 350))
        client = openai.OpenAI(base_url=fake_llm.base_url_for("openai"), api_key="sk-x")
"""

from fake_llm.server import FakeLLMServer, RecordedRequest
from fake_llm.steps import (
    Hang,
    HTTPError,
    Malformed,
    Reply,
    Step,
    bad_key,
    model_not_found,
    rate_limited,
    server_error,
    unauthorized,
    unsupported_param,
)

__all__ = [
    "FakeLLMServer", "RecordedRequest", "Hang", "HTTPError", "Malformed", "Reply", "Step",
    "bad_key", "model_not_found", "rate_limited", "server_error", "unauthorized",
    "unsupported_param",
]
