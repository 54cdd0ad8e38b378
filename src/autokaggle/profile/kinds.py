"""Which files are tables autokaggle reads, and which are media it does not support yet.

Dependency-free, so intake can tell an image competition from its file list before downloading.
"""

from __future__ import annotations

from collections import Counter
from pathlib import PurePosixPath

from autokaggle.errors import InputError

TABLE_SUFFIXES = (".csv", ".tsv", ".csv.gz", ".tsv.gz", ".zip", ".parquet", ".pq")
MEDIA_SUFFIXES = {
    ".jpg": "image", ".jpeg": "image", ".png": "image", ".tif": "image", ".tiff": "image",
    ".bmp": "image", ".gif": "image", ".webp": "image", ".dcm": "image", ".nii": "image",
    ".wav": "audio", ".mp3": "audio", ".flac": "audio", ".ogg": "audio", ".aif": "audio",
    ".mp4": "video", ".avi": "video", ".mov": "video", ".tfrec": "tfrecord",
    ".tfrecords": "tfrecord", ".npy": "array", ".npz": "array", ".h5": "array",
}
SUPPORTED = ("autokaggle supports tabular competitions: train and test tables "
             f"({', '.join(TABLE_SUFFIXES)}) with a sample submission (optional).")


def is_table_name(name: str) -> bool:
    """Whether a file name looks like a table the reader understands."""
    return name.lower().endswith(TABLE_SUFFIXES)


def media_kind(name: str) -> str | None:
    """The kind of a media file name ("image", "audio", ...); None otherwise."""
    return MEDIA_SUFFIXES.get(PurePosixPath(name).suffix.lower())


def media_counts(names: list[str]) -> Counter[str]:
    """Counts of media files by kind."""
    return Counter(kind for name in names if (kind := media_kind(name)))


def unsupported_error(where: str, media: Counter[str]) -> InputError:
    """The error for a competition whose data is images, audio or other non-tabular files."""
    kinds = ", ".join(f"{n:,} {kind}" for kind, n in media.most_common())
    return InputError(
        f"{where} holds {kinds} files and no tabular train/test: image, audio and other "
        "non-tabular competitions are not supported yet.", hint=SUPPORTED)


def looks_non_tabular(names: list[str]) -> Counter[str] | None:
    """Media counts when a file list has media and no test table (checked before a download)."""
    media = media_counts(names)
    tests = [n for n in names if is_table_name(n) and "test" in PurePosixPath(n).name.lower()]
    return media if media and not tests else None
