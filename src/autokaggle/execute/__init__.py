"""execute layer: Python environments for generated code and the sandboxed script runner."""

from autokaggle.execute.envs import EnvironmentSetupFailed, PythonEnv, prepare_environment
from autokaggle.execute.runner import ExecutionResult, run_script
from autokaggle.execute.sandbox import (
    SandboxInfo,
    SandboxUnavailable,
    default_memory_limit_mb,
    describe_sandbox,
)

__all__ = [
    "EnvironmentSetupFailed",
    "ExecutionResult",
    "PythonEnv",
    "SandboxInfo",
    "SandboxUnavailable",
    "default_memory_limit_mb",
    "describe_sandbox",
    "prepare_environment",
    "run_script",
]
