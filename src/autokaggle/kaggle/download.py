"""Fetch a competition's files into the cache: the bundle first, then file by file for repairs.

One ``DownloadDataFiles`` request fetches everything on a first run (Kaggle rate-limits that
call, so it is made once). Files missing from the bundle or of the wrong size afterwards, and
files found broken in an existing cache, are fetched one at a time with bounded retries.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from autokaggle.errors import RunFailed
from autokaggle.kaggle.cache import (
    CompetitionCache,
    check_free_disk,
    safe_extract,
    secure_tree,
    size_ok,
)
from autokaggle.kaggle.client import KaggleClient
from autokaggle.kaggle.models import CompetitionFile

log = logging.getLogger(__name__)
MIN_RATE = 512 * 1024  # bytes/s assumed when sizing a download's deadline
FILE_ATTEMPTS = 3
SAFETY_MARGIN = 64 * 1024 * 1024

Warn = Callable[[str], None]


def fetch_files(client: KaggleClient, slug: str, files: list[CompetitionFile], cache: CompetitionCache,
                *, quiet: bool = False, on_warning: Warn | None = None) -> None:
    """Make every listed file present in ``cache.data_dir`` with its listed size."""
    warn = on_warning or log.warning
    broken = cache.broken_files(files)
    if not broken:
        return
    total = sum(f.size or 0 for f in broken)
    cache.ensure()
    check_free_disk(cache.root, 2 * total + SAFETY_MARGIN)  # the zip and its contents
    with _progress(cache, total, quiet) as done:
        if len(broken) == len(files):
            _try_bundle(client, slug, cache, total, warn)
            broken = cache.broken_files(files)
        for item in broken:
            _fetch_one(client, slug, item, cache, warn)
            done(item.size or 0)
    shutil.rmtree(cache.staging_dir, ignore_errors=True)
    secure_tree(cache.root)


def _timeout(size: int) -> float:
    return 120.0 + size / MIN_RATE


def _try_bundle(client: KaggleClient, slug: str, cache: CompetitionCache, total: int, warn: Warn) -> None:
    staging = cache.clear_staging()
    try:
        client.download_all(slug, staging, _timeout(total))
    except RunFailed as exc:
        warn(f"Downloading the whole bundle failed ({exc.message}); fetching the files one by one.")
        return
    for archive in [p for p in staging.iterdir() if p.is_file() and not p.name.endswith(".kaggle-partial")]:
        _unpack_bundle(archive, cache, warn)


def _unpack_bundle(archive: Path, cache: CompetitionCache, warn: Warn) -> None:
    if not zipfile.is_zipfile(archive):
        warn(f"The downloaded bundle {archive.name} is not a valid zip; fetching the files one by one.")
        return
    try:
        safe_extract(archive, cache.data_dir)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        warn(f"The downloaded bundle is corrupt ({exc}); fetching the files one by one.")
    finally:
        archive.unlink(missing_ok=True)


def _fetch_one(client: KaggleClient, slug: str, item: CompetitionFile, cache: CompetitionCache,
               warn: Warn) -> None:
    target = cache.data_dir / item.name
    for attempt in range(1, FILE_ATTEMPTS + 1):
        staging = cache.clear_staging()
        client.download_file(slug, item.name, staging, _timeout(item.size or 0))
        got = _unwrap(staging, item.name)
        if got is not None and size_ok(got, item.size):
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(got, target)
            return
        warn(f"{item.name}: the download was incomplete or corrupt (attempt {attempt}/{FILE_ATTEMPTS}).")
    raise RunFailed(f"Could not download {item.name} intact after {FILE_ATTEMPTS} attempts.",
                    hint="Run the same command again later; files already fetched are kept.")


def _unwrap(staging: Path, name: str) -> Path | None:
    """The downloaded file, unzipped when Kaggle sent ``NAME.zip`` for ``NAME``."""
    plain, zipped = staging / name, staging / f"{name}.zip"
    if zipped.is_file() and not name.endswith(".zip"):
        try:
            safe_extract(zipped, plain.parent)
        except (zipfile.BadZipFile, OSError, EOFError):
            return None
        finally:
            zipped.unlink(missing_ok=True)
    return plain if plain.is_file() else None


def _dir_bytes(folder: Path) -> int:
    total = 0
    for dirpath, _, names in os.walk(folder):
        for n in names:
            try:
                total += (Path(dirpath) / n).stat().st_size
            except OSError:
                continue
    return total


@contextmanager
def _progress(cache: CompetitionCache, total: int, quiet: bool) -> Iterator[Callable[[int], None]]:
    """A rich byte progress bar on stderr, fed by watching the staging folder grow."""
    if quiet:
        yield lambda _n: None
        return
    done = [0]
    columns = (TextColumn("[bold]Downloading"), BarColumn(), DownloadColumn(), TransferSpeedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("download", total=total or None)
        stop = threading.Event()

        def tick() -> None:
            while not stop.wait(0.25):
                bar.update(task, completed=min(total, done[0] + _dir_bytes(cache.staging_dir)))

        ticker = threading.Thread(target=tick, daemon=True)
        ticker.start()
        try:
            yield lambda n: done.__setitem__(0, done[0] + n)
        finally:
            stop.set()
            ticker.join(1)
            bar.update(task, completed=total)
