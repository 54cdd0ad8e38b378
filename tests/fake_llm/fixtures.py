"""Pytest fixtures for the fake LLM server (registered in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fake_llm.server import FakeLLMServer

# Distinctive fake keys: easy to search for in request logs, run folders and logs.
FAKE_KEYS = {
    "openai": "sk-fake-openai-KEY-5f3a9c1e77",
    "gemini": "AIzaFAKE-gemini-KEY-0b8d2e4f19",
    "anthropic": "sk-ant-fake-KEY-c4e6a8b0d2",
}
# The headers that may carry each provider's key (the anthropic SDK sends its key as a bearer
# token in Authorization; older versions used x-api-key).
AUTH_HEADERS = {"openai": ("authorization",), "gemini": ("x-goog-api-key",),
                "anthropic": ("x-api-key", "authorization")}


@pytest.fixture
def fake_llm() -> Iterator[FakeLLMServer]:
    """A started fake LLM server on 127.0.0.1 with an empty script; stopped after the test."""
    with FakeLLMServer() as server:
        yield server


def use_openai_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the fake openai key configured: no other provider, no LLM choice, a private config."""
    monkeypatch.setenv("AUTOKAGGLE_CONFIG_DIR", str(tmp_path / "config"))
    for name in ("AUTOKAGGLE_LLM", "AUTOKAGGLE_LLM_BASE_URL", "OPENAI_BASE_URL", "GEMINI_API_KEY",
                 "GOOGLE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEYS["openai"])


@pytest.fixture
def fake_keys() -> dict[str, str]:
    """One distinctive fake API key per provider."""
    return dict(FAKE_KEYS)
