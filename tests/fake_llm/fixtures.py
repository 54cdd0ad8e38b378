"""Pytest fixtures for the fake LLM server (registered in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

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


@pytest.fixture
def fake_keys() -> dict[str, str]:
    """One distinctive fake API key per provider."""
    return dict(FAKE_KEYS)
