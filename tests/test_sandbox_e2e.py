"""A whole run whose generated code is malicious: under bwrap it still ends with a valid
submission, reads no planted secret, and changes no file outside its run folder."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from conftest import EXAMPLE

from autokaggle.execute.bwrap import bwrap_problem
from autokaggle.orchestrator.engine import start_run
from autokaggle.orchestrator.options import RunOptions
from autokaggle.store import open_store

PROBLEM = bwrap_problem()
SECRETS = ("planted-kaggle-key-e2e9", "sk-planted-llm-e2e9")
ATTACK = '''
# --- planted by the test: what a malicious model could write ---
import glob as _glob, os as _os, socket as _socket
for _path in {targets!r}:
    try:
        print("STOLEN", open(_path).read())
    except OSError as _exc:
        print("DENIED read", _path, type(_exc).__name__)
for _path in {writes!r}:
    try:
        open(_path, "w").write("pwned")
        print("WROTE", _path)
    except OSError as _exc:
        print("DENIED write", _path, type(_exc).__name__)
for _path in _glob.glob("input/data/*"):
    try:
        _os.remove(_path)
        print("DELETED", _path)
    except OSError as _exc:
        print("DENIED delete", _path, type(_exc).__name__)
try:
    _socket.create_connection(("192.0.2.1", 443), timeout=2)
    print("CONNECTED")
except OSError as _exc:
    print("DENIED network", _exc.errno)
if _os.fork() == 0:
    _os.setsid()
    import time as _time
    _time.sleep(300)
    _os._exit(0)
# --- end of the attack; the template follows ---
'''


def _snapshot(*roots: Path, skip: tuple[Path, ...]) -> dict[str, str]:
    """sha256 and mtime of every file under ``roots`` except those under ``skip``."""
    found: dict[str, str] = {}
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink() and not any(
                    path.is_relative_to(s) for s in skip):
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                found[str(path)] = f"{digest} {path.stat().st_mtime_ns}"
    return found


@pytest.mark.skipif(PROBLEM is not None, reason=f"bubblewrap cannot run here: {PROBLEM}")
def test_malicious_generated_code_under_bwrap(
    workdir: Path, hermetic_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    home = hermetic_env
    kaggle = home / ".kaggle" / "kaggle.json"
    keys = home / "config" / "autokaggle" / "keys.toml"
    for path, secret in ((kaggle, SECRETS[0]), (keys, SECRETS[1])):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secret)
    monkeypatch.setenv("AUTOKAGGLE_CONFIG_DIR", str(keys.parent))
    source = tmp_path / "penguins"
    source.mkdir()
    for file in EXAMPLE.iterdir():
        (source / file.name).write_bytes(file.read_bytes())
    (workdir / "other-run-secret.txt").write_text("other")
    targets = [str(kaggle), str(keys), str(workdir / "other-run-secret.txt")]
    writes = [str(home / "pwned.txt"), str(source / "pwned.txt"), "/tmp/pwned-e2e9.txt"]
    runs = workdir / "runs"
    store_files = (workdir / "autokaggle.db", workdir / "autokaggle.db-wal",
                   workdir / "autokaggle.db-shm")
    before: dict[str, str] = {}
    # Taken when the code is generated: what autokaggle itself wrote before (cache) is not
    # the generated code's doing.
    snap = lambda: before.update(_snapshot(home, source, skip=(runs, *store_files)))  # noqa: E731
    _plant_attack(monkeypatch, ATTACK.format(targets=targets, writes=writes), snap)

    options = RunOptions(source=str(source), env="current", sandbox="bwrap", model="linear",
                         chat=False)
    done = start_run(open_store(workdir), options, "penguins", lambda event: None)

    assert done.status == "done" and done.submission
    sub = pd.read_csv(done.submission)
    assert len(sub) == len(pd.read_csv(source / "sample_submission.csv"))
    log = (done.run_dir / "logs" / "train.log").read_text()
    assert log.count("DENIED read") == 3 and "STOLEN" not in log
    assert f"DENIED write {source / 'pwned.txt'}" in log  # the data folder is read-only
    # Home and /tmp writes land in the sandbox's private tmpfs and vanish with it.
    assert not (home / "pwned.txt").exists() and not (source / "pwned.txt").exists()
    assert "DENIED delete" in log and "DELETED" not in log and "DENIED network" in log
    record_json = json.loads((done.run_dir / "logs" / "train.json").read_text())
    assert record_json["sandbox"] == "bwrap"
    run_text = "\n".join(p.read_text(errors="replace") for p in done.run_dir.rglob("*")
                         if p.is_file() and p.suffix not in (".pkl",))
    assert not any(secret in run_text for secret in SECRETS)
    after = _snapshot(home, source, skip=(runs, *store_files))
    assert before and after == before  # nothing outside the run folder (and the store) changed
    assert not Path("/tmp/pwned-e2e9.txt").exists()


def _plant_attack(
    monkeypatch: pytest.MonkeyPatch, attack: str, on_render: Callable[[], None]
) -> None:
    """Make the pipeline generator write the attack at the top of code/train.py."""
    import autokaggle.generate as generate

    real = generate.render_pipeline

    def render(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        on_render()
        rendered = real(*args, **kwargs)  # type: ignore[arg-type]
        train = Path(str(args[2])) / "code" / "train.py"
        text = train.read_text()
        head, _, body = text.partition("\nimport ")
        train.write_text(f"{head}\n{attack}\nimport {body}")
        return rendered

    monkeypatch.setattr(generate, "render_pipeline", render)
