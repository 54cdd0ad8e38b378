"""Providers register through the autokaggle.providers entry-point group, SDKs load lazily."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import EntryPoint

import pytest

from autokaggle.errors import InputError
from autokaggle.llm import providers
from autokaggle.llm.providers import available_providers, provider_class
from autokaggle.llm.providers.anthropic import AnthropicProvider
from autokaggle.llm.providers.gemini import GeminiProvider
from autokaggle.llm.providers.openai import OpenAIProvider


def test_built_ins_are_registered_with_their_key_variables() -> None:
    found = available_providers()
    assert found == {"gemini": GeminiProvider, "openai": OpenAIProvider,
                     "anthropic": AnthropicProvider}
    assert GeminiProvider.key_env_vars == ("GEMINI_API_KEY", "GOOGLE_API_KEY")
    assert OpenAIProvider.key_env_vars == ("OPENAI_API_KEY",)
    assert OpenAIProvider.base_url_env_vars == ("OPENAI_BASE_URL",)
    assert AnthropicProvider.key_env_vars == ("ANTHROPIC_API_KEY",)
    assert AnthropicProvider.base_url_env_vars == ("ANTHROPIC_BASE_URL",)
    assert GeminiProvider.base_url_env_vars == ("GOOGLE_GEMINI_BASE_URL",)
    assert not OpenAIProvider.key_required and GeminiProvider.key_required
    assert all(cls.name == name for name, cls in found.items())


def test_an_unknown_name_lists_the_valid_ones() -> None:
    with pytest.raises(InputError) as failed:
        provider_class("chatgpt")
    assert failed.value.exit_code == 2
    assert "anthropic, gemini, openai" in (failed.value.hint or "")


def test_a_third_party_plug_in_registers_like_a_built_in(monkeypatch: pytest.MonkeyPatch) -> None:
    group = providers.ENTRY_POINT_GROUP
    points = [
        EntryPoint("mine", "autokaggle.llm.providers.openai:OpenAIProvider", group),
        EntryPoint("broken", "no_such_module_xyz:Provider", group),
    ]
    monkeypatch.setattr(providers, "entry_points", lambda group: points)
    assert available_providers() == {"mine": OpenAIProvider}  # the broken one is skipped
    assert provider_class("mine") is OpenAIProvider


def test_loading_the_providers_does_not_import_the_sdks() -> None:
    code = ("import sys; from autokaggle.llm.providers import available_providers; "
            "available_providers(); "
            "print(sorted(m for m in ('openai', 'anthropic', 'google.genai') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
