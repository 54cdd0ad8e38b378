"""The run store: runs, steps and submissions in the SQLite index beside ``runs/``."""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from autokaggle.errors import InputError
from autokaggle.store import llm_calls
from autokaggle.store.candidates import CandidateStoreMixin
from autokaggle.store.db import connect
from autokaggle.store.layout import RunPaths, new_run_id, runs_dir
from autokaggle.store.llm_calls import LLMCallRecord, LLMUsageSummary

DB_NAME = "autokaggle.db"
# A live run refreshes its heartbeat every few seconds; past this it is considered dead even
# when its pid has been reused by another process.
HEARTBEAT_STALE = timedelta(seconds=120)
STEP_STATES = ("pending", "running", "done", "failed", "skipped")
ID_ATTEMPTS = 20


def now_iso() -> str:
    """Current UTC time as ISO-8601 text (what the index stores)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class StepRecord:
    """One step of a run as the index knows it."""

    name: str
    position: int
    state: str
    started_at: str | None
    finished_at: str | None
    error: str | None
    attempts: int
    detail: str | None = None  # the step's one-line summary, or why it was skipped

    @property
    def duration_s(self) -> float | None:
        """Seconds between start and finish (None while not both are known)."""
        return _seconds_between(self.started_at, self.finished_at)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (status --json, run.json)."""
        data = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "position"}
        data["duration_s"] = self.duration_s
        return data


@dataclass(frozen=True)
class RunRecord:
    """One run as the index knows it."""

    run_id: str
    competition: str
    source: str
    status: str
    run_dir: Path
    args: dict[str, Any]
    started_at: str
    finished_at: str | None
    pid: int | None
    heartbeat_at: str | None
    current_step: str | None
    metric: str | None
    greater_is_better: bool | None
    best_score: float | None
    submission: str | None
    error: str | None

    @property
    def paths(self) -> RunPaths:
        """The run folder's layout."""
        return RunPaths(self.run_dir)

    @property
    def duration_s(self) -> float | None:
        """Seconds from start to finish, or to the last heartbeat while running."""
        return _seconds_between(self.started_at, self.finished_at or self.heartbeat_at)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view for ``--json`` output."""
        data = {k: getattr(self, k) for k in self.__dataclass_fields__}
        data["run_dir"] = str(self.run_dir)
        data["duration_s"] = self.duration_s
        return data


def _seconds_between(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def pid_alive(pid: int | None) -> bool:
    """Whether a process with this id exists on this machine."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Store(CandidateStoreMixin):
    """Reads and writes the index; one short transaction per call, so runs never block."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.db_path = home / DB_NAME
        self._conn: sqlite3.Connection | None = None

    @property
    def conn(self) -> sqlite3.Connection:
        """The connection, opened (and migrated) on first use."""
        if self._conn is None:
            self._conn = connect(self.db_path)
        return self._conn

    def close(self) -> None:
        """Close the connection."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _write(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        """Run one statement in its own transaction; return the number of rows it changed."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            changed = self.conn.execute(sql, params).rowcount
            self.conn.execute("COMMIT")
            return changed
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    # -- runs -------------------------------------------------------------------------------

    def create_run(
        self, run_id: str, competition: str, source: str, args: dict[str, Any], steps: list[str]
    ) -> RunRecord:
        """Register a new run and its ordered steps (all pending)."""
        run_dir = runs_dir(self.home) / run_id
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self.conn.execute(
                "INSERT INTO runs (run_id, competition, source, status, run_dir, args_json,"
                " started_at, pid, heartbeat_at) VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?)",
                (
                    run_id,
                    competition,
                    source,
                    str(run_dir),
                    json.dumps(args),
                    now_iso(),
                    os.getpid(),
                    now_iso(),
                ),
            )
            self.conn.executemany(
                "INSERT INTO steps (run_id, name, position) VALUES (?, ?, ?)",
                [(run_id, name, i) for i, name in enumerate(steps)],
            )
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        return self.get_run(run_id)

    def register_run(
        self, slug: str, source: str, args: dict[str, Any], steps: list[str]
    ) -> RunRecord:
        """Create a run under a fresh id; two runs started in the same second never collide."""
        for _ in range(ID_ATTEMPTS - 1):
            try:
                return self.create_run(new_run_id(slug), slug, source, args, steps)
            except sqlite3.IntegrityError:  # the id was taken: draw another suffix
                continue
        return self.create_run(new_run_id(slug), slug, source, args, steps)

    def get_run(self, run_id: str) -> RunRecord:
        """One run by id; InputError naming ``autokaggle list`` when it is unknown."""
        row = self.conn.execute("SELECT * FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        if row is None:
            raise InputError(
                f"No run {run_id!r} in {self.home}.",
                "See the runs here with: autokaggle list  (or pass --workdir DIR)",
            )
        return self._detect_dead(_run_from_row(row))

    def latest_run(self) -> RunRecord | None:
        """The most recently started run, if any."""
        row = self.conn.execute(
            "SELECT * FROM runs ORDER BY started_at DESC, run_id DESC LIMIT 1"
        ).fetchone()
        return self._detect_dead(_run_from_row(row)) if row else None

    def list_runs(self) -> list[RunRecord]:
        """Every run, newest first."""
        rows = self.conn.execute("SELECT * FROM runs ORDER BY started_at DESC, run_id DESC")
        return [self._detect_dead(_run_from_row(r)) for r in rows.fetchall()]

    def update_run(self, run_id: str, **fields: Any) -> None:
        """Set columns of a run (status, current_step, metric, best_score, ...)."""
        if not fields:
            return
        cols = ", ".join(f"{name} = ?" for name in fields)
        self._write(f"UPDATE runs SET {cols} WHERE run_id = ?", (*fields.values(), run_id))

    def claim_run(self, run_id: str) -> bool:
        """Take over a failed or interrupted run for this process; False if another did first."""
        claimed = self._write(
            "UPDATE runs SET status = 'running', pid = ?, heartbeat_at = ?, finished_at = NULL,"
            " error = NULL WHERE run_id = ? AND status IN ('failed', 'interrupted')",
            (os.getpid(), now_iso(), run_id),
        )
        return claimed == 1

    def heartbeat(self, run_id: str) -> None:
        """Record that the run's process is still alive."""
        self.update_run(run_id, heartbeat_at=now_iso())

    def finish_run(self, run_id: str, status: str, error: str | None = None) -> None:
        """Close a run with its final status (done, failed, interrupted)."""
        self.update_run(
            run_id, status=status, finished_at=now_iso(), error=error, current_step=None, pid=None
        )

    def _detect_dead(self, run: RunRecord) -> RunRecord:
        """A 'running' run whose process is gone (SIGKILL, power loss) becomes 'interrupted'."""
        if run.status != "running" or self._looks_alive(run):
            return run
        self._write(
            "UPDATE runs SET status = 'interrupted', pid = NULL, error = ? "
            "WHERE run_id = ? AND status = 'running'",
            ("the run's process stopped without finishing", run.run_id),
        )
        self._write(
            "UPDATE steps SET state = 'failed', error = 'interrupted', finished_at = ? "
            "WHERE run_id = ? AND state = 'running'",
            (now_iso(), run.run_id),
        )
        row = self.conn.execute("SELECT * FROM runs WHERE run_id = ?", (run.run_id,)).fetchone()
        return _run_from_row(row)

    def _looks_alive(self, run: RunRecord) -> bool:
        if not pid_alive(run.pid):
            return False
        if run.heartbeat_at is None:
            return True
        age = datetime.now(UTC) - datetime.fromisoformat(run.heartbeat_at)
        return age < HEARTBEAT_STALE

    # -- steps ------------------------------------------------------------------------------

    def steps(self, run_id: str) -> list[StepRecord]:
        """The run's steps in order."""
        rows = self.conn.execute(
            "SELECT name, position, state, started_at, finished_at, error, attempts, detail"
            " FROM steps"
            " WHERE run_id = ? ORDER BY position",
            (run_id,),
        ).fetchall()
        return [StepRecord(**dict(r)) for r in rows]

    def ensure_steps(self, run_id: str, names: list[str]) -> None:
        """Add steps registered since the run started (a resumed run after an upgrade)."""
        known = {s.name for s in self.steps(run_id)}
        for position, name in enumerate(names):
            if name not in known:
                self._write(
                    "INSERT INTO steps (run_id, name, position) VALUES (?, ?, ?)",
                    (run_id, name, position),
                )
            else:
                self._write(
                    "UPDATE steps SET position = ? WHERE run_id = ? AND name = ?",
                    (position, run_id, name),
                )

    def start_step(self, run_id: str, name: str) -> None:
        """Record that a step began (one more attempt)."""
        self._write(
            "UPDATE steps SET state = 'running', started_at = ?, finished_at = NULL,"
            " error = NULL, attempts = attempts + 1 WHERE run_id = ? AND name = ?",
            (now_iso(), run_id, name),
        )
        self.update_run(run_id, current_step=name, heartbeat_at=now_iso())

    def end_step(
        self, run_id: str, name: str, state: str, error: str | None = None,
        detail: str | None = None,
    ) -> None:
        """Record how a step ended (done, failed, skipped, or back to pending) and its summary."""
        if state not in STEP_STATES:
            raise ValueError(f"unknown step state {state!r}")
        self._write(
            "UPDATE steps SET state = ?, finished_at = ?, error = ?, detail = ?"
            " WHERE run_id = ? AND name = ?",
            (state, now_iso(), error, detail, run_id, name),
        )

    # -- submissions ------------------------------------------------------------------------

    def record_submission(
        self, run_id: str, *, ref: str, message: str, status: str, public_score: float | None
    ) -> None:
        """Remember a Kaggle submission of this run and its public score."""
        self._write(
            "INSERT INTO submissions (run_id, ref, message, status, public_score, submitted_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (run_id, ref, message, status, public_score, now_iso()),
        )

    def submissions(self, run_id: str) -> list[dict[str, Any]]:
        """The run's Kaggle submissions, oldest first."""
        rows = self.conn.execute(
            "SELECT ref, message, status, public_score, submitted_at FROM submissions"
            " WHERE run_id = ? ORDER BY id",
            (run_id,),
        ).fetchall()
        return [dict(r) for r in rows]

    # -- LLM ledger -------------------------------------------------------------------------

    def record_llm_call(self, record: LLMCallRecord) -> None:
        """Append one LLM call to the ledger."""
        self._write(llm_calls.INSERT_SQL, record.row())

    def llm_calls(self, run_id: str | None) -> list[LLMCallRecord]:
        """The LLM calls of a run (None: calls made outside any run, e.g. by doctor)."""
        return llm_calls.select_calls(self.conn, run_id)

    def llm_usage(self, run_id: str | None) -> LLMUsageSummary:
        """Calls, tokens and cost of a run's LLM use."""
        return llm_calls.summarise(self.conn, run_id)

    def llm_usage_by_run(self) -> dict[str, LLMUsageSummary]:
        """LLM totals of every run that used the LLM, by run id."""
        return llm_calls.summarise_runs(self.conn)

    def next_llm_seq(self, run_id: str | None) -> int:
        """The number the run's next LLM call gets (continues after a resume)."""
        return llm_calls.next_seq(self.conn, run_id)


def _run_from_row(row: sqlite3.Row) -> RunRecord:
    data = dict(row)
    gib = data.pop("greater_is_better")
    return RunRecord(
        **{k: v for k, v in data.items() if k not in ("args_json", "run_dir")},
        run_dir=Path(data["run_dir"]),
        args=json.loads(data["args_json"]),
        greater_is_better=None if gib is None else bool(gib),
    )
