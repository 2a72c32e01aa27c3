"""The landing catalog: which stored files are a source's files now, and how each one got there.

The landing store (pipelines/landing.py) keeps every file ever received, content-addressed and never
overwritten. The catalog says which of them a source uses: one append-only receipt log per source,
``<landing>/catalog/<source>.jsonl``, one JSON line per event::

    {"command": "ingest", "file": "IDEFF_jul25.csv", "name": "IDEFF_jul25.csv", "origin": "ingested",
     "previous_sha256": "5b1e…", "received_at": "2025-12-07T10:31:02Z", "relative": "sesnsp/…/IDEFF_jul25.csv",
     "sha256": "9c0d…", "size_bytes": 1577441, "stored": "9c0d…/IDEFF_jul25.csv"}

- ``name``: the published file name the source knows the file by (its *slot*); ``file``: the name this
  version was received under (differs only after ``bicentennial ingest --replaces NAME``);
- ``command``: ``seed`` (an embedded file of data/ seen for the first time or changed there),
  ``ingest`` (``bicentennial ingest``) or ``revert`` (``bicentennial ingest --revert``, which records the
  version it restores; ``sha256`` null when it removes a file that an ingest had added);
- ``origin``: ``embedded`` (from data/) or ``ingested``; ``stored``: the copy, relative to the store;
  ``relative``: where the file sits in the source's folder layout (parsers find sibling reference files,
  such as the census catalogue, through the file's folder).

The *current* files of a source are, per name, its newest receipt; a revert restores the version before
the one it undoes (each name keeps a stack of versions: seed and ingest push, revert pops). data/ only
seeds the catalog: a declared file without a receipt is seeded, and a changed embedded file replaces
the current version only while that version is itself embedded (an ingested update stays until it is
replaced or reverted). Current files come in the order the source declares them, then added files by
name, so loads are deterministic; timestamps live only in the receipts.

Writes are appends of whole lines under an exclusive lock, fsynced. A crash can at worst leave a torn
last line (no newline): readers skip it and say so, and the next append cuts it off and says so.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from . import landing
from .fsutil import fsync_dir
from .sources.base import SourceFormatError, SourceSpec

CATALOG_FOLDER = "catalog"
VIEWS_FOLDER = ".views"
SEED, INGEST, REVERT = "seed", "ingest", "revert"
EMBEDDED, INGESTED = "embedded", "ingested"


class CatalogError(ValueError):
    """A request the catalog cannot satisfy (unknown file name, nothing to revert); one line. (A damaged log
    raises SourceFormatError naming the log and the line.)"""


@dataclass(frozen=True)
class Receipt:
    name: str
    file: str
    sha256: str | None
    size_bytes: int
    received_at: str
    command: str
    origin: str
    stored: str | None
    relative: str
    previous_sha256: str | None = None

    def line(self) -> bytes:
        return (json.dumps(asdict(self), sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")

    @classmethod
    def from_dict(cls, data: dict) -> "Receipt":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class CurrentFile:
    """A file a source uses now: its newest receipt, how many versions its name has had, and (for a
    declared file of data/ not yet receipted) the data/ path it will be stored from."""
    receipt: Receipt
    versions: int = 1
    pending: bool = False
    data_path: Path | None = None

    name = property(lambda self: self.receipt.name)
    file = property(lambda self: self.receipt.file)
    sha256 = property(lambda self: self.receipt.sha256)
    size_bytes = property(lambda self: self.receipt.size_bytes)
    origin = property(lambda self: self.receipt.origin)
    relative = property(lambda self: self.receipt.relative)
    stored = property(lambda self: self.receipt.stored)
    received_at = property(lambda self: self.receipt.received_at)


@dataclass
class Plan:
    """A source's receipts as they are (`existing`) and as they would be (`pending` appended on `commit`)."""
    spec: SourceSpec
    root: Path
    data_dir: Path
    existing: list[Receipt]
    pending: list[Receipt] = field(default_factory=list)
    missing: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    change: Receipt | None = None
    unchanged: bool = False  # an ingest of the bytes already in use: nothing to record

    @property
    def receipts(self) -> list[Receipt]:
        return self.existing + self.pending

    @property
    def files(self) -> list[CurrentFile]:
        return current_files(self.spec, self.receipts, self.data_dir, {r.name for r in self.pending if r.command == SEED})


def now_utc() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def catalog_path(root: Path, source: str) -> Path:
    return Path(root) / CATALOG_FOLDER / f"{source}.jsonl"


# ----------------------------------------------------------------------------------------------
# The log


def parse_log(data: bytes, path: Path) -> tuple[list[Receipt], list[str]]:
    """Receipts of a log's bytes; a torn last line (no newline: an interrupted append) is skipped with a note."""
    lines = data.split(b"\n")
    tail = lines.pop()
    notes = []
    if tail:
        notes.append(f"{path}: skipped a torn last line ({len(tail)} bytes without a newline, left by an interrupted "
                     "write); the next change to this source removes it")
    receipts = []
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            receipts.append(Receipt.from_dict(json.loads(raw)))
        except (ValueError, TypeError) as error:  # a complete line that is not a receipt: damage, not a crash
            raise SourceFormatError(path, f"a JSON receipt per line of the landing catalog ({type(error).__name__}: "
                                    f"{' '.join(str(error).split())[:200]})", line=number) from None
    return receipts, notes


def read_receipts(root: Path, source: str) -> tuple[list[Receipt], list[str]]:
    path = catalog_path(root, source)
    if not path.exists():
        return [], []
    return parse_log(path.read_bytes(), path)


def append_receipts(root: Path, source: str, receipts: list[Receipt]) -> list[str]:
    """Append whole lines under an exclusive lock and fsync them; a torn last line is cut off first (said in
    the returned notes)."""
    return _locked_append(catalog_path(root, source), lambda existing: receipts)


def _locked_append(path: Path, choose) -> list[str]:
    """Lock the log, repair a torn tail, append `choose(existing receipts)`, fsync. Returns notes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    notes: list[str] = []
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        data = os.pread(fd, size, 0) if size else b""
        if data and not data.endswith(b"\n"):
            keep = data.rfind(b"\n") + 1
            os.ftruncate(fd, keep)
            notes.append(f"{path}: removed a torn last line ({size - keep} bytes without a newline, left by an "
                         "interrupted write)")
            data = data[:keep]
        existing, _ = parse_log(data, path)
        payload = b"".join(r.line() for r in choose(existing))
        view = memoryview(payload)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
    if created:
        fsync_dir(path.parent)
    return notes




# ----------------------------------------------------------------------------------------------
# Current files


def version_stacks(receipts: list[Receipt]) -> dict[str, list[Receipt]]:
    """Per name, its versions oldest first; the last one is current (seed and ingest push, revert pops and
    stands for the version it restores)."""
    stacks: dict[str, list[Receipt]] = {}
    for receipt in receipts:
        stack = stacks.setdefault(receipt.name, [])
        if receipt.command == REVERT:
            if stack:
                stack.pop()
            if receipt.sha256 is not None:
                if stack:
                    stack[-1] = receipt
                else:
                    stack.append(receipt)
        else:
            stack.append(receipt)
    return stacks


def current_files(spec: SourceSpec, receipts: list[Receipt], data_dir: Path | None = None,
                  pending_seeds: set[str] = frozenset()) -> list[CurrentFile]:
    """The source's current files: declared names first (in the source's order), then names added by an
    ingest, sorted. An embedded file the source no longer declares is left out."""
    stacks = version_stacks(receipts)
    declared = {Path(relative).name: relative for relative in spec.files}
    names = [n for n in declared if stacks.get(n)]
    names += sorted(n for n, stack in stacks.items() if n not in declared and stack and stack[-1].origin == INGESTED)
    out = []
    for name in names:
        stack = stacks[name]
        pending = name in pending_seeds and stack[-1].command == SEED
        data_path = Path(data_dir) / declared[name] if pending and data_dir is not None else None
        out.append(CurrentFile(stack[-1], len(stack), pending, data_path))
    return out


def _seed_receipts(spec: SourceSpec, data_dir: Path, receipts: list[Receipt], now: str,
                   hashes: dict[Path, tuple[str, int]]) -> tuple[list[Receipt], dict[str, Path]]:
    """Seed receipts for the declared files of data/ that the catalog does not have yet, or that changed
    there while the current version is embedded; and the declared files found nowhere."""
    stacks = version_stacks(receipts)
    seeds, missing = [], {}
    for relative in spec.files:
        name = Path(relative).name
        path = Path(data_dir) / relative
        stack = stacks.get(name) or []
        current = stack[-1] if stack else None
        if not path.is_file():
            if current is None:
                missing[name] = path
            continue
        if current is not None and current.origin != EMBEDDED:
            continue  # an ingested version stays until it is replaced or reverted
        if path not in hashes:
            hashes[path] = landing.sha256_and_size(path)
        sha, size = hashes[path]
        last_seed = next((r for r in reversed(receipts) if r.name == name and r.command == SEED), None)
        if current is not None and (current.sha256 == sha or (last_seed is not None and last_seed.sha256 == sha)):
            continue  # unchanged in data/ since it was seeded (or already the version in use)
        seeds.append(Receipt(name, name, sha, size, now, SEED, EMBEDDED, f"{sha}/{name}", Path(relative).as_posix(),
                             current.sha256 if current else None))
    return seeds, missing


def plan_load(spec: SourceSpec, data_dir: Path, root: Path, now: str | None = None) -> Plan:
    """The source as a load sees it: its receipts plus the seeds data/ calls for. Reads only."""
    existing, notes = read_receipts(root, spec.name)
    seeds, missing = _seed_receipts(spec, data_dir, existing, now or now_utc(), {})
    return Plan(spec, Path(root), Path(data_dir), existing, seeds, missing, notes)


def _slot(spec: SourceSpec, files: list[CurrentFile], name: str, what: str) -> CurrentFile:
    """The current file known by `name` (its published name, or the name its current version came under)."""
    for f in files:
        if name in (f.name, f.file):
            return f
    known = ", ".join(f.file if f.file == f.name else f"{f.file} (replaces {f.name})" for f in files) or "none"
    raise CatalogError(f"{spec.name} has no file named {name!r} to {what}; its files: {known}")


def plan_ingest(spec: SourceSpec, data_dir: Path, root: Path, stored: landing.StoredFile,
                replaces: str | None = None, now: str | None = None) -> Plan:
    """The source with `stored` in place of its file of the same name (or of `replaces`), or added to it."""
    now = now or now_utc()
    plan = plan_load(spec, data_dir, root, now)
    files = plan.files
    if replaces is not None:
        slot = _slot(spec, files, replaces, "replace")
    else:
        slot = next((f for f in files if stored.name in (f.name, f.file)), None)
    clash = next((f for f in files if stored.name in (f.name, f.file) and f is not slot), None)
    if clash is not None:
        raise CatalogError(f"{spec.name} already has another file named {stored.name!r}; rename the file to replace "
                           f"{slot.file if slot else ''} with it, or leave out --replaces to replace {stored.name}")
    if slot is not None and slot.sha256 == stored.sha256 and slot.file == stored.name:
        plan.unchanged = True
        return plan
    declared = {Path(r).name: Path(r).as_posix() for r in spec.files}
    if slot is not None:
        name, relative = slot.name, (Path(slot.relative).parent / stored.name).as_posix()
    else:  # a declared file missing from data/, or a new file (next to the source's first file)
        name = stored.name
        relative = declared.get(name) or (Path(spec.files[0]).parent / stored.name).as_posix()
        plan.missing.pop(name, None)
    plan.change = Receipt(name, stored.name, stored.sha256, stored.size_bytes, now, INGEST, INGESTED,
                          f"{stored.sha256}/{stored.name}", relative, slot.sha256 if slot else None)
    plan.pending.append(plan.change)
    return plan


def plan_revert(spec: SourceSpec, data_dir: Path, root: Path, name: str, now: str | None = None) -> Plan:
    """The source with the file `name` back at its previous version (a file an ingest added is removed)."""
    now = now or now_utc()
    plan = plan_load(spec, data_dir, root, now)
    slot = _slot(spec, plan.files, name, "revert")
    stack = version_stacks(plan.receipts)[slot.name]
    if len(stack) < 2 and not (len(stack) == 1 and slot.origin == INGESTED and slot.name not in
                               {Path(r).name for r in spec.files}):
        raise CatalogError(f"nothing to revert: {spec.name}'s {slot.file} has no earlier version "
                           f"({slot.origin}, sha256 {(slot.sha256 or '')[:12]})")
    restored = stack[-2] if len(stack) >= 2 else None
    if restored is None:
        plan.change = Receipt(slot.name, slot.file, None, 0, now, REVERT, slot.origin, None, slot.relative, slot.sha256)
    else:
        plan.change = Receipt(slot.name, restored.file, restored.sha256, restored.size_bytes, now, REVERT,
                              restored.origin, restored.stored, restored.relative, slot.sha256)
    plan.pending.append(plan.change)
    # Back at an embedded version, data/ seeds again if it changed since (the same rule as every load).
    seeds, _ = _seed_receipts(spec, data_dir, plan.receipts, now, {})
    plan.pending += [s for s in seeds if s.name == slot.name]
    return plan


def referenced(root: Path, sha256: str) -> bool:
    """Whether any source's receipts name the content `sha256` (such a stored copy is never removed)."""
    folder = Path(root) / CATALOG_FOLDER
    if not folder.is_dir():
        return False
    for log in folder.glob("*.jsonl"):
        receipts, _ = parse_log(log.read_bytes(), log)
        if any(sha256 in (r.sha256, r.previous_sha256) for r in receipts):
            return True
    return False


def commit(plan: Plan) -> list[str]:
    """Append the plan's pending receipts (a seed's file is stored first, if no load stored it: e.g. the
    embedded version an ingest replaces, which a revert may bring back). Seeds another process recorded
    meanwhile are not repeated."""
    if not plan.pending:
        return []
    for receipt in plan.pending:
        if receipt.command == SEED and not (plan.root / receipt.stored).is_file():
            stored = landing.store(plan.data_dir / receipt.relative, plan.root)
            if stored.sha256 != receipt.sha256:
                raise SourceFormatError(plan.data_dir / receipt.relative, "a file that does not change while it is "
                                        "being loaded (it changed; run again)")

    def choose(existing: list[Receipt]) -> list[Receipt]:
        if existing == plan.existing:
            return plan.pending
        chosen, stacks = [], version_stacks(existing)
        for receipt in plan.pending:
            top = (stacks.get(receipt.name) or [None])[-1]
            if receipt.command == SEED and top is not None and top.sha256 == receipt.sha256:
                continue
            chosen.append(receipt)
        return chosen

    return _locked_append(catalog_path(plan.root, plan.spec.name), choose)


# ----------------------------------------------------------------------------------------------
# The stored copies, in the source's folder layout


def stored_copy(root: Path, current: CurrentFile) -> landing.StoredFile:
    """The stored copy of a current file, storing a data/ file first if it is a pending seed; its bytes
    are checked against the SHA-256 of its receipt."""
    if current.sha256 is None:
        raise SourceFormatError(current.file, "a stored file (the catalog lists none for it)")
    if current.pending and current.data_path is not None:
        stored = landing.store(current.data_path, root)
        if stored.sha256 != current.sha256:
            raise SourceFormatError(current.data_path, "a file that does not change while it is being loaded "
                                    "(it changed; run again)")
        return stored
    path = Path(root) / current.stored
    if not path.is_file():
        raise SourceFormatError(path, f"the stored copy of {current.file} received as {current.sha256[:12]} "
                                "(missing from the landing store)")
    sha, size = landing.sha256_and_size(path)
    if sha != current.sha256:
        raise SourceFormatError(path, f"the stored copy received with SHA-256 {current.sha256[:12]}, found "
                                f"{sha[:12]} (the landing store was modified)")
    return landing.StoredFile(current.file, sha, size, path)


def reference_files() -> tuple[str, ...]:
    """Files (under the data folder) that parsers look up by path next to a source's files: the census
    municipal catalogue, which name-matching parsers find through `census.find_data_root`."""
    from .sources.census import CATALOGUE_FILE

    return (CATALOGUE_FILE,)


def _reference_files(plan: Plan) -> dict[str, Path]:
    """The reference files at their current version (that of the source declaring them, else data/'s):
    relative path → file to link."""
    from .sources import SOURCES

    out = {}
    for relative in reference_files():
        owner = next((s for s in SOURCES if relative in s.files), None)
        if owner is not None and owner.name == plan.spec.name:
            continue  # the source's own file, placed with the others
        name = Path(relative).name
        current = None if owner is None else next(
            (f for f in plan_load(owner, plan.data_dir, plan.root).files if f.name == name), None)
        if current is not None and not current.pending and current.stored and (plan.root / current.stored).is_file():
            out[relative] = plan.root / current.stored
        elif (plan.data_dir / relative).is_file():
            out[relative] = plan.data_dir / relative
    return out


@contextmanager
def source_folder(plan: Plan) -> Iterator["SourceFolder"]:
    """A scratch folder under the landing store laid out like the source's folder of data/ (hard links to
    the stored copies, so parsers read exactly the stored bytes), with the reference files parsers look up;
    removed afterwards."""
    references = _reference_files(plan)
    tag = "-".join(landing.sha256_and_size(p)[0][:12] for p in references.values())  # parsers cache by folder
    views = plan.root / VIEWS_FOLDER
    views.mkdir(parents=True, exist_ok=True)
    _remove_stale_views(views)
    folder = Path(tempfile.mkdtemp(prefix=f"{plan.spec.name}-{tag}-", dir=views))
    try:
        view = SourceFolder(folder)
        for relative, path in references.items():
            view.place(relative, path)
        yield view
    finally:
        shutil.rmtree(folder, ignore_errors=True)


STALE_VIEW_SECONDS = 6 * 3600


def _remove_stale_views(views: Path) -> None:
    """Scratch folders a killed process left behind (no load takes hours)."""
    import time

    for old in views.iterdir():
        try:
            if time.time() - old.stat().st_mtime > STALE_VIEW_SECONDS:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass


@dataclass(frozen=True)
class SourceFolder:
    path: Path

    def place(self, relative: str, source: Path) -> Path:
        target = self.path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists() or target.is_symlink():
            target.unlink()
        try:
            os.link(source, target)
        except OSError:
            shutil.copy(source, target)  # with the stored copy's permission bits, never wider
        return target
