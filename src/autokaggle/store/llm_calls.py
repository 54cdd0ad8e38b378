"""The LLM ledger's rows: one per call (run, provider, model, purpose, tokens, cost, outcome)."""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass
from typing import Any

_COLUMNS = (
    "run_id", "seq", "provider", "model", "purpose", "input_tokens", "output_tokens",
    "cost_usd", "latency_s", "outcome", "error", "created_at",
)
INSERT_SQL = (
    f"INSERT INTO llm_calls ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"
)
_SUMMARY_SQL = (
    "SELECT run_id, COUNT(*) AS calls, SUM(outcome != 'ok') AS failed,"
    " COALESCE(SUM(input_tokens), 0) AS input_tokens,"
    " COALESCE(SUM(output_tokens), 0) AS output_tokens,"
    " COALESCE(SUM(cost_usd), 0.0) AS cost_usd,"
    " SUM(cost_usd IS NULL) AS unpriced_calls FROM llm_calls"
)


@dataclass(frozen=True)
class LLMCallRecord:
    """One LLM call as the ledger keeps it; ``cost_usd`` None means the price is unknown."""

    run_id: str | None
    seq: int
    provider: str
    model: str
    purpose: str
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    latency_s: float
    outcome: str  # "ok", or the error kind: auth, model_not_found, unavailable, error
    error: str | None
    created_at: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return asdict(self)

    def row(self) -> tuple[Any, ...]:
        """The values in the order of ``INSERT_SQL``."""
        return tuple(getattr(self, name) for name in _COLUMNS)


@dataclass(frozen=True)
class LLMUsageSummary:
    """Totals of a run's LLM calls; ``cost_usd`` sums the priced calls only."""

    calls: int = 0
    failed: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    unpriced_calls: int = 0  # calls of models missing from the price table: cost unknown

    @property
    def cost_known(self) -> bool:
        """Whether every call had a known price (so ``cost_usd`` is the full cost)."""
        return self.unpriced_calls == 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (status --json, list --json)."""
        return {**asdict(self), "cost_known": self.cost_known}


def select_calls(conn: sqlite3.Connection, run_id: str | None) -> list[LLMCallRecord]:
    """The calls of a run (or of no run: ``None``), oldest first."""
    rows = conn.execute(
        f"SELECT {', '.join(_COLUMNS)} FROM llm_calls WHERE run_id IS ? ORDER BY seq, id",
        (run_id,),
    ).fetchall()
    return [LLMCallRecord(**dict(r)) for r in rows]


def summarise(conn: sqlite3.Connection, run_id: str | None) -> LLMUsageSummary:
    """The totals of one run's calls (zeros when it made none)."""
    row = conn.execute(f"{_SUMMARY_SQL} WHERE run_id IS ?", (run_id,)).fetchone()
    return _summary(row) if row and row["calls"] else LLMUsageSummary()


def summarise_runs(conn: sqlite3.Connection) -> dict[str, LLMUsageSummary]:
    """The totals of every run that made calls, by run id."""
    rows = conn.execute(f"{_SUMMARY_SQL} WHERE run_id IS NOT NULL GROUP BY run_id").fetchall()
    return {r["run_id"]: _summary(r) for r in rows}


def next_seq(conn: sqlite3.Connection, run_id: str | None) -> int:
    """The next call number of a run (1 for its first call; resumed runs continue)."""
    row = conn.execute(
        "SELECT COALESCE(MAX(seq), 0) FROM llm_calls WHERE run_id IS ?", (run_id,)
    ).fetchone()
    return int(row[0]) + 1


def _summary(row: sqlite3.Row) -> LLMUsageSummary:
    data = dict(row)
    data.pop("run_id", None)
    return LLMUsageSummary(**{k: (v or 0) for k, v in data.items()})
