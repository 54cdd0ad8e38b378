"""The terminal objects: people read stderr (rich), programs read stdout (plain JSON)."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console

err_console = Console(stderr=True)


def print_json(data: Any) -> None:
    """Write one JSON document to stdout for programs."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
    sys.stdout.flush()
