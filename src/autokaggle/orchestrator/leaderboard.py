"""The search's leaderboard: the run's candidates, best first (console, ``status``)."""

from __future__ import annotations

import math
from typing import Any

from autokaggle.orchestrator.candidates import selected_candidate
from autokaggle.orchestrator.context import RunContext
from autokaggle.orchestrator.events import Leaderboard, LeaderRow
from autokaggle.store.candidates import CandidateRecord

LEADERBOARD_ROWS = 8


def leaderboard_rows(ctx: RunContext, limit: int | None = None) -> list[LeaderRow]:
    """The run's candidates, valid ones best first, then the failed ones."""
    records = ctx.store.candidates(ctx.run_id)
    selected = (selected_candidate(ctx.paths.root) or {}).get("candidate")
    return rows_for(records, ctx.profile.metric.greater_is_better, selected, limit)


def rows_for(records: list[CandidateRecord], greater_is_better: bool, selected: int | None,
             limit: int | None = None) -> list[LeaderRow]:
    """Leaderboard rows of journal records (``status`` uses this too)."""
    sign = 1.0 if greater_is_better else -1.0
    valid = sorted((r for r in records if r.status == "valid" and r.cv_mean is not None),
                   key=lambda r: (-sign * (r.cv_mean or 0.0), r.number))
    rest = [r for r in records if r not in valid]
    rows = [_row(r, r.number == selected) for r in [*valid, *rest]]
    return rows[:limit] if limit else rows


def _row(r: CandidateRecord, selected: bool) -> LeaderRow:
    """A record's row; a screened one shows its partial score beside its name, not as a CV."""
    if r.status != "screened":
        return LeaderRow(r.number, r.label, r.status, r.cv_mean, r.cv_std, r.duration_s,
                         selected, node_label(r.meta))
    folds = ",".join(str(f) for f in (r.meta.get("screen") or {}).get("folds") or [])
    label = f"{r.label} (folds {folds}: {r.cv_mean:.5f})" if r.cv_mean is not None else r.label
    return LeaderRow(r.number, label, r.status, None, None, r.duration_s, selected,
                     node_label(r.meta))


def node_label(meta: dict[str, Any]) -> str:
    """Where a candidate ran (``host IP node-id``), '' when it ran on the head's own pool."""
    node = meta.get("node")
    if not isinstance(node, dict):
        return ""
    return " ".join(p for p in (node.get("hostname"), node.get("ip"),
                                str(node.get("id", ""))[:8]) if p)


def show_leaderboard(ctx: RunContext, time_left: float | None = None) -> None:
    """Emit the leaderboard event (the console draws it as a table)."""
    rows = leaderboard_rows(ctx, LEADERBOARD_ROWS)
    left = None if time_left is None or math.isinf(time_left) else time_left
    ctx.emit(Leaderboard(ctx.profile.metric.name, tuple(rows), left))
