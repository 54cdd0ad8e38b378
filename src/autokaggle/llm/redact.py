"""The one redaction filter: every secret value this process knows is replaced by a marker.

Secrets are collected from: the Kaggle variables (``KAGGLE_*``), ``kaggle.json`` and
``access_token`` files where the official client looks for them, the LLM keys file, and every
environment variable whose name contains KEY, TOKEN, SECRET, PASSWORD, PASSWD or CREDENTIAL.
Values shorter than ``MIN_SECRET_LEN`` characters are ignored: they are not credentials, and
replacing them would shred ordinary text. ``LLMClient`` runs every outbound message and every
reply through this filter; nothing else sends text to a provider.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from autokaggle.config import kaggle_config_dirs
from autokaggle.errors import AutokaggleError
from autokaggle.llm.keys import read_keys
from autokaggle.secret_names import has_secret_word

MARKER = "[REDACTED]"
MIN_SECRET_LEN = 6
_TOKEN_FILES = ("access_token", "access_token.txt")


def is_secret_name(name: str) -> bool:
    """Whether an environment variable's value is treated as a secret."""
    upper = name.upper()
    kaggle = upper.startswith("KAGGLE_") and upper != "KAGGLE_CONFIG_DIR"
    return kaggle or has_secret_word(name)


def environment_secrets(environ: Mapping[str, str] | None = None) -> set[str]:
    """Values of the secret-named environment variables."""
    env = os.environ if environ is None else environ
    return {value for name, value in env.items() if is_secret_name(name)}


def kaggle_file_secrets() -> set[str]:
    """Usernames, keys and tokens in the Kaggle credential files the official client reads."""
    found: set[str] = set()
    home = Path(os.path.expanduser("~"))
    for name in _TOKEN_FILES:
        found |= _file_text(home / ".kaggle" / name)
    for folder in kaggle_config_dirs():
        for name in ("kaggle.json", "credentials.json"):
            found |= _json_strings(folder / name)
    return found


def keys_file_secrets() -> set[str]:
    """Every key in the LLM keys file (none when it is missing or unreadable)."""
    try:
        return set(read_keys().values())
    except AutokaggleError:  # a broken keys file has no keys to protect, and must not stop us
        return set()


def known_secrets(environ: Mapping[str, str] | None = None) -> set[str]:
    """Every secret value this process can know of, long enough to redact safely."""
    values = environment_secrets(environ) | kaggle_file_secrets() | keys_file_secrets()
    return {v.strip() for v in values if len(v.strip()) >= MIN_SECRET_LEN}


class Redactor:
    """Replaces each known secret value in a text by ``MARKER``."""

    def __init__(self, secrets: Iterable[str]) -> None:
        values = sorted({s for s in secrets if len(s) >= MIN_SECRET_LEN}, key=len, reverse=True)
        self.count = len(values)
        self._pattern = re.compile("|".join(map(re.escape, values))) if values else None

    @classmethod
    def from_environment(cls, extra: Iterable[str] = ()) -> Redactor:
        """A redactor for every secret this process knows now, plus ``extra`` values."""
        return cls(known_secrets() | set(extra))

    def __call__(self, text: str) -> str:
        """``text`` with every secret replaced by the marker."""
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(MARKER, text)


def _file_text(path: Path) -> set[str]:
    try:
        return {path.read_text(encoding="utf-8").strip()} if path.is_file() else set()
    except (OSError, UnicodeDecodeError):
        return set()


def _json_strings(path: Path) -> set[str]:
    """Every string value of a small JSON credentials file."""
    if not path.is_file():
        return set()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return _file_text(path)  # unreadable as JSON: protect the whole text
    if isinstance(data, dict):
        return {str(v) for v in data.values() if isinstance(v, str | int) and str(v)}
    return set()
