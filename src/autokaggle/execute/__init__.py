"""execute layer: Python environments for generated code and the sandboxed script runner."""

from autokaggle.execute.envs import EnvironmentSetupFailed, PythonEnv, prepare_environment
from autokaggle.execute.runner import ExecutionResult, run_script
from autokaggle.execute.sandbox import default_memory_limit_mb

__all__ = [
    "EnvironmentSetupFailed",
    "ExecutionResult",
    "PythonEnv",
    "default_memory_limit_mb",
    "prepare_environment",
    "run_script",
]
