"""The candidates journal in the index: every pipeline a run executed, its lineage and score.

A candidate is numbered within its run (``candidates/NNN/``). ``origin`` is open text so that the
search adds operators (``tuning``, ``improve``, ``debug``, ``ensemble`` …) without a migration;
``meta`` holds what an operator wants to remember (model family, parameters, ensemble members).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

CANDIDATE_STATES = ("running", "valid", "failed", "screened")  # screened: lost its first look


@dataclass(frozen=True)
class CandidateRecord:
    """One executed (or executing) pipeline of a run."""

    run_id: str
    number: int
    parent: int | None
    origin: str  # template, llm-draft, llm-repair (the search adds its own)
    label: str
    status: str  # running, valid, failed, screened (partial CV only, never submitted)
    metric: str | None = None
    cv_mean: float | None = None
    cv_std: float | None = None
    fold_scores: list[float] = field(default_factory=list)
    duration_s: float | None = None
    error: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    created_at: str = ""
    finished_at: str | None = None

    @property
    def name(self) -> str:
        """The folder name, ``candidates/NNN``."""
        return f"{self.number:03d}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (status --json, candidate.json)."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


class CandidateStoreMixin:
    """Store methods for the candidates table (mixed into ``Store``)."""

    conn: sqlite3.Connection

    def _write(self, sql: str, params: tuple[Any, ...] = ()) -> int:  # pragma: no cover
        raise NotImplementedError

    def add_candidate(
        self, run_id: str, number: int, *, parent: int | None, origin: str, label: str,
        meta: dict[str, Any] | None = None,
    ) -> None:
        """Record that candidate ``number`` started (status running)."""
        from autokaggle.store.index import now_iso

        self._write(
            "INSERT OR REPLACE INTO candidates (run_id, number, parent, origin, label, status,"
            " meta_json, created_at) VALUES (?, ?, ?, ?, ?, 'running', ?, ?)",
            (run_id, number, parent, origin, label, json.dumps(meta or {}), now_iso()),
        )

    def finish_candidate(
        self, run_id: str, number: int, *, status: str, metric: str | None = None,
        cv_mean: float | None = None, cv_std: float | None = None,
        fold_scores: list[float] | None = None, duration_s: float | None = None,
        error: str | None = None,
    ) -> None:
        """Record how a candidate ended: valid with its CV, or failed with the error."""
        from autokaggle.store.index import now_iso

        if status not in CANDIDATE_STATES:
            raise ValueError(f"unknown candidate state {status!r}")
        self._write(
            "UPDATE candidates SET status = ?, metric = ?, cv_mean = ?, cv_std = ?,"
            " fold_scores_json = ?, duration_s = ?, error = ?, finished_at = ?"
            " WHERE run_id = ? AND number = ?",
            (status, metric, cv_mean, cv_std, json.dumps(fold_scores or []), duration_s, error,
             now_iso(), run_id, number),
        )

    def update_candidate_meta(self, run_id: str, number: int, extra: dict[str, Any]) -> None:
        """Merge ``extra`` into a candidate's ``meta``."""
        row = self.conn.execute("SELECT meta_json FROM candidates WHERE run_id = ? AND number = ?",
                                (run_id, number)).fetchone()
        meta = {**json.loads((row[0] if row else None) or "{}"), **extra}
        self._write("UPDATE candidates SET meta_json = ? WHERE run_id = ? AND number = ?",
                    (json.dumps(meta), run_id, number))

    def candidates(self, run_id: str) -> list[CandidateRecord]:
        """The run's candidates in the order they were made."""
        rows = self.conn.execute(
            "SELECT * FROM candidates WHERE run_id = ? ORDER BY number", (run_id,)
        ).fetchall()
        return [_candidate_from_row(r) for r in rows]


def _candidate_from_row(row: sqlite3.Row) -> CandidateRecord:
    data = dict(row)
    scores = json.loads(data.pop("fold_scores_json") or "[]")
    meta = json.loads(data.pop("meta_json") or "{}")
    return CandidateRecord(**data, fold_scores=scores, meta=meta)
