"""Spot columns holding personal data and mask their sample values before they go anywhere.

Detection is cheap and conservative: a column-name hint (``Name``, ``email``, ``Ticket``...) or a
value pattern matched by a good share of a small sample of distinct values. A flagged column keeps
its counts but every sample value becomes a token such as ``<name>``, and its numeric summary is
dropped (a phone number stored as an integer would leak through min/max).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

PII_KINDS = ("name", "email", "phone", "address", "text", "id")

_NAME_HINTS: list[tuple[str, re.Pattern[str]]] = [
    ("email", re.compile(r"e-?mail", re.I)),
    ("phone", re.compile(r"phone|mobile|^tel$|telephone|^fax", re.I)),
    ("address", re.compile(r"address|street|^addr|zip_?code|postcode|postal", re.I)),
    ("id", re.compile(r"ssn|passport|ticket|licen[cs]e|iban|credit_?card|card_?num|"
                      r"account_?(no|num)|national_?id|social_?sec", re.I)),
    ("name", re.compile(r"(^|_|\b)(first|last|full|sur|given|family|user|customer|"
                        r"passenger|person)?_?name($|_)|^surname$|^name$", re.I)),
]
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_PHONE = re.compile(r"^\+?\(?\d[\d\s().-]{6,}\d$")
_ADDRESS = re.compile(r"\d+\s+\w+.*\b(st|street|ave|avenue|rd|road|blvd|lane|ln|drive|dr|way|"
                      r"court|ct|place|pl)\b\.?", re.I)
_PERSON = re.compile(r"^[A-Z][a-z'-]+,\s*(Mr|Mrs|Miss|Ms|Master|Dr|Rev|Sir|Lady|Col|Major|Capt)\b"
                     r"|^[A-Z][a-z'-]+( [A-Z]\.?)? [A-Z][a-z'-]+$")
_THRESHOLD = 0.3
_NEEDS_VARIETY = ("phone", "id")


def _share(values: Sequence[str], pattern: re.Pattern[str], search: bool = False) -> float:
    if not values:
        return 0.0
    hits = sum(1 for v in values if (pattern.search(v) if search else pattern.match(v)))
    return hits / len(values)


def _by_values(values: Sequence[str], distinct_share: float) -> str | None:
    if _share(values, _EMAIL, search=True) >= _THRESHOLD:
        return "email"
    if _share(values, _PHONE) >= _THRESHOLD and any(c in v for v in values for c in " -()+."):
        return "phone"
    if _share(values, _ADDRESS, search=True) >= _THRESHOLD:
        return "address"
    # Person names are distinct per row; "Wd Sdng"-like category codes repeat.
    if distinct_share > 0.5 and _share(values, _PERSON) >= _THRESHOLD:
        return "name"
    words = sum(len(v.split()) for v in values) / len(values)
    if distinct_share > 0.5 and words >= 5:
        return "text"
    return None


def detect_pii(name: str, values: Sequence[str], distinct_share: float = 1.0) -> str | None:
    """The kind of personal data a column holds ("name", "email", ...) or None."""
    for kind, pattern in _NAME_HINTS:
        # Phone/id hints on a low-cardinality column ("has_mobile") are features, not PII.
        if pattern.search(name) and (kind not in _NEEDS_VARIETY or distinct_share > 0.05):
            return kind
    values = [v for v in values if v]
    return _by_values(values, distinct_share) if values else None


def mask_token(kind: str) -> str:
    """The placeholder that replaces a value of this kind, e.g. ``<email>``."""
    return f"<{kind}>"


def mask_text(text: str) -> str:
    """Mask emails and phone-like numbers inside free text (messages, markdown, logs)."""
    text = _EMAIL.sub(mask_token("email"), text)
    return re.sub(r"\+?\(?\d[\d\s().-]{8,}\d", mask_token("phone"), text)
