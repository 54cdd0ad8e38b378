"""The SQLite index: migrations, records, dead-process detection, concurrent writers."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from autokaggle.store import RunPaths, new_run_id, open_store
from autokaggle.store.db import MIGRATIONS, connect, schema_version
from autokaggle.store.layout import RUN_ID_RE


@pytest.mark.smoke
def test_migrations_bring_an_empty_database_to_the_latest_schema(tmp_path: Path) -> None:
    conn = connect(tmp_path / "autokaggle.db")
    assert schema_version(conn) == len(MIGRATIONS)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"runs", "steps", "submissions"} <= tables
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_migrations_continue_from_an_older_version(tmp_path: Path) -> None:
    path = tmp_path / "autokaggle.db"
    old = sqlite3.connect(path, isolation_level=None)
    old.executescript(MIGRATIONS[0])
    old.execute("PRAGMA user_version = 1")
    old.close()
    conn = connect(path)
    assert schema_version(conn) == len(MIGRATIONS)
    assert conn.execute("SELECT count(*) FROM submissions").fetchone()[0] == 0


def test_run_ids_are_readable_and_sortable() -> None:
    run_id = new_run_id("Titanic: Machine Learning!")
    assert RUN_ID_RE.match(run_id) and "titanic-machine-learning" in run_id


def test_runs_started_in_the_same_second_get_distinct_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import itertools

    from autokaggle.store import layout

    suffixes = itertools.chain(["abcd", "abcd", "abcd"], itertools.repeat("beef"))
    monkeypatch.setattr(layout.secrets, "token_hex", lambda n: next(suffixes))
    fixed = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)
    monkeypatch.setattr("autokaggle.store.index.new_run_id", lambda slug: new_run_id(slug, fixed))
    store = open_store(tmp_path)
    first = store.register_run("demo", "demo", {}, ["a"])
    second = store.register_run("demo", "demo", {}, ["a"])  # draws abcd twice, then beef
    assert first.run_id != second.run_id and second.run_id.endswith("-beef")


def test_steps_and_runs_are_recorded(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    rec = store.create_run("20260101-000000-demo-abcd", "demo", "demo", {"seed": 1}, ["a", "b"])
    store.start_step(rec.run_id, "a")
    store.end_step(rec.run_id, "a", "done")
    steps = store.steps(rec.run_id)
    assert [(s.name, s.state, s.attempts) for s in steps] == [("a", "done", 1), ("b", "pending", 0)]
    assert store.get_run(rec.run_id).current_step == "a"
    store.record_submission(rec.run_id, ref="1", message="m", status="COMPLETE", public_score=0.7)
    assert store.submissions(rec.run_id)[0]["public_score"] == 0.7


def test_a_running_run_whose_process_died_reads_as_interrupted(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    rec = store.create_run("20260101-000000-demo-abcd", "demo", "demo", {}, ["a"])
    store.start_step(rec.run_id, "a")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    store.update_run(rec.run_id, pid=int(dead.stdout))
    assert store.get_run(rec.run_id).status == "interrupted"
    assert store.steps(rec.run_id)[0].state == "failed"


def test_a_live_run_stays_running(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    rec = store.create_run("20260101-000000-demo-abcd", "demo", "demo", {}, ["a"])
    assert rec.pid == os.getpid()
    assert store.get_run(rec.run_id).status == "running"


def test_unknown_run_names_the_list_command(tmp_path: Path) -> None:
    from autokaggle.errors import InputError

    with pytest.raises(InputError) as err:
        open_store(tmp_path).get_run("nope")
    assert "autokaggle list" in str(err.value)


WRITER = """
import sys
from autokaggle.store import open_store
store = open_store(sys.argv[1])
for i in range(40):  # the same slug 40 times a second: an id drawn twice is drawn again
    rid = store.register_run(f"w{sys.argv[2]}", "demo", {}, ["a", "b", "c"]).run_id
    for step in ("a", "b", "c"):
        store.start_step(rid, step)
        store.end_step(rid, step, "done")
    store.finish_run(rid, "done")
"""


def test_concurrent_processes_write_one_index_without_corruption(tmp_path: Path) -> None:
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), str(n)])
             for n in range(3)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    store = open_store(tmp_path)
    runs = store.list_runs()
    assert len(runs) == 120 and all(r.status == "done" for r in runs)
    assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


OPENER = """
import sys, time
from autokaggle.store.db import connect
start = float(sys.argv[2])
while time.time() < start:  # every process opens the new index at the same instant
    pass
connect(__import__("pathlib").Path(sys.argv[1]))
"""


def test_processes_creating_the_index_at_the_same_instant_all_open_it(tmp_path: Path) -> None:
    # The switch to WAL answers "locked" at once (no busy wait) while another process makes it;
    # before connect tried again, about one round in five lost a process.
    for trial in range(8):
        start = str(time.time() + 0.4)
        db = tmp_path / f"round{trial}" / "autokaggle.db"
        procs = [subprocess.Popen([sys.executable, "-c", OPENER, str(db), start])
                 for _ in range(6)]
        assert [p.wait(timeout=60) for p in procs] == [0] * 6, f"round {trial}"


def test_run_paths_follow_the_public_layout(tmp_path: Path) -> None:
    paths = RunPaths(tmp_path / "r").create()
    for sub in ("input", "code", "env", "output", "logs"):
        assert (tmp_path / "r" / sub).is_dir()
    assert paths.run_log == tmp_path / "r" / "logs" / "run.log"


def test_only_one_process_can_claim_an_interrupted_run(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    rec = store.create_run("20260101-000000-demo-abcd", "demo", "demo", {}, ["a"])
    assert not store.claim_run(rec.run_id)  # running: nothing to claim
    store.finish_run(rec.run_id, "interrupted")
    assert store.claim_run(rec.run_id)
    assert not open_store(tmp_path).claim_run(rec.run_id)  # a second resumer loses
