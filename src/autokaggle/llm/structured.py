"""Structured output: get a reply that validates against a pydantic model, re-asking once.

Providers with a native JSON-schema mode send the schema with the request; the others get an
instruction to answer with JSON only. Either way the reply is extracted (also from a fenced
block or from prose around it), validated with pydantic and, on failure, the model is asked once
more with the validation error. A second failure raises ``LLMUnavailable``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from autokaggle.llm.base import Completion, Message, Usage
from autokaggle.llm.errors import LLMUnavailable

Send = Callable[[Sequence[Message]], Completion]

_FENCE = re.compile(r"```(?:json|JSON)?[ \t]*\n(.*?)```", re.DOTALL)


class StructuredOutputError(ValueError):
    """The reply holds no JSON that validates against the schema."""


def json_instruction(schema: type[BaseModel]) -> str:
    """The instruction asking for JSON matching ``schema`` (for providers without a JSON mode)."""
    spec = json.dumps(schema.model_json_schema(), indent=None, separators=(",", ":"))
    return ("Answer with one JSON object only, no prose and no code fence, that validates "
            f"against this JSON schema:\n{spec}")


def extract_json(text: str) -> str:
    """The JSON part of a reply: the whole text, a fenced block, or the outermost {...}/[...]."""
    stripped = text.strip()
    if stripped[:1] in "{[" and stripped[-1:] in "}]":
        return stripped
    for block in _FENCE.findall(text):
        if block.strip()[:1] in "{[":
            return block.strip()
    starts = [i for i in (text.find("{"), text.find("[")) if i >= 0]
    if not starts:
        raise StructuredOutputError("the reply holds no JSON object")
    start = min(starts)
    end = text.rfind("}" if text[start] == "{" else "]")
    if end <= start:
        raise StructuredOutputError("the reply's JSON is not closed")
    return text[start : end + 1]


def parse_structured(text: str, schema: type[BaseModel]) -> BaseModel:
    """Validate the reply's JSON against ``schema``; raise StructuredOutputError saying why not."""
    raw = extract_json(text)
    try:
        data: Any = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise StructuredOutputError(f"invalid JSON: {exc}") from exc
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise StructuredOutputError(_short_errors(exc)) from exc


def _short_errors(exc: ValidationError) -> str:
    parts = [f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}"
             for e in exc.errors()[:8]]
    return "; ".join(parts)


def with_instruction(messages: Sequence[Message], schema: type[BaseModel]) -> list[Message]:
    """``messages`` with the JSON instruction added as a system message."""
    return [*messages, Message(role="system", content=json_instruction(schema))]


def complete_structured(send: Send, messages: Sequence[Message], schema: type[BaseModel], *,
                        native: bool, provider_name: str = "the provider") -> Completion:
    """Ask via ``send``, validate against ``schema``, re-ask once with the error; sum the usage."""
    asked = list(messages) if native else with_instruction(messages, schema)
    first = send(asked)
    try:
        return first.model_copy(update={"parsed": parse_structured(first.text, schema)})
    except StructuredOutputError as exc:
        problem = str(exc)
    retry = [*asked, Message(role="assistant", content=first.text),
             Message(role="user", content=_reask(schema, problem))]
    second = send(retry)
    total = _combined(first, second)
    try:
        return total.model_copy(update={"parsed": parse_structured(second.text, schema)})
    except StructuredOutputError as exc:
        raise LLMUnavailable(
            f"{provider_name} gave no valid {schema.__name__} JSON after one re-ask: {exc}",
            "Try a stronger model, or one with native structured output.") from exc


def _reask(schema: type[BaseModel], problem: str) -> str:
    return (f"That reply is not valid {schema.__name__} JSON ({problem}). Answer again with "
            "only the corrected JSON object.")


def _combined(first: Completion, second: Completion) -> Completion:
    usage = Usage(input_tokens=first.usage.input_tokens + second.usage.input_tokens,
                  output_tokens=first.usage.output_tokens + second.usage.output_tokens)
    return second.model_copy(update={"usage": usage,
                                     "latency_s": first.latency_s + second.latency_s})
