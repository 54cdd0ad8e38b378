"""Intake: a competition URL, slug, local folder or .zip in; a CompetitionInfo with pages out.

Caching policy: the first run fetches metadata, pages and files and writes a manifest into
``cache_dir()/competitions/SLUG/``. Later runs use the cached manifest as is and make no request
at all (``refresh=True`` re-fetches the metadata; files are only fetched again when missing or of
the wrong size). A local path that exists always wins over slug parsing.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from autokaggle.errors import InputError
from autokaggle.kaggle.cache import CompetitionCache, secure_tree
from autokaggle.kaggle.client import KaggleClient, RemotePage, rules_error
from autokaggle.kaggle.download import fetch_files
from autokaggle.kaggle.htmlmd import page_to_markdown
from autokaggle.kaggle.local import load_local
from autokaggle.kaggle.models import CompetitionFile, CompetitionInfo, CompetitionMeta
from autokaggle.kaggle.urls import ACCEPTED_FORMS, competition_url, parse_competition_source
from autokaggle.profile.kinds import looks_non_tabular, unsupported_error

log = logging.getLogger(__name__)
Warn = Callable[[str], None]


def load_competition(source: str, *, quiet: bool = False, on_warning: Warn | None = None,
                     refresh: bool = False, run_id: str | None = None,
                     client: KaggleClient | None = None) -> CompetitionInfo:
    """Resolve ``source`` to a CompetitionInfo, downloading and caching Kaggle data as needed."""
    warn = on_warning or log.warning
    path = Path(source).expanduser()
    if path.exists():
        return load_local(path)
    slug = source_slug(source)
    info = _load_kaggle(slug, quiet=quiet, warn=warn, refresh=refresh, run_id=run_id, client=client)
    warn_if_closed(info, warn)
    return info


def source_slug(source: str) -> str:
    """A local path's name or the competition slug; InputError for a missing path or a bad URL."""
    path = Path(source).expanduser()
    if path.exists():
        return path.stem
    if _looks_like_path(source):
        raise InputError(f"No such file or folder: {source} (resolved to {path.absolute()}).",
                         hint="Check the path, or pass a competition URL or slug. " + ACCEPTED_FORMS)
    return parse_competition_source(source)


def save_competition(info: CompetitionInfo, input_dir: Path) -> CompetitionInfo:
    """Write ``input_dir/competition.json`` and copy pages to ``input_dir/pages/NAME.md``."""
    pages_dir = input_dir / "pages"
    pages_dir.mkdir(parents=True, exist_ok=True)
    rel: dict[str, str] = {}
    for name, src in info.pages.items():
        dest = pages_dir / f"{name}.md"
        shutil.copyfile(src, dest)
        rel[name] = f"pages/{name}.md"
    saved = info.model_copy(update={"pages": rel})
    (input_dir / "competition.json").write_text(saved.model_dump_json(indent=2) + "\n", "utf-8")
    return saved


def fetch_competition(source: str, input_dir: Path, *, quiet: bool = False,
                      on_warning: Warn | None = None, run_id: str | None = None) -> CompetitionInfo:
    """load_competition then save_competition: the intake step of a run."""
    info = load_competition(source, quiet=quiet, on_warning=on_warning, run_id=run_id)
    return save_competition(info, input_dir)


def warn_if_closed(info: CompetitionInfo, warn: Warn) -> None:
    """Warn when the competition's deadline has passed (late submissions only)."""
    if info.deadline is None:
        return
    deadline = info.deadline if info.deadline.tzinfo else info.deadline.replace(tzinfo=UTC)
    if deadline < datetime.now(UTC):
        warn(f"The competition {info.slug!r} closed on {deadline:%Y-%m-%d}: only late submissions "
             "are possible (they are scored but not ranked).")


def _looks_like_path(source: str) -> bool:
    """A local path rather than a URL: absolute, ./-relative, a .zip, or dir/name without a host."""
    text = source.strip()
    if "kaggle.com" in text.lower() or "://" in text:
        return False
    if text.startswith(("/", "./", "../", "~", ".\\")) or text.lower().endswith(".zip"):
        return True
    first, sep, _ = text.replace("\\", "/").partition("/")
    return bool(sep) and "." not in first  # "data/comp" is a folder; "example.com/x" a host


def _load_kaggle(slug: str, *, quiet: bool, warn: Warn, refresh: bool, run_id: str | None,
                 client: KaggleClient | None) -> CompetitionInfo:
    cache = CompetitionCache.for_slug(slug)
    manifest = None if refresh else cache.read_manifest()
    if manifest is not None and manifest.complete:
        info = cache.info_from(manifest)
        if cache.broken_files(info.files):  # repair only what is broken, keep the metadata
            fetch_files(client or KaggleClient(run_id=run_id), slug, info.files, cache,
                        quiet=quiet, on_warning=warn)
        return info
    client = client or KaggleClient(run_id=run_id)
    meta = client.competition(slug)
    if meta.user_has_entered is False:
        raise rules_error(slug, run_id)
    files = [CompetitionFile(name=f.name, size=f.size) for f in client.files(slug)]
    media = looks_non_tabular([f.name for f in files])
    if media:  # say so before downloading gigabytes of images
        raise unsupported_error(competition_url(slug), media)
    cache.ensure()
    info = _info(meta, files, _store_pages(client, slug, cache, warn), cache)
    cache.write_manifest(info, complete=False)
    fetch_files(client, slug, files, cache, quiet=quiet, on_warning=warn)
    cache.write_manifest(info, complete=True)
    secure_tree(cache.root)
    return info


def _store_pages(client: KaggleClient, slug: str, cache: CompetitionCache, warn: Warn) -> dict[str, str]:
    try:
        pages: list[RemotePage] = client.pages(slug)
    except InputError:
        warn(f"Kaggle returned no pages for {slug!r}; the description and evaluation text are missing.")
        return {}
    return {p.name: str(cache.write_page(p.name, page_to_markdown(p.content, p.mime_type)))
            for p in pages if p.content.strip()}


def _info(meta: CompetitionMeta, files: list[CompetitionFile], pages: dict[str, str],
          cache: CompetitionCache) -> CompetitionInfo:
    return CompetitionInfo(
        **meta.model_dump(), source="kaggle", files=files, pages=pages,
        data_dir=str(cache.data_dir),
    )
