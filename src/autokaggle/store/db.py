"""SQLite index of runs: WAL, busy timeout, numbered forward-only migrations."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from autokaggle.errors import RunFailed

# Each entry is one migration; its 1-based position is its number. Never edit or reorder one
# that has shipped: append a new one instead (PRAGMA user_version records how far a db is).
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE runs (
        run_id TEXT PRIMARY KEY,
        competition TEXT NOT NULL,
        source TEXT NOT NULL,
        status TEXT NOT NULL,
        run_dir TEXT NOT NULL,
        args_json TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        pid INTEGER,
        heartbeat_at TEXT,
        current_step TEXT,
        metric TEXT,
        greater_is_better INTEGER,
        best_score REAL,
        submission TEXT,
        error TEXT
    );
    CREATE INDEX runs_started ON runs(started_at);
    CREATE TABLE steps (
        run_id TEXT NOT NULL REFERENCES runs(run_id),
        name TEXT NOT NULL,
        position INTEGER NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        started_at TEXT,
        finished_at TEXT,
        error TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (run_id, name)
    );
    """,
    """
    CREATE TABLE submissions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id TEXT NOT NULL REFERENCES runs(run_id),
        ref TEXT NOT NULL,
        message TEXT NOT NULL,
        status TEXT NOT NULL,
        public_score REAL,
        submitted_at TEXT NOT NULL
    );
    """,
    """
    ALTER TABLE steps ADD COLUMN detail TEXT;
    """,
    # 4: the LLM ledger; run_id is NULL for calls outside a run (autokaggle doctor)
    """
    CREATE TABLE llm_calls (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id TEXT REFERENCES runs(run_id),
        seq INTEGER NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        purpose TEXT NOT NULL,
        input_tokens INTEGER NOT NULL DEFAULT 0,
        output_tokens INTEGER NOT NULL DEFAULT 0,
        cost_usd REAL,
        latency_s REAL NOT NULL,
        outcome TEXT NOT NULL,
        error TEXT,
        created_at TEXT NOT NULL
    );
    CREATE INDEX llm_calls_run ON llm_calls(run_id, seq);
    """,
    # 5: the candidates journal (chat/codegen issue; the search appends rows with its own origins).
    """
    CREATE TABLE candidates (
        run_id TEXT NOT NULL REFERENCES runs(run_id),
        number INTEGER NOT NULL,
        parent INTEGER,
        origin TEXT NOT NULL,
        label TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL,
        metric TEXT,
        cv_mean REAL,
        cv_std REAL,
        fold_scores_json TEXT,
        duration_s REAL,
        error TEXT,
        meta_json TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        finished_at TEXT,
        PRIMARY KEY (run_id, number)
    );
    """,
)

BUSY_TIMEOUT_MS = 30_000
WAL_RETRY_S = 0.02  # pause between tries of the switch to WAL, which sqlite does not wait for


class StoreLocked(RunFailed):
    """Another process held the run index locked for longer than the busy timeout (exit 1)."""


class _Connection(sqlite3.Connection):
    """A connection whose "database is locked" is a ``StoreLocked`` that says what to do."""

    def __init__(self, database: str | Path, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        self.path = Path(database)

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        """``sqlite3.Connection.execute``; a lock held past the timeout is a StoreLocked."""
        try:
            return super().execute(sql, parameters)
        except sqlite3.OperationalError as exc:
            self._raise_if_locked(exc)
            raise

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> sqlite3.Cursor:
        """``sqlite3.Connection.executemany``, with the same translation."""
        try:
            return super().executemany(sql, parameters)
        except sqlite3.OperationalError as exc:
            self._raise_if_locked(exc)
            raise

    def _raise_if_locked(self, exc: sqlite3.OperationalError) -> None:
        if "locked" not in str(exc) and "busy" not in str(exc):
            return
        raise StoreLocked(
            f"The run index {self.path} stayed locked by another process for "
            f"{BUSY_TIMEOUT_MS / 1000:g} s.",
            "Another program holds it in a long transaction (an open sqlite3 shell, a backup "
            "tool, a stuck process). Close it, then rerun the command; runs resume with "
            "autokaggle run --resume RUN_ID.",
        ) from exc


def connect(path: Path) -> sqlite3.Connection:
    """Open the index in WAL mode with a generous busy timeout, migrated to the latest schema."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                           factory=_Connection)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    _switch_to_wal(conn)
    conn.execute("PRAGMA foreign_keys = ON")
    migrate(conn)
    return conn


def _switch_to_wal(conn: sqlite3.Connection) -> None:
    """Set WAL mode, trying again for the busy timeout: while another process creates the index
    and switches it, sqlite answers "locked" at once instead of calling the busy handler."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except StoreLocked:
            if time.monotonic() >= deadline:
                raise
            time.sleep(WAL_RETRY_S)


def schema_version(conn: sqlite3.Connection) -> int:
    """The number of migrations applied to this database."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection) -> int:
    """Apply pending migrations, each in its own immediate transaction; return the version."""
    while schema_version(conn) < len(MIGRATIONS):
        conn.execute("BEGIN IMMEDIATE")  # serialises concurrent migrators
        try:
            version = schema_version(conn)  # re-read under the lock: another process may have won
            if version < len(MIGRATIONS):
                for statement in _statements(MIGRATIONS[version]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return schema_version(conn)


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (executescript would commit implicitly)."""
    return [part.strip() for part in script.split(";") if part.strip()]
