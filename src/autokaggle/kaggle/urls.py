"""Turn what the user typed (a competition URL or a bare slug) into a Kaggle competition slug."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from autokaggle.errors import InputError

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
KAGGLE_HOSTS = {"kaggle.com", "www.kaggle.com"}
ACCEPTED_FORMS = (
    "Accepted forms:\n"
    "  https://www.kaggle.com/competitions/SLUG  (any tail: /overview, /data, /rules, ?…, #…)\n"
    "  https://www.kaggle.com/c/SLUG\n"
    "  SLUG                                      (e.g. titanic)\n"
    "  a local folder or .zip with Kaggle-layout files"
)


def competition_url(slug: str) -> str:
    """The canonical web address of a competition."""
    return f"https://www.kaggle.com/competitions/{slug}"


def rules_url(slug: str) -> str:
    """Where the user accepts a competition's rules (the API cannot)."""
    return f"{competition_url(slug)}/rules"


def is_slug(text: str) -> bool:
    """Whether ``text`` has the shape of a Kaggle competition slug."""
    return bool(SLUG_RE.match(text))


def parse_competition_source(text: str) -> str:
    """Return the competition slug named by a Kaggle URL or a bare slug; InputError otherwise."""
    raw = text.strip()
    if not raw:
        raise _bad(text, "it is empty")
    if "/" not in raw and ":" not in raw and "." not in raw:
        slug = raw.lower()
        if is_slug(slug):
            return slug
        raise _bad(text, "it is not a valid competition slug")
    return _slug_from_url(text, raw)


def _slug_from_url(original: str, raw: str) -> str:
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", raw):
        raw = "https://" + raw  # "www.kaggle.com/c/x" typed without a scheme
    parts = urlsplit(raw)
    if parts.scheme.lower() not in ("http", "https"):
        raise _bad(original, f"the scheme {parts.scheme!r} is not http(s)")
    host = (parts.hostname or "").lower()
    if host not in KAGGLE_HOSTS:
        raise _bad(original, f"{host or 'no host'} is not kaggle.com")
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 2 or segments[0].lower() not in ("competitions", "c"):
        kind = segments[0] if segments else "the home page"
        raise _bad(original, f"it points at {kind}, not a competition")
    slug = segments[1].lower()
    if not is_slug(slug):
        raise _bad(original, f"{segments[1]!r} is not a valid competition slug")
    return slug


def _bad(text: str, why: str) -> InputError:
    return InputError(f"Not a Kaggle competition: {text!r} ({why}).", hint=ACCEPTED_FORMS)
