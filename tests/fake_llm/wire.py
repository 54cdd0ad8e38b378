"""The three providers' wire formats: reply bodies, streaming events and error bodies."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from fake_llm.steps import HTTPError, Reply

FINISH = {
    "openai": {"stop": "stop", "length": "length"},
    "gemini": {"stop": "STOP", "length": "MAX_TOKENS"},
    "anthropic": {"stop": "end_turn", "length": "max_tokens"},
}

MODELS = {
    "openai": ["gpt-5.5", "gpt-4.1-mini", "o4-mini"],
    "gemini": ["gemini-3.8-flash", "gemini-2.5-pro"],
    "anthropic": ["claude-sonnet-5-5", "claude-haiku-5-5"],
}


def chunks(reply: Reply) -> list[str]:
    """The reply's text cut into streaming pieces (at least one)."""
    size = max(1, reply.chunk_chars)
    return [reply.text[i : i + size] for i in range(0, len(reply.text), size)] or [""]


def sse(data: Any, event: str | None = None) -> bytes:
    """One server-sent event."""
    head = f"event: {event}\n" if event else ""
    payload = data if isinstance(data, str) else json.dumps(data)
    return f"{head}data: {payload}\n\n".encode()


# --- OpenAI -------------------------------------------------------------------------------------


def openai_usage(reply: Reply) -> dict[str, Any]:
    """Chat-completions usage."""
    return {
        "prompt_tokens": reply.input_tokens,
        "completion_tokens": reply.output_tokens,
        "total_tokens": reply.input_tokens + reply.output_tokens,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
    }


def openai_chat(reply: Reply, model: str, rid: str) -> dict[str, Any]:
    """A chat.completion object."""
    return {
        "id": f"chatcmpl-{rid}", "object": "chat.completion", "created": int(time.time()),
        "model": model, "system_fingerprint": "fp_fake",
        "choices": [{
            "index": 0, "logprobs": None, "finish_reason": FINISH["openai"][reply.finish],
            "message": {"role": "assistant", "content": reply.text, "refusal": None,
                        "annotations": []},
        }],
        "usage": openai_usage(reply),
    }


def openai_chat_stream(reply: Reply, model: str, rid: str, usage: bool) -> Iterator[bytes]:
    """chat.completion.chunk events, a finish chunk, the usage chunk when asked, [DONE]."""
    base = {"id": f"chatcmpl-{rid}", "object": "chat.completion.chunk",
            "created": int(time.time()), "model": model, "system_fingerprint": "fp_fake"}
    first = {"role": "assistant", "content": "", "refusal": None}
    yield sse({**base, "choices": [{"index": 0, "delta": first, "finish_reason": None}]})
    for piece in chunks(reply):
        delta = {"content": piece}
        yield sse({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
    finish = FINISH["openai"][reply.finish]
    yield sse({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
    if usage:
        yield sse({**base, "choices": [], "usage": openai_usage(reply)})
    yield sse("[DONE]")


def openai_response(reply: Reply, model: str, rid: str) -> dict[str, Any]:
    """A Responses API ``response`` object."""
    return {
        "id": f"resp_{rid}", "object": "response", "created_at": int(time.time()),
        "status": "completed", "model": model, "error": None, "incomplete_details": None,
        "instructions": None, "metadata": {}, "parallel_tool_calls": True, "temperature": 1.0,
        "tool_choice": "auto", "tools": [], "top_p": 1.0,
        "output": [{
            "type": "message", "id": f"msg_{rid}", "status": "completed", "role": "assistant",
            "content": [{"type": "output_text", "text": reply.text, "annotations": []}],
        }],
        "usage": {
            "input_tokens": reply.input_tokens, "output_tokens": reply.output_tokens,
            "total_tokens": reply.input_tokens + reply.output_tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens_details": {"reasoning_tokens": 0},
        },
    }


def openai_error(err: HTTPError, model: str) -> dict[str, Any]:
    """OpenAI's error body."""
    kinds = {
        401: ("invalid_request_error", "invalid_api_key",
              "Incorrect API key provided: sk-fa***key. You can find your API key at "
              "https://platform.openai.com/account/api-keys."),
        403: ("invalid_request_error", "unsupported_country_region_territory",
              "Country, region, or territory not supported"),
        404: ("invalid_request_error", "model_not_found",
              f"The model `{model}` does not exist or you do not have access to it."),
        429: ("requests", "rate_limit_exceeded",
              f"Rate limit reached for {model} in organization org-fake on requests per min "
              "(RPM): Limit 3, Used 3, Requested 1. Please try again in 20s."),
        400: ("invalid_request_error", None, "Invalid request."),
    }
    default = ("server_error", None,
               "The server had an error while processing your request. Sorry about that!")
    etype, code, message = kinds.get(err.status, default)
    if err.param:
        code = "unsupported_parameter"
    return {"error": {"message": err.message or message, "type": etype, "param": err.param,
                      "code": code}}


# --- Gemini -------------------------------------------------------------------------------------


def gemini_usage(reply: Reply) -> dict[str, Any]:
    """usageMetadata."""
    return {"promptTokenCount": reply.input_tokens,
            "candidatesTokenCount": reply.output_tokens,
            "totalTokenCount": reply.input_tokens + reply.output_tokens,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": reply.input_tokens}]}


def gemini_chunk(text: str, model: str, rid: str, finish: str | None) -> dict[str, Any]:
    """A GenerateContentResponse with one candidate."""
    candidate: dict[str, Any] = {"content": {"parts": [{"text": text}], "role": "model"},
                                 "index": 0}
    if finish:
        candidate["finishReason"] = finish
    return {"candidates": [candidate], "modelVersion": model, "responseId": rid}


def gemini_generate(reply: Reply, model: str, rid: str) -> dict[str, Any]:
    """A full generateContent reply."""
    body = gemini_chunk(reply.text, model, rid, FINISH["gemini"][reply.finish])
    return {**body, "usageMetadata": gemini_usage(reply)}


def gemini_stream(reply: Reply, model: str, rid: str) -> Iterator[bytes]:
    """streamGenerateContent?alt=sse: one chunk per piece, usage and finishReason at the end."""
    pieces = chunks(reply)
    for i, piece in enumerate(pieces):
        last = i == len(pieces) - 1
        body = gemini_chunk(piece, model, rid, FINISH["gemini"][reply.finish] if last else None)
        running = Reply("", reply.input_tokens, reply.output_tokens if last else i + 1)
        body["usageMetadata"] = gemini_usage(running)
        yield f"data: {json.dumps(body)}\r\n\r\n".encode()


def gemini_error(err: HTTPError, model: str) -> tuple[int, dict[str, Any]]:
    """Google's error body (and the status: a bad key is really a 400 there)."""
    if err.kind == "bad_key":
        info = {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": {"service": "generativelanguage.googleapis.com"}}
        return 400, {"error": {"code": 400, "status": "INVALID_ARGUMENT", "details": [info],
                               "message": "API key not valid. Please pass a valid API key."}}
    kinds = {
        401: ("UNAUTHENTICATED", "Request had invalid authentication credentials."),
        403: ("PERMISSION_DENIED", "Method doesn't allow unregistered callers."),
        404: ("NOT_FOUND", f"models/{model} is not found for API version v1, or is not "
              "supported for generateContent. Call ListModels to see the list of available "
              "models and their supported methods."),
        429: ("RESOURCE_EXHAUSTED", "You exceeded your current quota, please check your plan "
              "and billing details."),
        400: ("INVALID_ARGUMENT", "Request contains an invalid argument."),
        503: ("UNAVAILABLE", "The model is overloaded. Please try again later."),
    }
    status, message = kinds.get(err.status, ("INTERNAL", "An internal error has occurred."))
    body: dict[str, Any] = {"code": err.status, "message": err.message or message,
                            "status": status}
    if err.retry_after is not None:
        body["details"] = [{"@type": "type.googleapis.com/google.rpc.RetryInfo",
                            "retryDelay": f"{err.retry_after:g}s"}]
    return err.status, {"error": body}


# --- Anthropic ----------------------------------------------------------------------------------


def anthropic_message(reply: Reply, model: str, rid: str, text: str | None = None,
                      output_tokens: int | None = None) -> dict[str, Any]:
    """A Message object."""
    content = [] if text == "" else [{"type": "text", "text": reply.text if text is None else text}]
    return {
        "id": f"msg_{rid}", "type": "message", "role": "assistant", "model": model,
        "content": content, "stop_reason": None if text == "" else FINISH["anthropic"][reply.finish],
        "stop_sequence": None,
        "usage": {"input_tokens": reply.input_tokens,
                  "output_tokens": reply.output_tokens if output_tokens is None else output_tokens,
                  "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0},
    }


def anthropic_stream(reply: Reply, model: str, rid: str) -> Iterator[bytes]:
    """The real event sequence: message_start, ping, block start/deltas/stop, message_delta, stop."""
    start = anthropic_message(reply, model, rid, text="", output_tokens=1)
    yield sse({"type": "message_start", "message": start}, "message_start")
    block = {"type": "content_block_start", "index": 0,
             "content_block": {"type": "text", "text": ""}}
    yield sse(block, "content_block_start")
    yield sse({"type": "ping"}, "ping")
    for piece in chunks(reply):
        delta = {"type": "content_block_delta", "index": 0,
                 "delta": {"type": "text_delta", "text": piece}}
        yield sse(delta, "content_block_delta")
    yield sse({"type": "content_block_stop", "index": 0}, "content_block_stop")
    end = {"type": "message_delta",
           "delta": {"stop_reason": FINISH["anthropic"][reply.finish], "stop_sequence": None},
           "usage": {"output_tokens": reply.output_tokens}}
    yield sse(end, "message_delta")
    yield sse({"type": "message_stop"}, "message_stop")


def anthropic_error(err: HTTPError, model: str) -> dict[str, Any]:
    """Anthropic's error body."""
    kinds = {
        400: ("invalid_request_error", "Invalid request."),
        401: ("authentication_error", "invalid x-api-key"),
        403: ("permission_error", "Your API key does not have permission to use this resource."),
        404: ("not_found_error", f"model: {model}"),
        429: ("rate_limit_error", "Number of request tokens has exceeded your per-minute rate "
              "limit. Please try again later."),
        529: ("overloaded_error", "Overloaded"),
    }
    etype, message = kinds.get(err.status, ("api_error", "Internal server error"))
    return {"type": "error", "error": {"type": etype, "message": err.message or message},
            "request_id": "req_fake0123456789"}


def models_list(provider: str) -> dict[str, Any]:
    """The provider's list-models reply."""
    names = MODELS[provider]
    if provider == "openai":
        return {"object": "list", "data": [
            {"id": n, "object": "model", "created": 1700000000, "owned_by": "openai"}
            for n in names]}
    if provider == "gemini":
        return {"models": [
            {"name": f"models/{n}", "displayName": n, "version": "001",
             "inputTokenLimit": 1048576, "outputTokenLimit": 65536,
             "supportedGenerationMethods": ["generateContent", "countTokens"]}
            for n in names]}
    return {"data": [{"type": "model", "id": n, "display_name": n,
                      "created_at": "2025-09-29T00:00:00Z"} for n in names],
            "has_more": False, "first_id": names[0], "last_id": names[-1]}
