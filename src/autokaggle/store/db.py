"""SQLite index of runs: WAL, busy timeout, numbered forward-only migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

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


def connect(path: Path) -> sqlite3.Connection:
    """Open the index in WAL mode with a generous busy timeout, migrated to the latest schema."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA foreign_keys = ON")
    migrate(conn)
    return conn


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
