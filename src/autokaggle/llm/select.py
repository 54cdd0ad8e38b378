"""Which provider and model a run uses, at which base URL, with which key — resolved in one place.

Model: ``--llm PROVIDER:MODEL`` > ``AUTOKAGGLE_LLM`` > ``llm = "provider:model"`` in the user's
``config.toml`` > Gemini with ``DEFAULT_MODELS["gemini"]`` when a Gemini key is present (env or
keys file) > none (the run stays offline). Base URL: ``--llm-base-url`` >
``AUTOKAGGLE_LLM_BASE_URL`` > the provider's own variables (openai: ``OPENAI_BASE_URL``) >
``llm_base_url`` in ``config.toml``. Key: the provider's variables > the keys file.
``--llm off`` (or ``none``, at any of these levels) turns the LLM off.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from autokaggle.config import config_file, user_config
from autokaggle.errors import InputError
from autokaggle.llm.base import Provider
from autokaggle.llm.errors import missing_key_error
from autokaggle.llm.keys import FoundKey, find_key

LLM_ENV = "AUTOKAGGLE_LLM"
BASE_URL_ENV = "AUTOKAGGLE_LLM_BASE_URL"
DEFAULT_PROVIDER = "gemini"
DEFAULT_MODELS = {"gemini": "gemini-2.5-flash"}
Registry = Mapping[str, type[Provider]]
OFF_WORDS = ("off", "none")  # --llm off: no LLM even when a Gemini key is present
OFF = ("", "")
ADD_PROVIDER_HINT = (
    "Add one with: autokaggle keys set gemini  (then runs use "
    f"gemini:{DEFAULT_MODELS['gemini']}), or --llm openai:MODEL / anthropic:MODEL, or a local "
    "server: --llm openai:MODEL --llm-base-url http://localhost:11434/v1"
)


@dataclass(frozen=True)
class LLMChoice:
    """The provider, model and base URL a run uses, and where the choice came from."""

    provider: str
    model: str
    base_url: str | None
    source: str  # "--llm", "AUTOKAGGLE_LLM", "config.toml", "default (gemini key found)"

    @property
    def label(self) -> str:
        """``provider:model``."""
        return f"{self.provider}:{self.model}"


def provider_registry() -> dict[str, type[Provider]]:
    """Every installed provider class by name (the ``autokaggle.providers`` entry points)."""
    from autokaggle.llm.providers import available_providers

    return available_providers()


def parse_spec(spec: str, where: str = "--llm") -> tuple[str, str]:
    """``provider:model`` split at the first colon (models may hold colons: ``llama3.1:8b``)."""
    provider, sep, model = spec.strip().partition(":")
    if not sep or not provider.strip() or not model.strip():
        raise InputError(
            f"{where} needs PROVIDER:MODEL, got {spec!r}.",
            f"For example: {where} gemini:{DEFAULT_MODELS['gemini']}, openai:gpt-4o-mini, "
            "anthropic:claude-sonnet-4-5",
        )
    return provider.strip().lower(), model.strip()


def provider_class(name: str, registry: Registry | None = None) -> type[Provider]:
    """The class of provider ``name``; InputError listing the installed ones."""
    registry = provider_registry() if registry is None else registry
    if name not in registry:
        raise InputError(
            f"Unknown LLM provider {name!r}.",
            f"Installed providers: {', '.join(sorted(registry)) or 'none'}.",
        )
    return registry[name]


def choose_llm(
    llm: str | None = None,
    base_url: str | None = None,
    *,
    registry: Registry | None = None,
    environ: Mapping[str, str] | None = None,
) -> LLMChoice | None:
    """The run's provider/model/base URL by the precedence above; None when there is none."""
    env = os.environ if environ is None else environ
    config = user_config()
    picked = _pick_spec(llm, env, config)
    if picked is not None and picked[0] == OFF:
        return None
    registry = provider_registry() if registry is None else registry
    if picked is None:
        picked = _default_spec(registry, env)
        if picked is None:
            return None
    (provider, model), source = picked
    cls = provider_class(provider, registry)
    return LLMChoice(provider, model, _base_url(cls, base_url, env, config), source)


def _pick_spec(
    flag: str | None, env: Mapping[str, str], config: Mapping[str, object]
) -> tuple[tuple[str, str], str] | None:
    value = config.get("llm")
    for spec, where, source in ((flag, "--llm", "--llm"), (env.get(LLM_ENV), LLM_ENV, LLM_ENV),
                                (value if isinstance(value, str) else None,
                                 f"llm in {config_file()}", "config.toml")):
        if spec and spec.strip():
            return (OFF if spec.strip().lower() in OFF_WORDS else parse_spec(spec, where)), source
    return None


def _default_spec(
    registry: Registry, env: Mapping[str, str]
) -> tuple[tuple[str, str], str] | None:
    """Gemini when its key is present (the product's default), else nothing."""
    cls = registry.get(DEFAULT_PROVIDER)
    if cls is None or find_key(DEFAULT_PROVIDER, cls.key_env_vars, env) is None:
        return None
    return (DEFAULT_PROVIDER, DEFAULT_MODELS[DEFAULT_PROVIDER]), "default (a Gemini key is set)"


def _base_url(
    cls: type[Provider], flag: str | None, env: Mapping[str, str], config: Mapping[str, object]
) -> str | None:
    candidates = [flag, env.get(BASE_URL_ENV)]
    candidates += [env.get(name) for name in cls.base_url_env_vars]
    candidates.append(_config_base_url(config, cls.name))
    return next((c.strip() for c in candidates if c and c.strip()), None)


def _config_base_url(config: Mapping[str, object], provider: str) -> str | None:
    """``llm_base_url`` of config.toml, unless it belongs to another provider's ``llm``."""
    url, spec = config.get("llm_base_url"), config.get("llm")
    if not isinstance(url, str):
        return None
    if isinstance(spec, str) and spec.partition(":")[0].strip().lower() != provider:
        return None
    return url


def resolve_key(
    choice: LLMChoice, cls: type[Provider], environ: Mapping[str, str] | None = None
) -> FoundKey | None:
    """The key for ``choice``; LLMAuthError naming the variable when a required one is missing.

    With a base URL the key is optional (a local OpenAI-compatible server needs none; a server
    that does will answer 401, reported the same way).
    """
    found = find_key(choice.provider, cls.key_env_vars, environ)
    if found is None and cls.key_required and choice.base_url is None:
        raise missing_key_error(choice.provider, cls.key_env_vars)
    return found


def build_provider(
    choice: LLMChoice,
    *,
    registry: Registry | None = None,
    environ: Mapping[str, str] | None = None,
    timeout_s: float = 120.0,
) -> Provider:
    """An instance of the chosen provider with its key and base URL."""
    cls = provider_class(choice.provider, registry)
    key = resolve_key(choice, cls, environ)
    return cls(
        choice.model,
        api_key=key.value if key else None,
        base_url=choice.base_url,
        timeout_s=timeout_s,
    )
