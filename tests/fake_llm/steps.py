"""Scripted steps the fake LLM server plays back: a reply, an HTTP error, a hang, a broken body."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reply:
    """A successful completion with this text and this token usage.

    ``chunk_chars`` sets the size of the pieces a streaming reply is cut into.
    """

    text: str
    input_tokens: int = 11
    output_tokens: int = 42
    finish: str = "stop"  # "stop" or "length" (mapped to each provider's own word)
    chunk_chars: int = 16


@dataclass(frozen=True)
class HTTPError:
    """An error reply in the provider's own JSON shape.

    ``status`` 401/403/404/429/500/503/529...; ``kind`` picks the flavour when a status has several:
    ``"bad_key"`` (the provider's real invalid-key reply: 401 for OpenAI and Anthropic, 400
    API_KEY_INVALID for Gemini), ``"model_not_found"`` (404 with the provider's unknown-model
    message) or ``""`` (the generic reply for ``status``). ``retry_after`` adds a Retry-After
    header (seconds; Gemini also gets a RetryInfo detail). ``param`` names the rejected request
    field in OpenAI's error body (e.g. ``"temperature"``).
    """

    status: int
    kind: str = ""
    retry_after: float | None = None
    message: str | None = None
    param: str | None = None  # OpenAI's error.param: the request field that was rejected


@dataclass(frozen=True)
class Hang:
    """Accept the request and answer nothing for ``seconds`` (longer than the client timeout)."""

    seconds: float = 5.0


@dataclass(frozen=True)
class Malformed:
    """Answer 200 with a body that is not the JSON the SDK expects."""

    body: str = '{"id": "cut-off-mid-reply", "choices": [{"message": {"content": "Here is'
    content_type: str = "application/json"


Step = Reply | HTTPError | Hang | Malformed


def rate_limited(retry_after: float = 2.0) -> HTTPError:
    """A 429 with Retry-After."""
    return HTTPError(429, retry_after=retry_after)


def server_error(status: int = 500) -> HTTPError:
    """A 5xx in the provider's shape (500 internal, 503 unavailable, 529 Anthropic overloaded)."""
    return HTTPError(status)


def unauthorized() -> HTTPError:
    """A plain 401 (Gemini: UNAUTHENTICATED)."""
    return HTTPError(401)


def bad_key() -> HTTPError:
    """What each provider really answers to an invalid API key."""
    return HTTPError(401, kind="bad_key")


def model_not_found() -> HTTPError:
    """A 404 for an unknown model name, in the provider's words."""
    return HTTPError(404, kind="model_not_found")


def unsupported_param(param: str) -> HTTPError:
    """OpenAI's 400 for a parameter the model does not take (e.g. temperature on o-series)."""
    return HTTPError(400, param=param, message=f"Unsupported parameter: '{param}' is not "
                     "supported with this model.")
