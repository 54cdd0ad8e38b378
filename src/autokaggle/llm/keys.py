"""LLM API keys: an owner-only keys file under the config home, the environment winning over it.

The file is ``keys.json`` (``{"gemini": "...", "openai": "..."}``) in the config home
(``autokaggle.config.config_dir``), created 0600 inside a 0700 folder. Values are never printed,
logged or returned by anything that shows sources: ``KeySource`` names where a key was found.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from autokaggle.config import config_dir, private_dir
from autokaggle.errors import InputError
from autokaggle.files import write_atomic

KEYS_FILE = "keys.json"


@dataclass(frozen=True)
class FoundKey:
    """A provider's key and where it came from (``GEMINI_API_KEY`` or ``keys file``)."""

    value: str = field(repr=False)
    source: str


def keys_path() -> Path:
    """The keys file (it need not exist yet)."""
    return config_dir() / KEYS_FILE


def read_keys(path: Path | None = None) -> dict[str, str]:
    """Every key of the keys file by provider ({} when there is no file)."""
    path = path or keys_path()
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InputError(
            f"The keys file {path} is not valid JSON.",
            "Remove it and set the keys again: autokaggle keys set PROVIDER",
        ) from None
    if not isinstance(data, dict):
        raise InputError(f"The keys file {path} is not a JSON object.", f"Remove it: rm {path}")
    return {str(k): str(v) for k, v in data.items() if isinstance(v, str) and v}


def write_key(provider: str, value: str, path: Path | None = None) -> Path:
    """Store ``provider``'s key in the owner-only keys file (0600 in a 0700 folder)."""
    value = value.strip()
    if not value:
        raise InputError("The key is empty.", f"Paste the key when asked: autokaggle keys set {provider}")
    path = path or keys_path()
    private_dir(path.parent)
    keys = read_keys(path)
    keys[provider] = value
    _write_keys(path, keys)
    return path


def remove_key(provider: str, path: Path | None = None) -> bool:
    """Delete ``provider``'s key from the keys file; False when it held none."""
    path = path or keys_path()
    keys = read_keys(path)
    if provider not in keys:
        return False
    del keys[provider]
    _write_keys(path, keys)
    return True


def _write_keys(path: Path, keys: Mapping[str, str]) -> None:
    """Replace the keys file atomically; the new file is created 0600."""
    write_atomic(path, json.dumps(dict(keys), indent=2, sort_keys=True) + "\n", mode=0o600)


def find_key(
    provider: str,
    env_vars: Sequence[str],
    environ: Mapping[str, str] | None = None,
    file_keys: Mapping[str, str] | None = None,
) -> FoundKey | None:
    """The key of ``provider``: the first set variable of ``env_vars``, else the keys file."""
    env = os.environ if environ is None else environ
    for name in env_vars:
        if env.get(name, "").strip():
            return FoundKey(env[name].strip(), name)
    keys = read_keys() if file_keys is None else file_keys
    if keys.get(provider):
        return FoundKey(keys[provider], "keys file")
    return None
