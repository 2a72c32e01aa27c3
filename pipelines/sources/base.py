"""The contract every source parser follows: a published file in, a tidy DataFrame out.

A parser reads the file exactly as the agency publishes it (encoding, separators,
wide month columns, compression) and returns a long DataFrame whose code columns
are text. Anything unexpected raises SourceFormatError naming the file, the line,
the column and what was expected, so the message reaches the user as one line.

Every text file is read through `read_published_bytes` (and its CSV form `read_text_csv`): a UTF-8
byte-order mark (as Excel writes it) is accepted and dropped for every source, and LF, CRLF and
CR-only line ends read alike. Inside `line_limit` (every load of a source), a file with more lines than its
source's suite allows is refused before it is parsed, so the parse and the checks stay bounded. Row checks do not stop at the first bad row: a parser collects every
failing row of every rule in a `Problems` and raises one SourceFormatError listing each rule with
its lines (the first MAX_LINES_PER_PROBLEM, and how many more), in the file's own column names and
line numbers.
"""
from __future__ import annotations

import bz2
import csv
import gzip
import io
import re
import sys
import zlib
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import pandas as pd

MAX_LINES_PER_PROBLEM = 20
PROGRESS_LINES = 1_000_000  # a file of at least this many lines says so before it is parsed
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _plain(value: object) -> object:
    return value.item() if hasattr(value, "item") else value


@dataclass(frozen=True)
class Problem:
    """One rule that failed: what was expected, in which column (the file's own name), on which lines
    (the first MAX_LINES_PER_PROBLEM, in file order), what was found there, and on how many lines in all."""

    expected: str
    column: str | None = None
    lines: tuple[int, ...] = ()
    found: tuple[str, ...] = ()   # rendered values (repr), one per line shown; empty when not meaningful
    count: int = 0                # lines failing in all (0: the rule is about the whole file)
    unit: str = "line"            # what `lines` count: file lines, or e.g. GeoJSON features

    @property
    def line(self) -> int | None:
        return self.lines[0] if self.lines and self.unit == "line" else None

    @property
    def where(self) -> str:
        parts = []
        if self.lines:
            parts.append(f"{self.unit}{'s' if len(self.lines) > 1 else ''} " + ", ".join(str(n) for n in self.lines))
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)

    @property
    def text(self) -> str:
        text = self.expected
        if self.found:
            shown = self.found if len(set(self.found)) > 1 else self.found[:1]
            text += ", found " + ", ".join(shown)
        more = self.count - len(self.lines)
        if self.lines and more > 0:
            text += f" (and {more} more {self.unit}{'s' if more > 1 else ''})"
        return text

    def __str__(self) -> str:
        return f"{self.where}: {self.text}" if self.where else self.text


class SourceFormatError(ValueError):
    """A landing file does not have the published format it claims to have.

    One problem: "<file>, line 41, column 'Marzo': expected …, found '-3'" (as before). Several:
    "<file>: 2 problems: line 41, column 'Marzo': …; line 77, column 'Clave_Ent': … (and 4 more lines)".
    `line`, `column` and `expected` are those of the first problem in file order; `problems` lists all.
    """

    def __init__(self, file: str | Path, expected: str | None = None, line: int | None = None,
                 column: str | None = None, problems: Iterable[Problem] | None = None):
        if problems is None:
            problems = [Problem(expected or "", column, (line,) if line is not None else (), (), 1 if line is not None else 0)]
        # file order: problems with lines by their first line (ties keep the parser's rule order), then the others
        self.problems = sorted(problems, key=lambda p: (not p.lines, p.lines[0] if p.lines else 0))
        self.file = str(file)
        first = self.problems[0]
        self.line, self.column, self.expected = first.line, first.column, first.text
        name = Path(self.file).name
        if len(self.problems) == 1:
            message = f"{name}, {first.where}: {first.text}" if first.where else f"{name}: {first.text}"
        else:
            message = f"{name}: {len(self.problems)} problems: " + "; ".join(str(p) for p in self.problems)
        super().__init__(message)

    def __reduce__(self):
        return (SourceFormatError, (self.file, None, None, None, tuple(self.problems)))


class Problems:
    """Every failing row of every rule of one file, raised together as one SourceFormatError.

    `lines` gives the file line of each row of the frame being checked (see `read_text_csv`); rules on
    another frame (a wide file reshaped long) pass the lines they carried along.
    """

    def __init__(self, file: str | Path, lines: np.ndarray | None = None, unit: str = "line"):
        self.file = file
        self.lines = None if lines is None else np.asarray(lines)
        self.unit = unit
        self.found: list[Problem] = []

    def __bool__(self) -> bool:
        return bool(self.found)

    def add(self, expected: str, column: str | None = None, line: int | None = None, found: str | None = None) -> None:
        """A rule failing once (or for the whole file, without a line)."""
        self.found.append(Problem(expected, column, (int(line),) if line is not None else (),
                                  (found,) if found is not None else (), 1 if line is not None else 0, self.unit))

    def rows(self, bad, column: str | None, expected: str, values=None, lines=None, found=None) -> bool:
        """The rule `expected` fails on the rows where `bad` is true: record their lines (`lines`, else this
        file's row lines) and what was found (`values` rendered with repr, or `found` already rendered)."""
        mask = pd.Series(bad).to_numpy(dtype=bool, na_value=False) if not isinstance(bad, np.ndarray) else bad.astype(bool)
        positions = np.flatnonzero(mask)
        if not len(positions):
            return False
        line_of = self.lines if lines is None else np.asarray(lines)
        numbers = positions + 2 if line_of is None else line_of[positions].astype("int64")
        order = np.argsort(numbers, kind="stable")[:MAX_LINES_PER_PROBLEM]
        shown = positions[order]
        rendered: tuple[str, ...] = ()
        if found is not None:
            found = found.to_numpy(dtype=object) if isinstance(found, pd.Series) else np.asarray(found, dtype=object)
            rendered = tuple(str(found[i]) for i in shown)
        elif values is not None:
            values = values.to_numpy(dtype=object) if isinstance(values, pd.Series) else np.asarray(values, dtype=object)
            rendered = tuple(repr(_plain(values[i])) for i in shown)
        self.found.append(Problem(expected, column, tuple(int(n) for n in numbers[order]), rendered, len(positions),
                                  self.unit))
        return True

    def duplicates(self, frame: pd.DataFrame, key: list[str], column: str | None, expected: str,
                   valid=None, lines=None) -> pd.Series:
        """Rows repeating the key of an earlier row (among `valid` rows), each reported as 'a repeat of line N'."""
        line_of = self.lines if lines is None else np.asarray(lines)
        if line_of is None:
            line_of = np.arange(2, len(frame) + 2)
        keep = np.ones(len(frame), dtype=bool) if valid is None else pd.Series(valid).to_numpy(dtype=bool, na_value=False)
        group = frame[key].groupby(key, sort=False, dropna=False, observed=True).ngroup().to_numpy()
        group = np.where(keep, group, -1 - np.arange(len(frame)))  # invalid rows repeat nothing
        first = pd.Series(np.arange(len(frame))).groupby(group).transform("min").to_numpy()
        dup = first != np.arange(len(frame))
        found = np.empty(len(frame), dtype=object)
        for i in np.flatnonzero(dup):
            found[i] = f"a repeat of line {line_of[first[i]]}"
        self.rows(dup, column, expected, lines=line_of, found=found)
        return pd.Series(dup, index=frame.index)

    def check(self) -> None:
        """Raise one SourceFormatError with every problem found so far, if any."""
        if self.found:
            raise SourceFormatError(self.file, problems=self.found)


@dataclass(frozen=True)
class SourceSpec:
    """One raw table: which landing files feed it and how they are parsed.

    `files` are paths relative to the data directory. `parse` turns one file into
    rows; the rows of all files are concatenated into raw.<name>.

    `title`, `publisher` and `licence` are in English; `title_es`, `publisher_es` and `licence_es` are the same in
    natural Mexican Spanish, for the site's Spanish pages (`licence_es` empty: the licence is a name, the same in
    both languages). `names_en` are the English proper names (agencies, datasets, licences) the Spanish texts keep
    in English: the Spanish pages mark them lang="en". `texts` gives the three as {en, es}.
    """

    name: str
    family: str
    title: str
    files: tuple[str, ...]
    parse: Callable[[Path], pd.DataFrame]
    key: tuple[str, ...] = ()
    publisher: str = ""
    licence: str = ""
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    url: str = ""        # the publisher's page for this data (shown as the publisher's link on the site's Data page)
    retrieved: str = ""  # ISO date of the published version held here (the origin's commit or release date, SOURCE.md)
    title_es: str = ""
    publisher_es: str = ""
    licence_es: str = ""
    names_en: tuple[str, ...] = ()

    def texts(self) -> dict[str, dict[str, str]]:
        """{"title": {"en": …, "es": …}, "publisher": …, "licence": …}: what the site shows in each language."""
        return {"title": {"en": self.title, "es": self.title_es or self.title},
                "publisher": {"en": self.publisher, "es": self.publisher_es or self.publisher},
                "licence": {"en": self.licence, "es": self.licence_es or self.licence}}


@dataclass(frozen=True)
class LineLimit:
    """The most lines the file `path` of `table` may have before it is parsed, and the rule that sets it (see
    pipelines/warehouse.line_limit_of). Other files a parser reads (reference catalogues) are not limited."""

    table: str
    path: Path
    lines: int
    rule: str


_LINE_LIMIT: ContextVar[LineLimit | None] = ContextVar("line_limit", default=None)


@contextmanager
def line_limit(limit: LineLimit | None):
    """Files read with `read_published_bytes` inside this block are refused, before they are parsed, when they
    have more than `limit.lines` lines; one of at least PROGRESS_LINES lines prints that it is being parsed."""
    token = _LINE_LIMIT.set(limit)
    try:
        yield
    finally:
        _LINE_LIMIT.reset(token)


def _read_limited(path: Path, compression: str | None, expected: str, limit: LineLimit) -> bytes:
    """The decompressed content of `path`, read a block at a time and refused as soon as it has more than
    `limit.lines` lines (a file far too long costs the reading of its first `limit.lines` lines only)."""
    if compression == "infer":
        compression = {".gz": "gzip", ".bz2": "bz2"}.get(path.suffix.lower())
    opener = {"gzip": gzip.open, "bz2": bz2.open}.get(compression, open)
    blocks, lines = [], 0
    try:
        with opener(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 22), b""):
                lines += block.count(b"\n")
                if lines > limit.lines:
                    raise SourceFormatError(path, f"at most {limit.lines:,} lines ({limit.rule}); found more "
                                            f"(over {lines:,} lines in its first {sum(map(len, blocks)) + len(block):,} bytes)")
                blocks.append(block)
    except (OSError, EOFError, zlib.error, ValueError) as error:
        if isinstance(error, SourceFormatError):
            raise
        raise SourceFormatError(path, f"{expected}: {error}") from None
    data = b"".join(blocks)
    del blocks
    if lines >= PROGRESS_LINES:
        print(f"{limit.table}: parsing {lines:,} lines of {path.name}…", file=sys.stderr, flush=True)
    return data


def published_encoding(head: bytes, file: str | Path, encoding: str) -> tuple[int, str]:
    """(bytes to skip, encoding to decode with) for a text file starting with `head` published in `encoding`:
    a UTF-8 byte-order mark is skipped and means UTF-8, whatever the published encoding (Excel's "CSV UTF-8"
    writes one); a UTF-16 one is refused. Shared by the parsers and the landing header check."""
    if head.startswith(UTF8_BOM):
        return len(UTF8_BOM), "utf-8"
    if head.startswith(UTF16_BOMS):
        raise SourceFormatError(file, f"{encoding} text (found a UTF-16 byte-order mark)", line=1)
    return 0, encoding


def _is_latin1(encoding: str) -> bool:
    return encoding.lower().replace("_", "-") in ("latin-1", "latin1", "iso-8859-1", "iso8859-1", "cp1252")


def _decompress(path: Path, data: bytes, compression: str | None, expected: str) -> bytes:
    if compression == "infer":
        compression = {".gz": "gzip", ".bz2": "bz2"}.get(path.suffix.lower())
    try:
        if compression == "gzip":
            return gzip.decompress(data)
        if compression == "bz2":
            return bz2.decompress(data)
    except (OSError, EOFError, zlib.error, ValueError) as error:
        raise SourceFormatError(path, f"{expected}: {error}") from None
    return data


def read_published_bytes(path: str | Path, encoding: str = "utf-8", compression: str | None = "infer",
                         expected: str = "expected a text file") -> tuple[bytes, str]:
    """The content of a published text file, ready to decode: decompressed (gzip/bz2 by file name), without a
    UTF-8 byte-order mark, with line ends LF whether the file has LF, CRLF or (CDC WONDER) CR only. Returns it
    with the encoding to decode it with: `encoding`, or UTF-8 when the file starts with a byte-order mark. A
    file published in latin-1 that arrives as UTF-8 without a mark (a silent re-save) is refused."""
    path = Path(path)
    limit = _LINE_LIMIT.get()
    if limit is not None and path.resolve() == Path(limit.path).resolve():
        data = _read_limited(path, compression, expected, limit)
    else:
        data = _decompress(path, path.read_bytes(), compression, expected)
    skip, encoding = published_encoding(data[:4], path, encoding)
    if skip:
        data = data[skip:]
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n") if b"\n" in data else data.replace(b"\r", b"\n")
    if not skip and _is_latin1(encoding) and not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            at = re.search(rb"[\x80-\xff]", data).start()
            raise SourceFormatError(path, f"{encoding} text as published, found UTF-8 without a byte-order mark "
                                    "(a re-save: keep the published file, or save it as UTF-8 with a BOM)",
                                    line=data.count(b"\n", 0, at) + 1)
    return data, encoding


def read_published_text(path: str | Path, encoding: str = "utf-8", compression: str | None = "infer",
                        expected: str = "expected a text file") -> str:
    """`read_published_bytes` decoded; a byte that is not `encoding` is refused with its line."""
    data, encoding = read_published_bytes(path, encoding, compression, expected)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise _decode_error(Path(path), data, encoding, expected, error) from None


def _decode_error(path: Path, data: bytes, encoding: str, expected: str,
                  error: UnicodeDecodeError | None = None) -> SourceFormatError:
    if error is None or error.object is not data:
        try:
            data.decode(encoding)
        except UnicodeDecodeError as exact:
            error = exact
    if error is None:
        return SourceFormatError(path, f"{expected}: not {encoding} text")
    at = error.start
    return SourceFormatError(path, f"{expected}: byte {data[at:at + 1]!r} is not {encoding} text ({error.reason})",
                             line=data.count(b"\n", 0, at) + 1)


def record_lines(data: bytes, encoding: str, rows: int, sep: str = ",", header_lines: int = 1) -> np.ndarray:
    """The file line on which each of `rows` CSV records starts (after `header_lines` header records).

    One line per record (the usual case) is recognised by counting line ends; records spanning several
    lines (quoted line breaks) or blank lines (skipped by pandas) are found with the csv module."""
    physical = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    if physical == rows + header_lines:
        return np.arange(header_lines + 1, header_lines + 1 + rows, dtype="int64")
    reader = csv.reader(io.StringIO(data.decode(encoding), newline=""), delimiter=sep)
    starts, previous = [], 0
    for record in reader:
        if record:  # the csv module yields [] for a blank line, which pandas skips
            starts.append(previous + 1)
        previous = reader.line_num
    starts = starts[header_lines:]
    if len(starts) != rows:  # not the records pandas saw: fall back to counting records
        return np.arange(header_lines + 1, header_lines + 1 + rows, dtype="int64")
    return np.asarray(starts, dtype="int64")


def read_text_csv(path: str | Path, expected: str, encoding: str = "utf-8", sep: str = ",",
                  compression: str | None = "infer", dtype: object = str, **options) -> tuple[pd.DataFrame, np.ndarray]:
    """Every field as text, exactly as written (an empty cell is ""), read with `read_published_bytes`, and the
    file line of every row. A file that cannot be decoded or split is refused as "<expected>: <reason>"."""
    path = Path(path)
    data, encoding = read_published_bytes(path, encoding, compression, expected)
    try:
        frame = pd.read_csv(io.BytesIO(data), sep=sep, dtype=dtype, keep_default_na=False, encoding=encoding, **options)
    except UnicodeDecodeError as error:
        raise _decode_error(path, data, encoding, expected, error) from None
    except pd.errors.EmptyDataError:
        raise SourceFormatError(path, f"{expected}: the file is empty", line=1) from None
    except pd.errors.ParserError as error:
        raise SourceFormatError(path, f"{expected}: {error}") from None
    header_lines = 0 if options.get("header", "infer") is None else 1
    return frame, record_lines(data, encoding, len(frame), sep, header_lines)


def per_distinct(series: pd.Series, function: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """`function` (element-wise, vectorised) applied to a column; for a categorical column it runs once per
    distinct value and is spread back to the rows, which is what makes the million-row files with a few
    dozen labels per column cheap to check. The result is a plain (non-categorical) Series."""
    if not isinstance(series.dtype, pd.CategoricalDtype):
        return function(series)
    # The files are read with keep_default_na=False, so there are no missing cells (code -1).
    distinct = function(pd.Series(series.cat.categories, dtype=object)).to_numpy()
    return pd.Series(distinct[series.cat.codes.to_numpy()], index=series.index)


def extra_columns_message(published: int, extra: list[str]) -> str:
    """How an extra column is refused, by the header check and by every parser alike."""
    names = ", ".join(repr(c) for c in extra)
    return f"{published} columns as published; found extra column{'s' if len(extra) > 1 else ''} {names}"


def require_columns(frame: pd.DataFrame, expected: list[str], file: Path, line: int = 1,
                    optional: Iterable[str] = ()) -> None:
    """Refuse a header that lacks a published column or has one that is not published (`optional`
    columns may be absent): every missing and every extra column is named, at line `line`.

    The file's own header is shown only when its first field is a published column name, as in
    landing.check_header: a file that is not the published kind (a key or credentials file given by
    mistake) is described by its number of fields, never echoed into the terminal, logs and outcome files."""
    found = [str(c) for c in frame.columns]
    missing = [c for c in expected if c not in frame.columns and c not in optional]
    known = set(expected)
    extra = [c for c in found if c not in known]
    evidently_published = bool(found) and found[0] in known
    problems = []
    if missing:
        seen = f"found {found}" if evidently_published else \
            f"found a header of {len(found)} field{'s' if len(found) != 1 else ''} whose first is not a published column"
        problems.append(Problem(
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(repr(c) for c in missing)}; "
            f"expected header {expected}, {seen}", missing[0], (line,), (), 1))
    if extra and evidently_published:
        problems.append(Problem(extra_columns_message(len(expected), extra), extra[0], (line,), (), 1))
    elif extra and not missing:
        problems.append(Problem(f"{len(expected)} columns as published; found {len(extra)} other column"
                                f"{'s' if len(extra) > 1 else ''}", None, (line,), (), 1))
    if problems:
        raise SourceFormatError(file, problems=problems)


def whole_numbers(series: pd.Series, allow_blank: bool = False) -> tuple[pd.Series, pd.Series]:
    """(numbers, bad): a column of non-negative whole counts written '3' or '3.0'; `bad` marks text,
    fractions, negatives (and blanks unless `allow_blank`, which read as missing)."""
    values = per_distinct(series, lambda v: pd.to_numeric(v, errors="coerce"))
    blank = per_distinct(series, lambda v: v.astype(str).str.strip() == "").astype(bool)
    bad = (values.isna() & ~(blank & allow_blank)) | (values < 0) | (values.notna() & (values != values.round()))
    return values, bad


def to_count(series: pd.Series, problems: Problems, column: str, lines=None, allow_blank: bool = True) -> pd.Series:
    """Parse a column of non-negative whole counts (blank = missing, if `allow_blank`); text and fractions
    ("expected a whole number") and negatives ("expected a non-negative count") are recorded in `problems`
    with every line."""
    values = per_distinct(series, lambda v: pd.to_numeric(v, errors="coerce"))
    blank = per_distinct(series, lambda v: v.isna() | (v.astype(str).str.strip() == "")).astype(bool)
    problems.rows((values.isna() & ~(blank & allow_blank)) | (values.notna() & (values != values.round())), column,
                  "expected a whole number", series, lines)
    problems.rows(values < 0, column, "expected a non-negative count", series, lines)
    return values
