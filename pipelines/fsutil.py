"""Small file-system helpers shared by the landing catalog, the warehouse and the promotion of outputs."""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path


def fsync_dir(folder: Path) -> None:
    """Make the renames in `folder` durable (best effort: not every file system can fsync a directory)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def is_real_dir(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def remove_path(path: Path) -> None:
    """Remove a folder tree, or a file or symlink (never following it); errors are ignored."""
    if is_real_dir(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except OSError:
            pass


def with_path(error: OSError, path) -> OSError:
    """`error`, naming `path` if it names no file itself (a failing write or fsync on an open file)."""
    if error.filename is not None or error.errno is None:
        return error
    return OSError(error.errno, error.strerror or os.strerror(error.errno), str(path))


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in blocks (hashlib.file_digest): the one file hash of the platform."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
