"""A competition from a local folder or .zip with Kaggle-layout files (the offline path).

Optional metadata: ``competition.json`` (title, slug, metric, description, ...) and
``overview.md`` / ``overview.txt``, exposed as the ``description`` page, with an ``evaluation``
page cut out of it when it has an "Evaluation" section. A .zip is extracted once into the cache.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from autokaggle.config import cache_dir, private_dir
from autokaggle.errors import InputError
from autokaggle.kaggle.cache import safe_extract, safe_name, write_private
from autokaggle.kaggle.models import CompetitionFile, CompetitionInfo

META_FILES = {"competition.json", "overview.md", "overview.txt"}
FIELD_ALIASES = {
    "title": "title", "slug": "slug", "url": "url", "category": "category", "reward": "reward",
    "deadline": "deadline", "evaluation_metric": "evaluation_metric", "evaluationMetric": "evaluation_metric",
    "metric": "evaluation_metric", "max_daily_submissions": "max_daily_submissions",
    "maxDailySubmissions": "max_daily_submissions", "max_team_size": "max_team_size",
    "description": "description",
}
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_PLAIN_SECTION = re.compile(
    r"^(submission( file| format)?|data( description)?|dataset description|files|timeline|prizes?|"
    r"rules|citation|acknowledg\w*|overview|description|goal|background|evaluation)\s*:?\s*$", re.I)


def load_local(path: Path) -> CompetitionInfo:
    """Read a local folder or .zip into the same CompetitionInfo the Kaggle path produces."""
    path = path.expanduser().resolve()
    if path.is_file() and path.suffix.lower() == ".zip":
        folder, default_slug = _extract_zip(path), path.stem
    elif path.is_dir():
        folder, default_slug = path, path.name
    else:
        raise InputError(f"{path} is neither a folder nor a .zip file.",
                         hint="Pass a folder (or .zip) holding train.csv, test.csv and a sample submission.")
    folder = _unwrap_single_dir(folder)
    meta = _read_meta(folder)
    slug = slugify(str(meta.get("slug") or default_slug))
    files = list_data_files(folder)
    if not files:
        raise InputError(f"No data files found in {folder}.",
                         hint="A local competition needs train/test CSV (or parquet) files and a sample submission.")
    pages = _write_pages(folder, slug, meta)
    fields = {k: v for k, v in meta.items() if k in CompetitionInfo.model_fields and k not in ("slug", "pages")}
    fields.setdefault("title", _overview_title(folder) or slug.replace("-", " ").title())
    try:
        return CompetitionInfo(**{**fields, "slug": slug, "source": "local", "files": files,
                                  "pages": pages, "data_dir": str(folder)})
    except ValidationError as exc:
        raise InputError(f"{folder / 'competition.json'} has a field of the wrong type: "
                         f"{exc.errors()[0]['loc']}") from None


def _overview_title(folder: Path) -> str | None:
    """The first level-1 markdown heading of overview.md, the competition's title there."""
    overview = folder / "overview.md"
    if not overview.is_file():
        return None
    for line in overview.read_text("utf-8", errors="replace").splitlines():
        if line.startswith("# "):
            return line[2:].strip() or None
    return None


def slugify(text: str) -> str:
    """A Kaggle-style slug from a folder or file name."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "local-competition"


def list_data_files(folder: Path) -> list[CompetitionFile]:
    """Every data file under ``folder`` (relative posix names), minus metadata and hidden files."""
    out = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if not path.is_file() or any(p.startswith(".") for p in rel.parts):
            continue
        if len(rel.parts) == 1 and rel.name.lower() in META_FILES:
            continue
        out.append(CompetitionFile(name=rel.as_posix(), size=path.stat().st_size))
    return out


def _extract_zip(archive: Path) -> Path:
    stat = archive.stat()
    key = hashlib.sha256(f"{archive}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:12]
    dest = cache_dir() / "local" / f"{slugify(archive.stem)}-{key}"
    data = dest / "data"
    if (dest / ".complete").is_file():
        return data
    shutil.rmtree(dest, ignore_errors=True)
    private_dir(data)
    try:
        safe_extract(archive, data)
    except Exception as exc:
        raise InputError(f"Could not extract {archive}: {exc}") from None
    write_private(dest / ".complete", "ok\n")
    return data


def _unwrap_single_dir(folder: Path) -> Path:
    """A zip often holds one top folder; the data lives inside it."""
    entries = [p for p in folder.iterdir() if not p.name.startswith((".", "__MACOSX"))]
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else folder


def _read_meta(folder: Path) -> dict[str, Any]:
    path = folder / "competition.json"
    if not path.is_file():
        return {}
    try:
        raw = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise InputError(f"{path} must hold a JSON object.")
    meta = {FIELD_ALIASES[k]: v for k, v in raw.items() if k in FIELD_ALIASES and v is not None}
    if isinstance(raw.get("evaluation"), str):
        meta["_evaluation"] = raw["evaluation"]
    return meta


def _write_pages(folder: Path, slug: str, meta: dict[str, Any]) -> dict[str, str]:
    texts: dict[str, str] = {}
    overview = next((folder / n for n in ("overview.md", "overview.txt") if (folder / n).is_file()), None)
    if overview is not None:
        texts["description"] = overview.read_text("utf-8", errors="replace")
    elif meta.get("description"):
        texts["description"] = str(meta["description"])
    evaluation = meta.get("_evaluation") or cut_section(texts.get("description", ""), "evaluation")
    if evaluation:
        texts["evaluation"] = evaluation
    if not texts:
        return {}
    key = hashlib.sha256(str(folder).encode()).hexdigest()[:12]
    pages_dir = private_dir(cache_dir() / "local" / f"{slug}-{key}" / "pages")
    out = {}
    for name, text in texts.items():
        path = pages_dir / f"{safe_name(name)}.md"
        write_private(path, text.strip() + "\n")
        out[name] = str(path)
    return out


def cut_section(text: str, title: str) -> str | None:
    """The body of the section called ``title`` (markdown heading or a plain title line)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        level = _section_level(line, title)
        if level is None:
            continue
        body = []
        for nxt in lines[i + 1:]:
            if _ends_section(nxt, level):
                break
            body.append(nxt)
        cut = "\n".join(body).strip()
        return f"{line.strip()}\n\n{cut}\n" if cut else None
    return None


def _section_level(line: str, title: str) -> int | None:
    m = _HEADING.match(line.strip())
    name = (m.group(2) if m else line.strip()).rstrip(":").strip().lower()
    if not (name == title or name.startswith(title + " ")):
        return None
    if m:
        return len(m.group(1))
    return 7 if _PLAIN_SECTION.match(line.strip()) else None  # 7: a plain-text title line


def _ends_section(line: str, level: int) -> bool:
    m = _HEADING.match(line.strip())
    if m:
        return len(m.group(1)) <= level or level == 7
    return level == 7 and bool(_PLAIN_SECTION.match(line.strip()))
