"""Whether this machine has a usable NVIDIA GPU (for ``--gpu``)."""

from __future__ import annotations

import shutil
import subprocess


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
