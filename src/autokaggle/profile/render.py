"""Render a DataProfile as markdown: short enough for a prompt, clear enough for a person."""

from __future__ import annotations

from pathlib import Path

from autokaggle.profile.model import ColumnProfile, DataProfile

_MAX_COLUMNS = 200


def _fmt(x: float | None) -> str:
    if x is None:
        return ""
    return f"{x:.4g}"


def _summary(profile: DataProfile) -> list[str]:
    m, f = profile.metric, profile.submission_format
    direction = "higher is better" if m.greater_is_better else "lower is better"
    lines = [
        f"# Data profile: {profile.title} ({profile.slug})", "",
        f"- **Task:** {profile.task}",
        f"- **Id column:** `{profile.id_column}`",
        f"- **Target column(s):** {', '.join(f'`{t}`' for t in profile.target_columns)}",
        f"- **Metric:** {m.name} ({direction}; from {m.source})",
        f"- **Submission:** {f.kind}; columns {', '.join(f.columns)}"
        + (f"; top-{f.k}" if f.k else "")
        + (f"; label spelling {', '.join(f.label_values[:12])} ({f.label_dtype})"
           if f.label_values else ""),
    ]
    if profile.class_labels:
        lines.append(f"- **Classes ({len(profile.class_labels)}):** "
                     f"{', '.join(profile.class_labels[:30])}")
    if profile.time_column:
        lines.append(f"- **Time column:** `{profile.time_column}`")
    if profile.drop_columns:
        lines.append(f"- **Dropped:** {', '.join(profile.drop_columns)}")
    lines.append(f"- **Features ({len(profile.feature_columns)}):** "
                 f"{', '.join(profile.feature_columns[:_MAX_COLUMNS])}")
    return lines


def _files(profile: DataProfile) -> list[str]:
    lines = ["", "## Files", "", "| file | role | rows | columns | size |", "|---|---|---|---|---|"]
    for f in profile.files:
        lines.append(f"| {f.name} | {f.role} | {f.rows:,} | {f.columns} | "
                     f"{f.size_bytes / 1e6:.1f} MB |")
    return lines


def _column_row(c: ColumnProfile) -> str:
    where = "both" if c.in_train and c.in_test else ("train only" if c.in_train else "test only")
    top = ", ".join(f"{v} ({n})" for v, n in c.top_values[:3]).replace("|", "\\|")
    n = c.numeric
    stats = f"{_fmt(n.min)} / {_fmt(n.median)} / {_fmt(n.max)}" if n else ""
    return (f"| {c.name} | {c.dtype} | {c.semantic} | {c.missing_share:.1%} | {c.n_unique:,} | "
            f"{where} | {top} | {stats} |")


def _columns(profile: DataProfile) -> list[str]:
    lines = ["", "## Columns", "",
             "| column | dtype | semantic | missing | unique | in | top values | min / median / max |",
             "|---|---|---|---|---|---|---|---|"]
    lines += [_column_row(c) for c in profile.columns[:_MAX_COLUMNS]]
    if len(profile.columns) > _MAX_COLUMNS:
        lines.append(f"\n({len(profile.columns) - _MAX_COLUMNS} more columns not shown)")
    masked = [c.name for c in profile.columns if c.pii]
    if masked:
        lines.append(f"\nValues of {', '.join(masked)} are masked (personal data).")
    return lines


def _warnings(profile: DataProfile) -> list[str]:
    if not profile.warnings:
        return []
    return ["", "## Warnings", ""] + [f"- **{w.code}:** {w.message}" for w in profile.warnings]


def to_markdown(profile: DataProfile) -> str:
    """The profile as markdown (summary, files, columns, warnings)."""
    lines = _summary(profile) + _files(profile) + _columns(profile) + _warnings(profile)
    return "\n".join(lines) + "\n"


PROFILE_JSON = "data_profile.json"
PROFILE_MD = "data_profile.md"


def write_profile(profile: DataProfile, input_dir: Path) -> None:
    """Write ``data_profile.json`` and ``data_profile.md`` into the run's input folder."""
    input_dir = Path(input_dir)
    input_dir.mkdir(parents=True, exist_ok=True)
    (input_dir / PROFILE_JSON).write_text(profile.model_dump_json(indent=2) + "\n", encoding="utf-8")
    (input_dir / PROFILE_MD).write_text(to_markdown(profile), encoding="utf-8")
