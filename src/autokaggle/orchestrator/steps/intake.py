"""Step 1: the competition's metadata, pages and files (Kaggle, cached, or a local folder)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from autokaggle.orchestrator.context import RunContext
from autokaggle.orchestrator.registry import register_step


@register_step("intake", 10, "competition metadata, pages and files")
def intake(ctx: RunContext) -> str:
    """Fetch (or find) the competition and link its data folder into the run."""
    from autokaggle.kaggle.intake import fetch_competition

    info = fetch_competition(
        ctx.options.source, ctx.paths.input, quiet=True, on_warning=_warn(ctx), run_id=ctx.run_id
    )
    _refuse_private(Path(info.data_dir), ctx.paths.root)
    data = _prepared(ctx, Path(info.data_dir))
    ctx.cache.pop("competition", None)  # re-read: pages are relative to input/ in the file
    link_data(ctx.paths.input / "data", data)
    return f"{info.title} ({len(info.files)} files)"


def _refuse_private(data: Path, run_dir: Path) -> None:
    """Stop before any work when generated code, which reads the data folder, would see
    credentials or the runs through it (``autokaggle run .`` inside the data folder)."""
    from autokaggle.errors import InputError
    from autokaggle.execute.bwrap import revealed

    place = revealed(data, run_dir)
    if place is None:
        return
    raise InputError(
        f"Generated code reads the data folder {data}, and through it would see {place} "
        "(credentials, your home folder or autokaggle's runs), which it must never see.",
        hint=f"Keep the competition files in a folder of their own and keep the runs outside "
             f"it: run from another folder (cd {data.parent} && autokaggle run {data.name}), "
             "or pass --workdir DIR with DIR outside the data folder.")


def _prepared(ctx: RunContext, data: Path) -> Path:
    """``input/prepared`` when the tables need copies the pipeline can read (``profile.prepare``:
    labels in their own file, no id column), else ``data``; ``competition.json`` then points at
    the prepared folder."""
    from autokaggle.kaggle.models import CompetitionInfo
    from autokaggle.profile.prepare import prepare_tables

    folder, notes = prepare_tables(data, ctx.paths.input / "prepared",
                                   number=not ctx.options.id_column)
    for note in notes:
        ctx.note(note, "warning")
    if folder != data:
        path = ctx.paths.input / "competition.json"
        info = CompetitionInfo.model_validate_json(path.read_text())
        info.data_dir = str(folder)
        path.write_text(info.model_dump_json(indent=2) + "\n", "utf-8")
    return folder


def link_data(link: Path, target: Path) -> None:
    """Point ``input/data`` at the data folder, so generated code uses relative paths."""
    if link.is_symlink() or link.exists():
        if link.is_symlink() and Path(os.readlink(link)) == target:
            return
        link.unlink()
    link.symlink_to(target, target_is_directory=True)


def _warn(ctx: RunContext) -> Callable[[str], None]:
    return lambda text: ctx.note(text, "warning")
