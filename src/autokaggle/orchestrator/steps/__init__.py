"""Built-in steps; importing this package registers them in run order."""

from autokaggle.orchestrator.steps import (
    baseline,
    chat,
    codegen,
    finalize,
    folds,
    intake,
    profile,
    search,
)

__all__ = ["baseline", "chat", "codegen", "finalize", "folds", "intake", "profile", "search"]
