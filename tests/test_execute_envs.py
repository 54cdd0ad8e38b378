"""The environment manager: current mode, cached venvs per requirements hash, clear failures.

Every venv test is offline (uv --offline / pip --no-index) and installs nothing that needs a
download, so no test touches the network.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from autokaggle.execute import envs
from autokaggle.execute.envs import (
    MARKER,
    EnvironmentSetupFailed,
    normalise_requirements,
    prepare_environment,
    requirements_hash,
)


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("AUTOKAGGLE_CACHE_DIR", str(cache))
    return cache


@pytest.mark.smoke
def test_current_mode_uses_this_interpreter_and_installs_nothing(_cache: Path) -> None:
    env = prepare_environment("pandas>=2\n", "current")
    assert env.python == Path(sys.executable) and env.mode == "current"
    assert env.requirements_hash == requirements_hash("pandas>=2")
    assert not _cache.exists()


def test_hash_ignores_comments_blank_lines_and_order() -> None:
    a = normalise_requirements("# pinned\nnumpy==2.0  # fast\n\npandas>=2\n")
    b = normalise_requirements("pandas>=2\nnumpy==2.0\n")
    assert a == b == "numpy==2.0\npandas>=2"
    assert requirements_hash(a) != requirements_hash("numpy==2.0")


def test_venv_is_built_once_then_reused(tmp_path: Path, _cache: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# nothing to install\n")
    messages: list[str] = []
    first = prepare_environment(requirements, "venv", on_log=messages.append, offline=True)
    marker = first.location / MARKER
    assert first.location.parent == _cache / "envs"
    assert marker.is_file() and first.python.exists()
    built_at = marker.stat().st_mtime_ns

    started = time.monotonic()
    second = prepare_environment("  # only a comment\n", "venv", offline=True)
    assert time.monotonic() - started < 0.5
    assert second == first and marker.stat().st_mtime_ns == built_at
    assert any("Creating environment" in m for m in messages)

    version = subprocess.run(
        [str(first.python), "-c", "import sys; print(sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert version.stdout.strip() == str(sys.version_info[:2])


def test_half_built_venv_is_rebuilt(_cache: Path) -> None:
    digest = requirements_hash("")
    env_dir = _cache / "envs" / digest[:16]
    env_dir.mkdir(parents=True)
    (env_dir / "leftover").write_text("interrupted install")
    env = prepare_environment("", "venv", offline=True)
    assert env.location == env_dir
    assert not (env_dir / "leftover").exists() and (env_dir / MARKER).is_file()


def test_failed_install_names_the_log_and_the_fix(_cache: Path) -> None:
    with pytest.raises(EnvironmentSetupFailed) as caught:
        prepare_environment("this-package-does-not-exist-autokaggle==0.0.0\n", "venv", offline=True)
    error = caught.value
    assert "this-package-does-not-exist-autokaggle" in error.message
    assert "install.log" in error.message
    assert error.hint is not None and "--env current" in error.hint
    env_dir = (
        _cache / "envs" / requirements_hash("this-package-does-not-exist-autokaggle==0.0.0")[:16]
    )
    assert not (env_dir / MARKER).exists()


def test_without_uv_falls_back_to_venv_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(envs, "find_uv", lambda: None)
    messages: list[str] = []
    env = prepare_environment("", "venv", on_log=messages.append, offline=True)
    assert env.python.exists() and (env.location / MARKER).is_file()
    assert any("venv + pip" in m for m in messages)


def test_concurrent_callers_build_the_env_once() -> None:
    messages: list[str] = []
    results: list[object] = []

    def prepare() -> None:
        results.append(prepare_environment("", "venv", on_log=messages.append, offline=True))

    threads = [threading.Thread(target=prepare) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 3 and len({id(r) for r in results}) == 3
    assert results[0] == results[1] == results[2]
    assert sum("Creating environment" in m for m in messages) == 1
