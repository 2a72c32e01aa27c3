"""The landing store: every file the pipeline reads is first kept exactly as received.

Files are content-addressed: ``<build>/landing/<sha256>/<original name>``. A stored file is
never overwritten or modified (a second copy of the same bytes is the same entry), so whatever
a later run or a bad file does, the bytes behind every loaded row can be found again by the
SHA-256 recorded in ``raw._landing_files``. Parsers read the stored copy, not the original.

Before a compressed file is handed to a parser it is screened here: a gzip/bzip2 file whose
decompressed size exceeds a cap, or whose compression ratio is that of a decompression bomb, is
refused with a :class:`~pipelines.sources.base.SourceFormatError` naming the file. The verdict
is remembered next to the stored copy, so each content is decompressed for screening once.
"""
from __future__ import annotations

import bz2
import hashlib
import os
import shutil
import stat
import struct
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from .sources.base import SourceFormatError

# Largest decompressed size accepted (the largest real file, SESNSP victims, is 133 MB).
MAX_DECOMPRESSED_BYTES = int(os.environ.get("BICENTENNIAL_MAX_DECOMPRESSED_BYTES", 512 << 20))
# Largest plain file accepted.
MAX_FILE_BYTES = int(os.environ.get("BICENTENNIAL_MAX_FILE_BYTES", 1 << 30))
# Text data compresses 5-70x (gargiulo 7x, SESNSP victims bz2 65x); bombs of zeros 200-1,000x (gzip) and far more (bzip2).
MAX_RATIO = 120
RATIO_GRACE_BYTES = 16 << 20  # the ratio is judged once this much has been decompressed
GZIP_MAGIC, BZ2_MAGIC = b"\x1f\x8b", b"BZh"
VERIFIED = ".screened"


@dataclass(frozen=True)
class StoredFile:
    name: str
    sha256: str
    size_bytes: int
    path: Path
    created: bool = field(default=False, compare=False)  # this call put the content in the store


def landing_dir(build_dir: Path | None = None) -> Path:
    """BICENTENNIAL_LANDING_DIR, else <build dir>/landing (`bicentennial run` points a run's staging
    build at the real build's store, so the store outlives failed runs)."""
    if os.environ.get("BICENTENNIAL_LANDING_DIR"):
        return Path(os.environ["BICENTENNIAL_LANDING_DIR"]).resolve()
    if build_dir is None:
        from .settings import settings_from_env

        build_dir = settings_from_env().build_dir
    return Path(build_dir) / "landing"


def sha256_and_size(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def unusable_reason(path: Path) -> str | None:
    """Why `path` cannot be received as a landing file, in a few words ("is a directory", "no such file",
    "is not a regular file (a character device)", "permission denied"), or None. A device or pipe is never
    opened (reading /dev/zero or a FIFO would not end)."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "no such file" + (" (a broken symbolic link)" if path.is_symlink() else "")
    except PermissionError:
        return "permission denied (its folder cannot be read)"
    except OSError as error:
        return f"cannot be read ({error.strerror or type(error).__name__})"
    if stat.S_ISDIR(mode):
        return "is a directory"
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                                             (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket")) if test(mode)),
                    "not a file")
        return f"is not a regular file ({kind})"
    try:
        with open(path, "rb"):
            pass
    except PermissionError:
        return "permission denied"
    except OSError as error:
        return f"cannot be read ({error.strerror or type(error).__name__})"
    return None


def stored_mode(mode: int) -> int:
    """The permission bits of a stored copy: read-only, and readable by no one the original did not allow
    (a file received with mode 0600 is kept 0400, one with 0644 is kept 0444); the owner can always read."""
    return (stat.S_IMODE(mode) & 0o444) | stat.S_IRUSR


def store(source: Path, root: Path | None = None) -> StoredFile:
    """Copy `source` into the landing store `root` (default landing_dir()) unless its content is
    there already, and return the stored copy (`created`: this call stored it)."""
    source = Path(source)
    reason = unusable_reason(source)
    if reason is not None and reason.startswith("no such file"):
        raise SourceFormatError(source, f"an existing landing file; {source} does not exist (not found)")
    if reason is not None:
        raise SourceFormatError(source, f"a landing file; {source} {reason}")
    size = source.stat().st_size
    if size > MAX_FILE_BYTES:
        raise SourceFormatError(source, f"a file of at most {MAX_FILE_BYTES:,} bytes, found {size:,} bytes")
    sha, size = sha256_and_size(source)
    folder = Path(root or landing_dir()) / sha
    target = folder / source.name
    created = False
    if not target.exists():
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".incoming-", dir=folder)  # created 0600
        os.close(handle)
        try:
            shutil.copyfile(source, temporary)
            if sha256_and_size(Path(temporary))[0] != sha:
                raise SourceFormatError(source, "a file that does not change while it is being copied")
            os.chmod(temporary, stored_mode(source.stat().st_mode))
            os.link(temporary, target)  # fails if another process stored it first: never overwrite
            created = True
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    return StoredFile(source.name, sha, size, target, created)


def discard(stored: StoredFile) -> None:
    """Remove a copy this process stored (a refused file), its screening verdict, and its folder if that
    leaves it empty. The caller checks that no receipt refers to the content."""
    stored.path.unlink(missing_ok=True)
    (stored.path.parent / VERIFIED).unlink(missing_ok=True)
    try:
        stored.path.parent.rmdir()
    except OSError:
        pass  # another name for the same bytes is stored there


def compression_of(path: Path) -> str | None:
    with open(path, "rb") as handle:
        head = handle.read(3)
    if head[:2] == GZIP_MAGIC:
        return "gzip"
    if head == BZ2_MAGIC:
        return "bz2"
    return None


def screen(stored: StoredFile) -> None:
    """Refuse decompression bombs and absurd sizes before any parser opens the file."""
    marker = stored.path.parent / VERIFIED
    if marker.exists():
        return
    kind = compression_of(stored.path)
    if kind == "gzip":
        claimed = _gzip_claimed_size(stored.path)
        try:
            produced = _stream_check(stored, zlib.decompressobj(16 + zlib.MAX_WBITS), kind)
        except SourceFormatError as error:
            if "incorrect length check" not in str(error):
                raise
            raise SourceFormatError(stored.path, f"a gzip file whose recorded size matches its content: its header "
                                    f"claims {claimed:,} bytes uncompressed, the content differs") from None
        # The stream is complete and within the caps; a size record that disagrees with it (a file
        # claiming 1 GB, say) is refused too: the file is not what it says it is.
        if claimed != produced % (1 << 32):
            raise SourceFormatError(stored.path, f"a gzip file whose recorded size matches its content: its header claims "
                                    f"{claimed:,} bytes uncompressed, the content is {produced:,} bytes")
    elif kind == "bz2":
        _stream_check(stored, bz2.BZ2Decompressor(), kind)
    marker.write_text("ok\n")


def _gzip_claimed_size(path: Path) -> int:
    """ISIZE, the uncompressed size (mod 2**32) gzip records in its last four bytes."""
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        if handle.tell() < 18:
            raise SourceFormatError(path, "a complete gzip file (it is truncated)")
        handle.seek(-4, os.SEEK_END)
        return struct.unpack("<I", handle.read(4))[0]


def _stream_check(stored: StoredFile, decompressor, kind: str) -> int:
    produced = 0
    compressed_read = 0
    with open(stored.path, "rb") as handle:
        while True:
            block = handle.read(1 << 16)
            if not block:
                break
            compressed_read += len(block)
            try:
                data = decompressor.decompress(block, 1 << 22)
            except (zlib.error, OSError, EOFError, ValueError) as error:
                raise SourceFormatError(stored.path, f"a valid {kind} stream ({error})") from None
            while True:
                produced += len(data)
                if produced > MAX_DECOMPRESSED_BYTES:
                    raise SourceFormatError(stored.path, f"a {kind} file of at most {MAX_DECOMPRESSED_BYTES:,} bytes "
                                            f"uncompressed; it expands beyond that (decompression bomb)")
                if produced > RATIO_GRACE_BYTES and produced > MAX_RATIO * compressed_read:
                    raise SourceFormatError(stored.path, f"a {kind} file compressed at most {MAX_RATIO}:1; it expands "
                                            f"more than {produced // max(compressed_read, 1):,}:1 (decompression bomb)")
                if decompressor.eof or not _more_pending(decompressor):
                    break
                try:
                    data = _continue(decompressor)
                except (zlib.error, OSError, EOFError, ValueError) as error:
                    raise SourceFormatError(stored.path, f"a valid {kind} stream ({error})") from None
            if decompressor.eof:
                break
    if not decompressor.eof:
        raise SourceFormatError(stored.path, f"a complete {kind} file (it ends before the compressed stream does)")
    return produced


def _more_pending(decompressor) -> bool:
    if isinstance(decompressor, bz2.BZ2Decompressor):
        return not decompressor.needs_input
    return bool(decompressor.unconsumed_tail)


def _continue(decompressor) -> bytes:
    if isinstance(decompressor, bz2.BZ2Decompressor):
        return decompressor.decompress(b"", 1 << 22)
    return decompressor.decompress(decompressor.unconsumed_tail, 1 << 22)


def check_header(path: Path, header: dict) -> None:
    """Compare the first line of a delimited text file (compressed or not) with the published header.

    `header` = {"columns": [...], "delimiter": ",", "encoding": "utf-8"} (from the source's suite file).
    A UTF-8 byte-order mark is accepted and skipped, like every parser does (`base.published_encoding`);
    CRLF line ends are accepted. Another encoding or delimiter, a renamed, missing or extra column: one
    SourceFormatError naming line 1 and the column.
    """
    import csv
    import gzip
    import io

    from .sources.base import extra_columns_message, published_encoding

    columns = list(header["columns"])
    delimiter = header.get("delimiter", ",")
    encoding = header.get("encoding", "utf-8")
    kind = compression_of(path)
    opener = {"gzip": gzip.open, "bz2": bz2.open}.get(kind, open)
    try:
        with opener(path, "rb") as handle:
            first = handle.readline(1 << 16)
    except (OSError, EOFError, ValueError) as error:
        raise SourceFormatError(path, f"a readable {kind or 'text'} file ({error})", line=1) from None
    if not first.strip():
        raise SourceFormatError(path, f"a header line {delimiter.join(columns)!r} (the file is empty)", line=1)
    skip, encoding = published_encoding(first, path, encoding)
    first = first[skip:]
    try:
        text = first.decode(encoding)
    except UnicodeDecodeError as error:
        raise SourceFormatError(path, f"{encoding} text (byte {first[error.start:error.start + 1]!r} at position "
                                f"{error.start} of the header is not {encoding})", line=1) from None
    if "\x00" in text:
        raise SourceFormatError(path, f"{encoding} text (the header contains NUL bytes)", line=1)
    found = next(csv.reader(io.StringIO(text.rstrip("\r\n")), delimiter=delimiter))
    # The first line of a refused file is not echoed: the file may not be what it claims to be (a key or a
    # credentials file given by mistake), and the message reaches the terminal, logs and outcome files. A
    # field of the header is shown only when every column before it is the published one (the file is then
    # evidently the published kind, and a renamed or extra column name is what its reader needs to see);
    # otherwise the header is described by its number of fields and the published names.
    if len(found) == 1 and len(columns) > 1:
        raise SourceFormatError(path, f"columns separated by {delimiter!r}; the header line (of {len(text.strip()):,} "
                                f"characters) has none (another delimiter?)", line=1)
    for i, expected in enumerate(columns):
        if i >= len(found):
            raise SourceFormatError(path, f"column {i + 1} named {expected!r} (missing; the header has {len(found)} columns)",
                                    line=1, column=expected)
        if found[i] != expected:
            if expected in found:
                what = f"out of place: it is column {found.index(expected) + 1} of {len(found)}"
            else:
                what = "missing or renamed"
            if i > 0 or found[i] in columns:
                shown = f", found {found[i][:80]!r}"
            else:
                shown = (f"; its first field is not a published column name (the header has {len(found)} fields, "
                         f"the published one {len(columns)}: {', '.join(repr(c) for c in columns[:3])}"
                         f"{', …' if len(columns) > 3 else ''})")
            raise SourceFormatError(path, f"column {i + 1} named {expected!r} ({what}){shown}", line=1, column=expected)
    if len(found) > len(columns):
        raise SourceFormatError(path, extra_columns_message(len(columns), found[len(columns):]),
                                line=1, column=found[len(columns)])
