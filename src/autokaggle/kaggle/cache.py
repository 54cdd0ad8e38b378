"""The download cache: ``cache_dir()/competitions/SLUG/{manifest.json,pages/,data/}``, owner-only.

The manifest records the competition's metadata and every file's size. When it is complete and
every file on disk has its listed size, intake uses it as is and makes no request at all; a file
whose size is wrong (partial, corrupt, deleted) is fetched again on its own.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, ValidationError

from autokaggle.config import cache_dir, private_dir
from autokaggle.errors import RunFailed
from autokaggle.files import write_atomic
from autokaggle.kaggle.models import CompetitionFile, CompetitionInfo

MANIFEST_VERSION = 1


class Manifest(BaseModel):
    """What the cache holds for one competition; pages are relative to the cache folder."""

    version: int = MANIFEST_VERSION
    slug: str
    fetched_at: datetime
    complete: bool = False
    info: CompetitionInfo


@dataclass(frozen=True)
class CompetitionCache:
    """Paths and bookkeeping of one competition's cache folder."""

    root: Path

    @classmethod
    def for_slug(cls, slug: str) -> CompetitionCache:
        """The cache folder of a Kaggle competition (AUTOKAGGLE_CACHE_DIR overrides the base)."""
        return cls(cache_dir() / "competitions" / slug)

    @property
    def data_dir(self) -> Path:
        """Where the (unzipped) data files live; what ``CompetitionInfo.data_dir`` points at."""
        return self.root / "data"

    @property
    def pages_dir(self) -> Path:
        """Where the competition pages are kept as markdown."""
        return self.root / "pages"

    @property
    def staging_dir(self) -> Path:
        """Scratch space for downloads in flight; emptied before and after each fetch."""
        return self.root / ".staging"

    @property
    def manifest_path(self) -> Path:
        """The manifest file."""
        return self.root / "manifest.json"

    def ensure(self) -> None:
        """Create the folders with owner-only permissions."""
        for path in (cache_dir(), self.root.parent, self.root, self.data_dir, self.pages_dir):
            private_dir(path)

    def read_manifest(self) -> Manifest | None:
        """The manifest, or None when absent, unreadable or from another version."""
        try:
            manifest = Manifest.model_validate_json(self.manifest_path.read_text("utf-8"))
        except (OSError, ValidationError, ValueError):
            return None
        return manifest if manifest.version == MANIFEST_VERSION else None

    def write_manifest(self, info: CompetitionInfo, complete: bool) -> None:
        """Write the manifest atomically (pages stored relative to the cache folder)."""
        rel = {name: str(Path(p).relative_to(self.root)) for name, p in info.pages.items()}
        stored = info.model_copy(update={"pages": rel})
        manifest = Manifest(slug=info.slug, fetched_at=datetime.now(UTC),
                            complete=complete, info=stored)
        write_private(self.manifest_path, manifest.model_dump_json(indent=2))

    def info_from(self, manifest: Manifest) -> CompetitionInfo:
        """The manifest's CompetitionInfo with absolute paths for this cache folder."""
        pages = {n: str(self.root / p) for n, p in manifest.info.pages.items()}
        return manifest.info.model_copy(update={"pages": pages, "data_dir": str(self.data_dir)})

    def write_page(self, name: str, markdown: str) -> Path:
        """Store one page as ``pages/NAME.md`` and return its absolute path."""
        path = self.pages_dir / f"{safe_name(name)}.md"
        write_private(path, markdown)
        return path

    def broken_files(self, files: list[CompetitionFile]) -> list[CompetitionFile]:
        """Files that are missing or whose size differs from the listing."""
        return [f for f in files if not size_ok(self.data_dir / f.name, f.size)]

    def clear_staging(self) -> Path:
        """An empty, private staging folder."""
        shutil.rmtree(self.staging_dir, ignore_errors=True)
        return private_dir(self.staging_dir)


def size_ok(path: Path, size: int | None) -> bool:
    """Whether ``path`` is a file of the expected size (any size when unknown)."""
    return path.is_file() and (size is None or path.stat().st_size == size)


def safe_name(name: str) -> str:
    """A page or file name reduced to a harmless file name."""
    cleaned = "".join(c if c.isalnum() or c in "-_." else "-" for c in name).strip(".-")
    return cleaned or "page"


def write_private(path: Path, text: str) -> None:
    """Write text to ``path`` atomically with mode 0600."""
    write_atomic(path, text, mode=0o600)


def secure_tree(root: Path) -> None:
    """Make every folder under ``root`` 0700 and every file 0600."""
    for dirpath, dirnames, filenames in os.walk(root):
        Path(dirpath).chmod(0o700)
        for name in filenames:
            with contextlib.suppress(OSError):
                (Path(dirpath) / name).chmod(0o600)
        for name in dirnames:
            (Path(dirpath) / name).chmod(0o700)


def safe_extract(archive: Path, dest: Path) -> list[str]:
    """Extract a zip into ``dest``, refusing members that would land outside it."""
    with zipfile.ZipFile(archive) as zf:
        names = []
        for member in zf.infolist():
            rel = PurePosixPath(member.filename)
            if rel.is_absolute() or ".." in rel.parts:
                raise RunFailed(f"Refusing unsafe path {member.filename!r} in {archive.name}.")
            if not member.is_dir():
                names.append(str(rel))
        zf.extractall(dest)
    return names


def check_free_disk(folder: Path, needed: int) -> None:
    """Raise RunFailed when ``folder``'s disk has less than ``needed`` bytes free."""
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise RunFailed(
            f"Not enough free disk space in {folder}: need {human(needed)}, have {human(free)}.",
            hint="Free some space, or set AUTOKAGGLE_CACHE_DIR to a folder on a larger disk.",
        )


def human(n: int) -> str:
    """Bytes in a readable unit."""
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TB"

