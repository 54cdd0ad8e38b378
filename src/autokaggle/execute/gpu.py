"""Whether this machine has a usable NVIDIA GPU, and which model families can use it."""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys

# XGBoost (device=cuda) and CatBoost (task_type=GPU) train on CUDA from their PyPI wheels.
# LightGBM's wheels learn on a GPU through OpenCL only: on an H200 machine whose one OpenCL
# platform was pocl (a CPU implementation) the penguins baseline took 64 s instead of 2 s,
# with two folds stopped at one round. So LightGBM counts only when its CUDA build is here.
CUDA_FAMILIES = ("xgboost", "catboost")
_LIGHTGBM_CUDA_PROBE = (
    "import numpy as np, lightgbm as lgb\n"
    "x = np.random.default_rng(0).random((200, 3))\n"
    "lgb.train({'device_type': 'cuda', 'verbose': -1}, lgb.Dataset(x, x[:, 0]), 2)\n"
)


def gpu_available() -> bool:
    """True when ``nvidia-smi`` lists at least one GPU."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return False
    try:
        out = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0 and "GPU" in out.stdout


@functools.cache
def lightgbm_cuda_available() -> bool:
    """True when this interpreter's LightGBM trains with ``device_type=cuda`` (a CUDA build)."""
    try:
        out = subprocess.run([sys.executable, "-c", _LIGHTGBM_CUDA_PROBE], capture_output=True,
                             timeout=120)
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0


def gpu_families() -> tuple[str, ...]:
    """The template families that train on the GPU here (call only when a GPU is present)."""
    return CUDA_FAMILIES + (("lightgbm",) if lightgbm_cuda_available() else ())
