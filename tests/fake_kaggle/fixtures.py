"""Scenario data and setup helpers for tests that drive the real client against the fake."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fake_kaggle.server import FakeCompetition, FakeFile, FakeKaggle

PLANTED_KEY = "sk-planted-SECRET-123"
NETGUARD = Path(__file__).parent / "netguard"
SRC = Path(__file__).resolve().parents[2] / "src"

TRAIN = b"PassengerId,Pclass,Sex,Age,Survived\n1,3,male,22,0\n2,1,female,38,1\n3,3,female,26,1\n4,1,male,35,0\n"
TEST = b"PassengerId,Pclass,Sex,Age\n5,3,male,30\n6,2,female,25\n"
SAMPLE = b"PassengerId,Survived\n5,0\n6,0\n"
DESCRIPTION_HTML = (
    "<h2>Overview</h2><p>Predict <strong>survival</strong> on the <em>Titanic</em>."
    " See <a href=\"https://example.org/x\">the docs</a>.</p><ul><li>fast</li><li>fun</li></ul>"
)
EVALUATION_HTML = "<h2>Metric</h2><p>Submissions are evaluated on <b>accuracy</b>.</p><pre>PassengerId,Survived\n5,0</pre>"


def demo_competition(slug: str = "demo-comp", **kw: object) -> FakeCompetition:
    """A small Titanic-like competition with rules accepted and four pages."""
    files = [FakeFile("train.csv", TRAIN), FakeFile("test.csv", TEST),
             FakeFile("sample_submission.csv", SAMPLE)]
    pages = [
        {"name": "description", "content": DESCRIPTION_HTML, "mimeType": "text/html", "isPublished": True},
        {"name": "evaluation", "content": EVALUATION_HTML, "mimeType": "text/html", "isPublished": True},
        {"name": "data-description", "content": "## Files\n\n- train.csv", "mimeType": "text/markdown"},
        {"name": "rules", "content": "<p>Be nice.</p>", "mimeType": "text/html"},
    ]
    return FakeCompetition(slug=slug, title="Demo Competition", files=files, pages=pages, **kw)  # type: ignore[arg-type]


def many_files_competition(slug: str = "many-files", n: int = 27) -> FakeCompetition:
    """A competition with more files than one page of the file list."""
    files = [FakeFile(f"part_{i:02d}.csv", f"id,x\n{i},{i * 2}\n".encode()) for i in range(n)]
    return FakeCompetition(slug=slug, files=files)


@contextlib.contextmanager
def running_fake() -> Iterator[FakeKaggle]:
    """A started fake with the demo scenarios, stopped afterwards."""
    fake = FakeKaggle(username="fake-user", key=PLANTED_KEY).start()
    fake.add(demo_competition())
    fake.add(demo_competition("rules-comp", entered=False))
    try:
        yield fake
    finally:
        fake.stop()


def point_client_at(fake: FakeKaggle, monkeypatch: pytest.MonkeyPatch) -> None:
    """Route the in-process official client to the fake (env plus the class attributes it read at import)."""
    for key, value in fake.client_env().items():
        monkeypatch.setenv(key, value)
    with contextlib.redirect_stdout(io.StringIO()):  # its import prints auth help
        from kaggle.api.kaggle_api_extended import KaggleApi
    config_dir = os.environ["KAGGLE_CONFIG_DIR"]
    Path(config_dir).mkdir(parents=True, exist_ok=True)
    monkeypatch.setattr(KaggleApi, "args", ["--local"])
    monkeypatch.setattr(KaggleApi, "config_dir", config_dir)
    monkeypatch.setattr(KaggleApi, "config", os.path.join(config_dir, "kaggle.json"))


def subprocess_env(fake: FakeKaggle | None, home: Path) -> dict[str, str]:
    """A hermetic environment for ``python -m autokaggle`` talking to the fake."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LANG": "C.UTF-8",
           "PYTHONPATH": os.pathsep.join([str(NETGUARD), str(SRC)]),
           "AUTOKAGGLE_CACHE_DIR": str(home / "cache"), "AUTOKAGGLE_HOME": str(home / "work"),
           "KAGGLE_CONFIG_DIR": str(home / ".kaggle"), "COLUMNS": "200", "TERM": "dumb"}
    if fake is not None:
        env.update(fake.client_env())
    else:
        env.update({"KAGGLE_API_ENVIRONMENT": "LOCALHOST", "no_proxy": "", "NO_PROXY": "",
                    "http_proxy": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"})
    return env


PYTHON = sys.executable
