"""Read Kaggle tables fast: CSV (sniffed delimiter, encoding, decimal mark), .gz, .zip, parquet.

The scan uses pyarrow's multithreaded CSV reader; pandas only sees the finished table. Options
mirror pandas' defaults (the same null spellings), so what the profile reports is what plain
``pd.read_csv`` in the generated code will see. The profile records each file's dialect
(``FileProfile.read_spec``): the generated code reads it the same way (``config.yaml``'s ``read:``).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from autokaggle.errors import InputError
from autokaggle.profile.kinds import TABLE_SUFFIXES

_DELIMITERS = ",;\t|"
_HEAD_BYTES = 1 << 16
_BLOCK_SIZE = 1 << 24
_COMMA_DECIMAL = re.compile(r"^-?\d+,\d+$")
_DOT_DECIMAL = re.compile(r"^-?\d*\.\d+$")


@dataclass(frozen=True)
class CsvDialect:
    """How a delimited file is written: its delimiter, text encoding and decimal mark."""

    delimiter: str = ","
    encoding: str = "utf-8"
    decimal: str = "."


def is_table_file(path: Path) -> bool:
    """Whether the file name looks like a table this reader understands."""
    name = path.name.lower()
    return path.is_file() and name.endswith(TABLE_SUFFIXES)


def is_parquet(path: Path) -> bool:
    """Whether the file is parquet (by suffix)."""
    return path.name.lower().endswith((".parquet", ".pq"))


def _open_raw(path: Path) -> IO[bytes]:
    """A binary stream of the (decompressed) file; a .zip must hold exactly one table."""
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if name.endswith(".zip"):
        archive = zipfile.ZipFile(path)
        members = _table_members(archive)
        if len(members) != 1:
            raise InputError(
                f"{path.name} holds {len(members)} files; expected exactly one table.",
                hint=f"Unzip it into {path.parent} and run again.",
            )
        return archive.open(members[0])
    return open(path, "rb")  # noqa: SIM115 - the caller closes it


def _table_members(archive: zipfile.ZipFile) -> list[str]:
    """The archive's files, without folder entries and macOS resource forks."""
    return [m for m in archive.namelist() if not m.endswith("/") and "__MACOSX" not in m]


def zip_member(path: Path) -> str | None:
    """The table inside a .zip that also holds folders or __MACOSX entries (pandas needs its name)."""
    if not path.name.lower().endswith(".zip"):
        return None
    with zipfile.ZipFile(path) as archive:
        names, members = archive.namelist(), _table_members(archive)
    return members[0] if len(names) > 1 and len(members) == 1 else None


def _head(path: Path) -> bytes:
    with _open_raw(path) as stream:
        return stream.read(_HEAD_BYTES)


def _decode_head(head: bytes) -> tuple[str, str]:
    """The head as text and the encoding that decodes it (utf-16 by its BOM, utf-8, else latin-1)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return codecs.getincrementaldecoder("utf-16")(errors="replace").decode(head), "utf-16"
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8):]
    try:
        # A multi-byte character may be cut at the end of the head: ignore only that tail.
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return text, "utf-8"
    except UnicodeDecodeError:
        return head.decode("latin-1"), "latin-1"


def _sniff_delimiter(text: str) -> str:
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines[:20]), delimiters=_DELIMITERS).delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in _DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _sniff_decimal(text: str, delimiter: str) -> str:
    """The decimal mark: "," when numbers read 1,5 in a file not split on commas, else "."."""
    if delimiter == ",":
        return "."
    lines = text.splitlines()[1:200]
    cells = [c.strip().strip('"') for row in csv.reader(lines, delimiter=delimiter) for c in row]
    comma = sum(bool(_COMMA_DECIMAL.match(c)) for c in cells)
    dot = sum(bool(_DOT_DECIMAL.match(c)) for c in cells)
    return "," if comma and not dot else "."


def sniff_dialect(path: Path) -> CsvDialect:
    """The delimiter, encoding and decimal mark of a delimited file, from its first 64 KiB."""
    if is_parquet(path):
        return CsvDialect()
    text, encoding = _decode_head(_head(path))
    header = text.splitlines()[0] if text else ""
    # The header decides between candidates the sniffer may confuse (e.g. ',' inside quotes).
    delimiter = _sniff_delimiter(text)
    if header and header.count(delimiter) == 0 and header.count(",") > 0:
        delimiter = ","
    return CsvDialect(delimiter, encoding, _sniff_decimal(text, delimiter))


def _convert_options(
    columns: list[str] | None, as_strings: bool, names: list[str] | None, decimal: str
) -> pacsv.ConvertOptions:
    opts = pacsv.ConvertOptions(include_columns=columns or [], strings_can_be_null=True,
                                decimal_point=decimal)
    if as_strings:
        wanted = columns or names or []
        opts.column_types = {c: pa.string() for c in wanted}
    return opts


def _header_names(path: Path, dialect: CsvDialect) -> list[str]:
    """The column names in the file's first line."""
    text, _ = _decode_head(_head(path))
    first = text.splitlines()[0] if text else ""
    return next(csv.reader([first], delimiter=dialect.delimiter), [])


def header_names(path: Path) -> list[str]:
    """A table's column names, from its schema or its first line (nothing else is read)."""
    if is_parquet(path):
        return list(pq.read_schema(path).names)
    return _header_names(path, sniff_dialect(path))


def _empty_error(path: Path) -> InputError:
    return InputError(f"{path.name} is empty: it holds no header and no rows.",
                      hint=f"Replace {path} with the complete file (download it again if it "
                           "came from Kaggle).")


def check_header(path: Path, names: list[str]) -> None:
    """InputError when a table repeats a column name (pandas would rename it, Arrow would not)."""
    seen = [n for i, n in enumerate(names) if n in names[:i]]
    if seen:
        raise InputError(
            f"{path.name} repeats the column name(s) {', '.join(repr(n) for n in dict.fromkeys(seen))}.",
            hint=f"Rename the repeated columns in the header of {path} so each name is unique.")


def read_arrow(
    path: Path, columns: list[str] | None = None, as_strings: bool = False
) -> pa.Table:
    """Read a table into Arrow (the fast path the profiler uses)."""
    if not path.exists():
        raise InputError(f"Data file not found: {path}")
    if path.stat().st_size == 0:
        raise _empty_error(path)
    if is_parquet(path):
        return _read_parquet(path, columns, as_strings)
    dialect = sniff_dialect(path)
    header = _header_names(path, dialect)
    check_header(path, header)
    read = pacsv.ReadOptions(encoding=dialect.encoding, block_size=_BLOCK_SIZE)
    convert = _convert_options(columns, as_strings, header if as_strings and not columns else None,
                               dialect.decimal)
    try:
        return _arrow_csv(path, read, dialect.delimiter, convert)
    except (pa.ArrowInvalid, KeyError) as exc:
        if "Empty CSV file" in str(exc):
            raise _empty_error(path) from None
        return _read_with_pandas(path, dialect, columns, as_strings, exc)


def _read_parquet(path: Path, columns: list[str] | None, as_strings: bool) -> pa.Table:
    try:
        table = pq.read_table(path, columns=columns)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"Cannot read {path.name} as parquet: {exc}",
                         hint=f"Check that {path} is a complete parquet file.") from None
    check_header(path, table.column_names)
    return _cast_strings(table) if as_strings else table


def _arrow_csv(
    path: Path, read: pacsv.ReadOptions, delimiter: str, convert: pacsv.ConvertOptions
) -> pa.Table:
    """Arrow's parallel reader; quoted newlines (rare, slower to parse) only on a second try."""
    for newlines in (False, True):
        parse = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=newlines)
        try:
            # Arrow opens plain and .gz files natively (no GIL); a .zip goes through Python.
            if path.name.lower().endswith(".zip"):
                with _open_raw(path) as stream:
                    return pacsv.read_csv(stream, read_options=read, parse_options=parse,
                                          convert_options=convert)
            return pacsv.read_csv(str(path), read_options=read, parse_options=parse,
                                  convert_options=convert)
        except pa.ArrowInvalid:
            if newlines:
                raise
    raise AssertionError("unreachable")


def _read_with_pandas(
    path: Path, dialect: CsvDialect, columns: list[str] | None, as_strings: bool,
    cause: Exception,
) -> pa.Table:
    """Slow but forgiving fallback for files Arrow rejects (ragged rows, odd quoting)."""
    try:
        frame = pd.read_csv(
            path, sep=dialect.delimiter, encoding=dialect.encoding, usecols=columns,
            dtype=str if as_strings else None, encoding_errors="replace", decimal=dialect.decimal,
        )
    except (ValueError, pd.errors.ParserError) as exc:
        raise InputError(f"Cannot read {path.name}: {exc}", hint=f"Arrow said: {cause}") from exc
    return pa.Table.from_pandas(frame, preserve_index=False)


def _as_text(column: pa.ChunkedArray) -> pa.ChunkedArray | pa.Array:
    """Values as Python prints them (True, 1.0), the spelling pandas writes to CSV."""
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return column
    return pa.array([None if v is None else str(v) for v in column.to_pylist()], pa.string())


def _cast_strings(table: pa.Table) -> pa.Table:
    return pa.table({name: _as_text(table[name]) for name in table.column_names})


def read_table(path: Path, columns: list[str] | None = None, as_strings: bool = False) -> pd.DataFrame:
    """Read a Kaggle table into pandas; ``as_strings`` keeps values exactly as written."""
    table = read_arrow(Path(path), columns=columns, as_strings=as_strings)
    return table.to_pandas()


def read_csv_frame(path: Path, **kwargs: Any) -> pd.DataFrame:
    """``pd.read_csv(path, **kwargs)`` with pyarrow's multithreaded parser (3-7 times faster
    on a million rows), or pandas' own where pyarrow refuses the file: a malformed file then
    reads, or fails, with pandas' leniency and messages (pyarrow rejects a short row that
    pandas fills with empty cells)."""
    try:
        return pd.read_csv(path, engine="pyarrow", **kwargs)
    except ValueError:  # pyarrow's ArrowInvalid, and pandas' errors of either engine
        return pd.read_csv(path, **kwargs)


def pandas_read_kwargs(path: Path) -> dict[str, str]:
    """The ``pd.read_csv`` keyword arguments that reproduce this reader (empty when defaults do)."""
    if is_parquet(path):
        return {}
    dialect = sniff_dialect(path)
    kwargs: dict[str, str] = {}
    if dialect.delimiter != ",":
        kwargs["sep"] = dialect.delimiter
    if dialect.encoding != "utf-8":
        kwargs["encoding"] = dialect.encoding
    if dialect.decimal != ".":
        kwargs["decimal"] = dialect.decimal
    return kwargs



_OBJECT_BYTES = 56  # a pandas object cell: the pointer plus a small Python str


def pandas_bytes(table: pa.Table) -> int:
    """About how many bytes the table takes once pandas reads it (strings become objects)."""
    total = 0
    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            total += column.nbytes + _OBJECT_BYTES * len(column)
        else:
            total += 8 * len(column)
    return total


# A date that may put the day first ("13.01.2013"), and how many distinct dates tell which;
# the generated code holds the same two (a test keeps them equal).
DAY_MONTH = r"^\s*(\d{1,2})[-/.](\d{1,2})[-/.]\d{2,4}"
DATES_SEEN = 20_000


def day_first(values: pd.Series) -> bool:
    """Whether dates such as "13.01.2013" put the day first: a first number above 12, and
    never a second one (the generated code decides the same way)."""
    distinct = pd.Series(values.dropna().unique()[:DATES_SEEN]).astype(str)
    numbers = distinct.str.extract(DAY_MONTH).dropna().astype(int)
    return bool((numbers[0] > 12).any() and not (numbers[1] > 12).any())


def parse_times(values: pd.Series) -> pd.Series:
    """Timestamps of any spelling, in UTC (naive ones read as UTC; mixed zones on one clock;
    "02.01.2013" is the 2nd of January where the column's dates put the day first)."""
    return pd.to_datetime(values, errors="coerce", format="mixed", utc=True,
                          dayfirst=day_first(values))
