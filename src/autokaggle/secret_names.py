"""Which variable names hold secrets: one word list for the sandbox's environment filter and the
LLM redactor, so the two can never disagree on what a credential is called."""

from __future__ import annotations

import re

SECRET_WORDS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL")
_WORDS = re.compile("|".join(SECRET_WORDS), re.IGNORECASE)


def has_secret_word(name: str) -> bool:
    """Whether a name contains KEY, TOKEN, SECRET, PASSWORD, PASSWD or CREDENTIAL (any case)."""
    return bool(_WORDS.search(name))
