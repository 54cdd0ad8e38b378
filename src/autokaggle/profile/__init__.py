"""Profile layer: read a competition's files into a DataProfile (types, roles, task, metric).

Public API: ``build_profile``, ``write_profile``, ``read_table``, ``find_data_files``,
``ProfileOverrides``. Sample values that look personal are masked before they reach a profile.
The heavy parts (pandas, pyarrow) load on first use, so ``autokaggle --help`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from autokaggle.profile.model import DataProfile, ProfileOverrides

if TYPE_CHECKING:
    from autokaggle.profile.build import build_profile
    from autokaggle.profile.files import DataFiles, find_data_files
    from autokaggle.profile.reader import read_table
    from autokaggle.profile.render import to_markdown, write_profile

_LAZY = {
    "build_profile": "autokaggle.profile.build",
    "DataFiles": "autokaggle.profile.files",
    "find_data_files": "autokaggle.profile.files",
    "read_table": "autokaggle.profile.reader",
    "to_markdown": "autokaggle.profile.render",
    "write_profile": "autokaggle.profile.render",
}


def __getattr__(name: str) -> Any:
    """Import the heavy parts of the layer on first access."""
    if name not in _LAZY:
        raise AttributeError(f"module 'autokaggle.profile' has no attribute {name!r}")
    return getattr(importlib.import_module(_LAZY[name]), name)


__all__ = [
    "DataFiles", "DataProfile", "ProfileOverrides", "build_profile", "find_data_files",
    "read_table", "to_markdown", "write_profile",
]
