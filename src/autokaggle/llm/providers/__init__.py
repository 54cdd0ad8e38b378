"""The provider registry: built-ins and plug-ins alike come from the ``autokaggle.providers``
entry-point group (``name = "package.module:ProviderClass"`` in a package's metadata).

Loading a provider class imports its module but not its SDK; the SDK is imported on first use.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from autokaggle.errors import InputError
from autokaggle.llm.base import Provider

ENTRY_POINT_GROUP = "autokaggle.providers"


def available_providers() -> dict[str, type[Provider]]:
    """Every registered provider class by name (a broken plug-in is skipped)."""
    found: dict[str, type[Provider]] = {}
    for point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            cls = point.load()
        except Exception:  # a broken third-party plug-in must not break the built-ins
            continue
        if isinstance(cls, type) and issubclass(cls, Provider):
            found[point.name] = cls
    return found


def provider_names() -> list[str]:
    """The registered names, sorted."""
    return sorted(point.name for point in entry_points(group=ENTRY_POINT_GROUP))


def provider_class(name: str) -> type[Provider]:
    """The provider class registered as ``name``; InputError listing the valid names if none."""
    for point in entry_points(group=ENTRY_POINT_GROUP):
        if point.name == name:
            cls = point.load()
            if isinstance(cls, type) and issubclass(cls, Provider):
                return cls
            raise InputError(f"Provider {name!r} ({point.value}) is not a Provider subclass.")
    valid = ", ".join(provider_names()) or "none installed"
    raise InputError(f"Unknown LLM provider {name!r}.",
                     f"Use one of: {valid} (as --llm PROVIDER:MODEL).")
