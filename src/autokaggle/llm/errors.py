"""LLM errors the stages see. The error table mapping each SDK exception lands here too."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from autokaggle.errors import AutokaggleError


class LLMError(AutokaggleError):
    """Base of every LLM failure; a stage that catches it goes on without the LLM."""

    exit_code = 1


class LLMUnavailable(LLMError):
    """The provider cannot be used now: retries exhausted, server down, bad reply."""


class LLMAuthError(LLMError):
    """The key is missing or rejected (exit 3); the hint names the variable or command."""

    exit_code = 3


class LLMModelNotFound(LLMError):
    """The model name is unknown to the provider (exit 2); the hint says how to list names."""

    exit_code = 2


class LLMBudgetExhausted(LLMError):
    """--max-llm-cost or --max-llm-calls is reached; the run continues without the LLM."""


# --- The error table ------------------------------------------------------------------------------
# Every SDK exception an LLM call can raise maps to one rule: retry it or not, which of our errors
# it becomes, and which hint the user reads. Keys are public class paths ("openai.RateLimitError",
# "google.genai.errors.ClientError", "httpx2.ReadTimeout"); a class not listed takes the rule of
# its nearest listed base class. Status-generic classes (Gemini's ClientError, the bare
# APIStatusError) are decided by their HTTP status through STATUS_RULES.

Kind = Literal["auth", "model", "rate", "server", "timeout", "connection", "bad_reply",
               "bad_request", "billing", "too_large", "by_status"]


@dataclass(frozen=True)
class ErrorRule:
    """How to treat one kind of failure."""

    kind: Kind
    retryable: bool
    error: type[LLMError]


RULES: dict[Kind, ErrorRule] = {
    "auth": ErrorRule("auth", False, LLMAuthError),
    "model": ErrorRule("model", False, LLMModelNotFound),
    "rate": ErrorRule("rate", True, LLMUnavailable),
    "server": ErrorRule("server", True, LLMUnavailable),
    "timeout": ErrorRule("timeout", True, LLMUnavailable),
    "connection": ErrorRule("connection", True, LLMUnavailable),
    "bad_reply": ErrorRule("bad_reply", True, LLMUnavailable),
    "bad_request": ErrorRule("bad_request", False, LLMUnavailable),
    "billing": ErrorRule("billing", False, LLMUnavailable),
    "too_large": ErrorRule("too_large", False, LLMUnavailable),
    "by_status": ErrorRule("by_status", False, LLMUnavailable),
}

STATUS_RULES: dict[int, Kind] = {
    400: "bad_request", 401: "auth", 402: "billing", 403: "auth", 404: "model",
    408: "timeout", 409: "server", 413: "too_large", 422: "bad_request", 429: "rate",
    499: "connection", 500: "server", 501: "bad_request", 502: "server", 503: "server",
    504: "timeout", 529: "server",
}

_HTTP_KINDS: dict[str, Kind] = {
    "TimeoutException": "timeout", "NetworkError": "connection",
    "RemoteProtocolError": "connection", "TransportError": "connection",
    "DecodingError": "bad_reply", "ProxyError": "connection", "UnsupportedProtocol": "bad_request",
}

_SDK_TABLE: dict[str, Kind] = {
    # openai (also every OpenAI-compatible server)
    "openai.AuthenticationError": "auth",
    "openai.OAuthError": "auth",
    "openai.PermissionDeniedError": "auth",
    "openai.NotFoundError": "model",
    "openai.RateLimitError": "rate",
    "openai.InternalServerError": "server",
    "openai.ConflictError": "server",
    "openai.APITimeoutError": "timeout",
    "openai.APIConnectionError": "connection",
    "openai.APIResponseValidationError": "bad_reply",
    "openai.BadRequestError": "bad_request",
    "openai.UnprocessableEntityError": "bad_request",
    "openai.LengthFinishReasonError": "bad_reply",
    "openai.ContentFilterFinishReasonError": "bad_request",
    "openai.APIStatusError": "by_status",
    "openai.APIError": "bad_reply",
    # anthropic
    "anthropic.AuthenticationError": "auth",
    "anthropic.PermissionDeniedError": "auth",
    "anthropic.SandboxEgressRestrictedError": "bad_request",
    "anthropic.CredentialsError": "auth",
    "anthropic.WorkloadIdentityError": "auth",
    "anthropic.NotFoundError": "model",
    "anthropic.RateLimitError": "rate",
    "anthropic.RampLimitExceededError": "rate",
    "anthropic.EnforcedSpendLimitReachedError": "billing",
    "anthropic.ContractSpendLimitReachedError": "billing",
    "anthropic.PaymentRequiredError": "billing",
    "anthropic.InternalServerError": "server",
    "anthropic.OverloadedError": "server",
    "anthropic.ServiceUnavailableError": "server",
    "anthropic.GatewayTimeoutError": "timeout",
    "anthropic.DeadlineExceededError": "timeout",
    "anthropic.HTTPNotImplementedError": "bad_request",
    "anthropic.ConflictError": "server",
    "anthropic.RequestTimeoutError": "timeout",
    "anthropic.ClientClosedRequestError": "connection",
    "anthropic.APITimeoutError": "timeout",
    "anthropic.APIConnectionError": "connection",
    "anthropic.APIResponseValidationError": "bad_reply",
    "anthropic.RetryableError": "server",
    "anthropic.BadRequestError": "bad_request",
    "anthropic.UnprocessableEntityError": "bad_request",
    "anthropic.PreconditionFailedError": "bad_request",
    "anthropic.RequestHeaderFieldsTooLargeError": "too_large",
    "anthropic.ContentTooLargeError": "too_large",
    "anthropic.RequestTooLargeError": "too_large",
    "anthropic.APIWebhookValidationError": "bad_request",
    "anthropic.APIStatusError": "by_status",
    "anthropic.APIError": "bad_reply",
    # google-genai (4xx/5xx classes carry the status; the bad-key 400 is refined below)
    "google.genai.errors.ClientError": "by_status",
    "google.genai.errors.ServerError": "server",
    "google.genai.errors.APIError": "by_status",
    "google.genai.errors.UnknownApiResponseError": "bad_reply",
    # the HTTP layer under all three SDKs (httpx2 now; httpx for older SDKs)
    **{f"{lib}.{name}": kind for lib in ("httpx", "httpx2") for name, kind in _HTTP_KINDS.items()},
    "json.JSONDecodeError": "bad_reply",
}

# The catch-all bases: a class whose nearest table entry is one of these is not really covered.
GENERIC_KEYS = frozenset({"openai.APIError", "openai.APIStatusError", "anthropic.APIError",
                          "anthropic.APIStatusError", "google.genai.errors.APIError"})

MODEL_LIST_HINTS = {
    "openai": "List the names your key can use at https://platform.openai.com/docs/models "
              "(an OpenAI-compatible server lists its own at BASE_URL/models, e.g. "
              "`ollama list`).",
    "gemini": "List valid names at https://ai.google.dev/gemini-api/docs/models "
              "(or GET https://generativelanguage.googleapis.com/v1beta/models).",
    "anthropic": "List valid names at https://docs.anthropic.com/en/docs/about-claude/models "
                 "(or GET https://api.anthropic.com/v1/models).",
}


def public_name(cls: type) -> str:
    """The dotted name the table uses for an exception class."""
    module = cls.__module__
    root = "google.genai.errors" if module.startswith("google.genai") else module.split(".")[0]
    return f"{root}.{cls.__name__}"


def table_key(cls: type) -> str | None:
    """The key of the nearest table entry in ``cls``'s MRO, or None when nothing covers it."""
    for base in cls.__mro__:
        if public_name(base) in _SDK_TABLE:
            return public_name(base)
    return None


def status_of(exc: BaseException) -> int | None:
    """The HTTP status an SDK exception carries, if any."""
    for attr in ("status_code", "code"):
        value = getattr(exc, attr, None)
        if isinstance(value, int) and 100 <= value < 600:
            return value
    return None


def rule_for(exc: BaseException) -> ErrorRule | None:
    """The table's rule for ``exc``; None for exceptions the table does not know (bugs)."""
    key = table_key(type(exc))
    if key is None:
        return None
    kind = _SDK_TABLE[key]
    status = status_of(exc)
    if kind == "by_status":
        kind = STATUS_RULES.get(status or 0, "server" if (status or 0) >= 500 else "bad_request")
    if kind == "bad_request" and "API_KEY_INVALID" in str(getattr(exc, "details", "")):
        kind = "auth"  # Gemini answers a bad key with 400 INVALID_ARGUMENT / API_KEY_INVALID
    return RULES[kind]


def hint_for(rule: ErrorRule, provider: str, key_env_vars: Sequence[str]) -> str:
    """What the user should do about a failure of this kind."""
    variables = " or ".join(key_env_vars) or "the provider's key variable"
    hints: dict[Kind, str] = {
        "auth": f"Set {variables} to a valid key (or run `autokaggle keys set {provider}`), "
                "then check it with `autokaggle doctor`.",
        "model": MODEL_LIST_HINTS.get(provider, "Check the model name with the provider."),
        "rate": "The provider is rate-limiting this key: wait a minute, or raise the quota.",
        "server": "The provider is failing or overloaded; try again later.",
        "timeout": "The provider did not answer in time; try again, or pick a faster model.",
        "connection": "Could not reach the provider: check the network and the base URL.",
        "bad_reply": "The provider sent a reply that could not be read; try again.",
        "bad_request": "The provider rejected the request; check the model name and options.",
        "billing": "The account is out of credit or over its spend limit: check its billing.",
        "too_large": "The prompt is too large for this model; pick a model with a larger context.",
    }
    return hints.get(rule.kind, "")


def describe(exc: BaseException) -> str:
    """A one-line summary of an SDK exception (its message; never request content)."""
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    status = status_of(exc)
    line = " ".join(str(message).split())[:300]
    return f"{type(exc).__name__} ({status}): {line}" if status else f"{type(exc).__name__}: {line}"


def to_llm_error(exc: BaseException, *, provider_name: str, key_env_vars: Sequence[str],
                 attempts: int = 1, redact: Callable[[str], str] | None = None) -> LLMError:
    """Our error for an SDK exception, with the table's hint (LLMUnavailable when unknown).

    ``redact`` scrubs the message (a server may echo part of a key or of the prompt).
    """
    rule = rule_for(exc) or RULES["bad_reply"]
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    message = f"{provider_name} call failed{tries}: {describe(exc)}"
    if redact is not None:
        message = redact(message)
    return rule.error(message, hint_for(rule, provider_name, key_env_vars))


def missing_key_error(provider_name: str, key_env_vars: Sequence[str]) -> LLMAuthError:
    """The error for a provider built without a key."""
    rule = RULES["auth"]
    return LLMAuthError(f"No API key for {provider_name}.",
                        hint_for(rule, provider_name, key_env_vars))
