"""Hermetic test environment: a temp home and cache, no Kaggle credentials, no network."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = ["fake_llm.fixtures"]

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "penguins"
_LOOPBACK = ("127.", "::1", "localhost")
# Runs in tests are baseline-only unless a test passes --time-budget (the CLI default is 10
# minutes). Set for the whole session, so module-scoped fixtures' runs see it too.
os.environ["AUTOKAGGLE_TIME_BUDGET"] = "0"


def _pin_xdist_worker() -> None:
    """Give each pytest-xdist worker its own share of the cores, as ``taskset`` would.

    Runs and generated code size their threads to the cores this process may use
    (``default_threads``), and children inherit the mask: two workers each training with every
    core's worth of OpenMP threads made tests several times slower than alone.
    """
    worker, count = os.environ.get("PYTEST_XDIST_WORKER"), os.environ.get(
        "PYTEST_XDIST_WORKER_COUNT")
    if not worker or not count or not hasattr(os, "sched_setaffinity"):
        return
    cpus = sorted(os.sched_getaffinity(0))
    index, workers = int(worker.removeprefix("gw")), int(count)
    if workers <= len(cpus):
        os.sched_setaffinity(0, cpus[index::workers])


_pin_xdist_worker()


# Each worker holds the ML libraries (0.23 GB once imported, more at work) and a Ray test starts
# a cluster: 64 workers on a 64-core host with less memory would not fit.
MAX_WORKERS = 8


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker per core this process may use (``default_threads``: a
    container's share, not the host's count), at most ``MAX_WORKERS``."""
    from autokaggle.orchestrator.options import default_threads

    return min(MAX_WORKERS, default_threads())


def _is_loopback(address: object) -> bool:
    if isinstance(address, tuple) and address:
        return str(address[0]).startswith(_LOOPBACK)
    return isinstance(address, (str, bytes))  # unix sockets are local


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that connects beyond the loopback interface."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> None:
        if not _is_loopback(address):
            raise RuntimeError(f"test tried to reach the network: {address!r}")
        real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(autouse=True)
def hermetic_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Point HOME, the cache, the config home and the workdir at temp folders; drop real credentials."""
    root = tmp_path_factory.mktemp("home")
    for name in list(__import__("os").environ):
        if name.startswith("KAGGLE_") or name.endswith("_API_KEY"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(root))
    monkeypatch.setenv("AUTOKAGGLE_CACHE_DIR", str(root / "cache"))
    monkeypatch.setenv("AUTOKAGGLE_HOME", str(root / "work"))
    monkeypatch.setenv("KAGGLE_CONFIG_DIR", str(root / ".kaggle"))
    monkeypatch.setenv("AUTOKAGGLE_CONFIG_DIR", str(root / "config"))  # LLM keys file, config.toml
    for name in ("AUTOKAGGLE_LLM", "AUTOKAGGLE_LLM_BASE_URL", "OPENAI_BASE_URL",
                 "GOOGLE_GEMINI_BASE_URL", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    yield root


@pytest.fixture
def workdir(hermetic_env: Path) -> Path:
    """The AUTOKAGGLE_HOME of this test."""
    path = hermetic_env / "work"
    path.mkdir(exist_ok=True)
    return path
