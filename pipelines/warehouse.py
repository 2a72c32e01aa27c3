"""Landing files → raw tables in DuckDB. Plain functions; the Dagster assets call them.

A source's files are its *current* files in the landing catalog (pipelines/landing_catalog.py): the
stored copies of the content-addressed landing store (pipelines/landing.py), which data/ only seeds and
`bicentennial ingest` updates. Each is screened (size caps, decompression bombs) and parsed from a
scratch folder laid out like the source's folder of data/ (hard links to the stored copies). A file that cannot
be parsed does not stop the code here with a traceback: the error (file, line, column, what was
expected) is recorded in raw._load_errors and the table is left as it was, so the table's blocking
`file_parses` check reports it in the Dagster UI, the run log and the CLI, and nothing downstream
runs on it.
"""
from __future__ import annotations

import fcntl
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from . import landing, landing_catalog
from .fsutil import fsync_dir, remove_path
from .fsutil import is_real_dir as _is_real_dir
from .sources import SourceFormatError, SourceSpec

LANDING_COLUMNS = ("table_name varchar, file varchar, size_bytes bigint, sha256 varchar, rows bigint, landed_path varchar, "
                   "origin varchar")
LOAD_ERROR_COLUMNS = "table_name varchar, file varchar, line bigint, column_name varchar, expected varchar, message varchar"


@dataclass(frozen=True)
class LandingFile:
    file: str
    size_bytes: int
    sha256: str
    rows: int
    landed_path: str = ""
    origin: str = ""  # embedded (from data/) or ingested (`bicentennial ingest`)


@dataclass(frozen=True)
class LoadReport:
    table: str
    rows: int
    files: tuple[LandingFile, ...]
    notes: tuple[str, ...] = ()  # from the landing catalog (e.g. a torn last line skipped)


def parse_files(spec: SourceSpec, data_dir: Path, plan: landing_catalog.Plan | None = None,
                landing_root: Path | None = None) -> tuple[pd.DataFrame, tuple[LandingFile, ...]]:
    """Screen and parse the current files of a source (`plan`, default: its landing catalog, with the files
    of `data_dir` it has no receipt for yet stored as seeds); each row keeps the name of its file.

    Parsers read the stored copies, from a scratch folder laid out like the source's folder of data/.
    Raises SourceFormatError (naming file, line, column) for anything unreadable. Writes no receipt
    (`load_source` and `bicentennial ingest` commit the plan when the load is accepted).
    """
    landing_root = Path(landing_root) if landing_root else landing.landing_dir()
    plan = plan or landing_catalog.plan_load(spec, data_dir, landing_root)
    for path in plan.missing.values():
        raise SourceFormatError(path, f"a landing file at {path} (not found)")
    header = published_header(spec.name)
    frames, landed = [], []
    with landing_catalog.source_folder(plan) as folder:
        for current in plan.files:
            stored = landing_catalog.stored_copy(plan.root, current)
            landing.screen(stored)
            if header:
                landing.check_header(stored.path, header)
            path = folder.place(current.relative, stored.path)
            frame = _parse_one(spec, path)
            if frame.empty:
                raise SourceFormatError(path, "at least one data row (the file has none)")
            frames.append(frame)
            landed.append(LandingFile(current.file, stored.size_bytes, stored.sha256, len(frame), str(stored.path),
                                      current.origin))
    if not frames:
        raise SourceFormatError(spec.name, "at least one landing file (the catalog lists none)")
    frame = pd.concat(frames, ignore_index=True)
    frame["source_file"] = _file_of_each_row(landed)
    return frame, tuple(landed)


def _parse_one(spec: SourceSpec, path: Path) -> pd.DataFrame:
    try:
        # Parsers read the hard link in the scratch folder (some find sibling reference files through
        # its folder): the bytes of the stored copy, checked against its SHA-256 just before.
        return spec.parse(path)
    except SourceFormatError:
        raise
    except (UnicodeError, ValueError, EOFError, OSError, KeyError, IndexError, TypeError) as error:
        # Parsers name the failure themselves where they can; anything they did not anticipate still
        # becomes one line naming the file rather than a traceback.
        raise SourceFormatError(path, f"a file in the published format of {spec.name} "
                                f"({type(error).__name__}: {_one_line(error)})") from None


def _file_of_each_row(landed: list[LandingFile]) -> pd.Categorical:
    """The `source_file` column: each file's name repeated over its rows (as a categorical: one string per
    file instead of one per row)."""
    names = pd.Index(pd.unique(pd.Series([f.file for f in landed])))
    codes = np.repeat(names.get_indexer([f.file for f in landed]), [f.rows for f in landed])
    return pd.Categorical.from_codes(codes, categories=names)


def published_header(source: str) -> dict | None:
    """The `file_header` of expectations/raw_<source>.yml, if the suite states one."""
    from .quality.suites import load_suite
    from .settings import EXPECTATIONS_DIR

    path = EXPECTATIONS_DIR / f"raw_{source}.yml"
    return load_suite(path).file_header if path.exists() else None


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:300]


def ensure_bookkeeping(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists raw")
    con.execute(f"create table if not exists raw._landing_files ({LANDING_COLUMNS})")
    con.execute("alter table raw._landing_files add column if not exists landed_path varchar")
    con.execute("alter table raw._landing_files add column if not exists origin varchar")
    con.execute(f"create table if not exists raw._load_errors ({LOAD_ERROR_COLUMNS})")


def write_raw_table(con: duckdb.DuckDBPyConnection, spec: SourceSpec, frame: pd.DataFrame, files: tuple[LandingFile, ...]) -> LoadReport:
    """Replace raw.<name> and its rows in raw._landing_files in one transaction."""
    ensure_bookkeeping(con)
    con.execute("begin transaction")
    try:
        con.register("incoming", frame)
        con.execute(f'create or replace table raw."{spec.name}" as select {_as_stored(frame)} from incoming')
        con.unregister("incoming")
        con.execute("delete from raw._landing_files where table_name = ?", [spec.name])
        con.execute("delete from raw._load_errors where table_name = ?", [spec.name])
        con.executemany(
            "insert into raw._landing_files (table_name, file, size_bytes, sha256, rows, landed_path, origin) "
            "values (?, ?, ?, ?, ?, ?, ?)",
            [(spec.name, f.file, f.size_bytes, f.sha256, f.rows, f.landed_path, f.origin) for f in files],
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return LoadReport(spec.name, len(frame), files)


def _as_stored(frame: pd.DataFrame) -> str:
    """The select list that stores `frame` as it is: parsers keep repetitive text columns as pandas
    categoricals (fast to check and to hand over), which DuckDB reads as ENUM; they are stored as VARCHAR,
    like the text columns they stand for."""
    def is_text_categorical(dtype) -> bool:
        return isinstance(dtype, pd.CategoricalDtype) and dtype.categories.dtype == object

    return ", ".join(f'cast("{c}" as varchar) as "{c}"' if is_text_categorical(frame[c].dtype) else f'"{c}"'
                     for c in frame.columns)


def record_load_error(con: duckdb.DuckDBPyConnection, spec: SourceSpec, error: SourceFormatError) -> None:
    """Record why raw.<name> could not be loaded. The table and its raw._landing_files rows are left as
    they were (a run started from the Dagster UI writes the live warehouse: a bad file must not erase the
    last good data); the blocking `file_parses` check stops anything from being built on them."""
    ensure_bookkeeping(con)
    con.execute("begin transaction")
    try:
        con.execute("delete from raw._load_errors where table_name = ?", [spec.name])
        con.execute("insert into raw._load_errors values (?, ?, ?, ?, ?, ?)",
                    [spec.name, Path(error.file).name, error.line, error.column, error.expected, str(error)])
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def load_errors(con: duckdb.DuckDBPyConnection, table_name: str) -> list[dict]:
    exists = con.execute("select count(*) from information_schema.tables where table_schema = 'raw' "
                         "and table_name = '_load_errors'").fetchone()[0]
    if not exists:
        return []
    cursor = con.execute("select * from raw._load_errors where table_name = ?", [table_name])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def load_source(con: duckdb.DuckDBPyConnection, spec: SourceSpec, data_dir: Path,
                plan: landing_catalog.Plan | None = None, landing_root: Path | None = None,
                commit: bool = True) -> LoadReport:
    """Load a source's current files (`plan`, default: its landing catalog seeded from `data_dir`) into
    raw.<name>; a file that fails to parse is recorded, not raised (see the module docstring), and the report
    then has 0 rows and no files. With `commit`, the plan's receipts (seeds of data/ files) are appended to the
    catalog once the table is written; `bicentennial ingest` commits only after the checks accepted the load."""
    landing_root = Path(landing_root) if landing_root else landing.landing_dir()
    try:
        plan = plan or landing_catalog.plan_load(spec, data_dir, landing_root)
        frame, landed = parse_files(spec, data_dir, plan, landing_root)
    except SourceFormatError as error:
        record_load_error(con, spec, error)
        return LoadReport(spec.name, 0, ())
    report = write_raw_table(con, spec, frame, landed)
    notes = list(plan.notes)
    if commit:
        notes += landing_catalog.commit(plan)
    return LoadReport(report.table, report.rows, report.files, tuple(notes))


# ----------------------------------------------------------------------------------------------
# One run at a time per warehouse; a run's outputs replace the last good ones only when it succeeded.


@contextmanager
def run_lock(warehouse: Path, on_wait=None):
    """An exclusive lock on `<warehouse>.lock` held for a whole run or ingest: a second run started
    meanwhile waits (it calls `on_wait` once) instead of failing on DuckDB's file lock."""
    warehouse = Path(warehouse)
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with open(warehouse.with_name(warehouse.name + ".lock"), "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait:
                on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def candidate_path(warehouse: Path) -> Path:
    """Where a run builds its warehouse: next to the last good one (same file system, so the final
    rename is atomic). Runs on one warehouse hold `run_lock`, so one name serves them all; a fixed name
    also keeps dbt's partial parsing valid from run to run (dbt re-parses the whole project, ≈5 s, when
    the warehouse path in its profile changes)."""
    warehouse = Path(warehouse)
    return warehouse.with_name(f".{warehouse.stem}.building{warehouse.suffix}")


def fresh_candidate(warehouse: Path) -> Path:
    """`candidate_path(warehouse)` with whatever an interrupted run left there removed, its write-ahead log
    included (DuckDB would replay a stale .wal into the new file, since the name is the same every run)."""
    candidate = candidate_path(warehouse)
    for leftover in (candidate, candidate.with_name(candidate.name + ".wal")):
        leftover.unlink(missing_ok=True)
    return candidate


def promote(candidate: Path, warehouse: Path) -> None:
    """Atomically replace the last good warehouse with the candidate (after a successful run): its data is
    on disk before the name points at it. An OSError names the file (a failing fsync names none itself);
    until the rename succeeds the last good warehouse is untouched."""
    candidate, warehouse = Path(candidate), Path(warehouse)
    try:
        with open(candidate, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(candidate, warehouse)
    except OSError as error:
        raise with_path(error, candidate) from None
    candidate.with_name(candidate.name + ".wal").unlink(missing_ok=True)
    fsync_dir(warehouse.parent)


def swap_dir(new: Path, target: Path) -> None:
    """Replace ONE directory `target` by `new` with renames (readers see the old or the new, never half; if
    the second rename fails the old one is put back). `bicentennial run` does not use it: its results and site
    must change together, see `promote_run`."""
    old = target.with_name(f".{target.name}.previous-{os.getpid()}")
    if target.exists():
        target.rename(old)
    try:
        new.rename(target)
    except BaseException:
        if old.exists() and not target.exists():
            old.rename(target)
        raise
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


# ----------------------------------------------------------------------------------------------
# The live results and site of a build folder change together, with one rename.
#
#   BUILD/.outputs/<id>/results/, …/site/   one folder per successful `bicentennial run`
#   BUILD/current -> .outputs/<id>          the one pointer a run switches (a symlink replaced by os.replace)
#   BUILD/results -> current/results        stable links, made once; everything reads and writes these paths
#   BUILD/site    -> current/site           (publish.published_site, release, reproduce, Dagster UI runs)
#
# Names a run creates end in -<pid>, so that what a killed run left can be told from a live run's.

OUTPUTS = ".outputs"
CURRENT = "current"
OUTPUT_NAMES = ("results", "site")
_TEMPORARY = (".run-", f".{CURRENT}.new-", f".{CURRENT}.old-", ".results.new-", ".site.new-", ".run.log.new-",
              ".results.previous-", ".site.previous-")  # in BUILD; the last two from runs before this layout


def with_path(error: OSError, path) -> OSError:
    """`error`, naming `path` if it names no file itself (a failing write or fsync on an open file)."""
    if error.filename is not None or error.errno is None:
        return error
    return OSError(error.errno, error.strerror or os.strerror(error.errno), str(path))


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    except (OSError, OverflowError):
        return False
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    """A finished process its parent has not reaped yet still answers kill(pid, 0): it is not running
    (e.g. a run started by a test or a shell that waits for another child first)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2:].startswith("Z")


def _pid_in(name: str) -> int | None:
    tail = name.rpartition("-")[2]
    return int(tail) if tail.isdigit() else None


def _read_link(path: Path) -> str | None:
    try:
        return os.readlink(path)
    except OSError:
        return None


def current_outputs(build: Path) -> Path | None:
    """The output folder BUILD/current points to, if it exists."""
    target = _read_link(Path(build) / CURRENT)
    folder = Path(build) / target if target else None
    return folder if folder is not None and folder.is_dir() else None


def _new_link(link: Path, target: str, kind: str = "new") -> Path:
    """A symlink to `target` under a temporary name beside `link`, to be renamed over it (os.replace: atomic)."""
    temporary = link.with_name(f".{link.name}.{kind}-{os.getpid()}")
    temporary.unlink(missing_ok=True)
    os.symlink(target, temporary)
    return temporary


def _point(link: Path, target: str) -> None:
    """Make `link` a symlink to `target` with one rename (unless it is one already)."""
    if _read_link(link) == target:
        return
    temporary = _new_link(link, target)
    try:
        os.replace(temporary, link)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _move_in(source: Path, target: Path) -> None:
    """Rename folder `source` to `target`; a folder already there is moved aside first, then removed."""
    aside = target.with_name(f".{target.name}.replaced-{os.getpid()}")
    if target.exists():
        target.rename(aside)
    source.rename(target)
    shutil.rmtree(aside, ignore_errors=True)


def adopt_outputs(build: Path) -> None:
    """Bring BUILD to the layout above without changing what it shows (the same files at the same paths).
    Real BUILD/results and BUILD/site folders (a build made before this layout, or by a Dagster UI run on a new
    build folder) are moved into an output folder that `current` points to and replaced by the stable links;
    a change a killed run left half done is finished. Idempotent; call it holding `run_lock`.

    Only this one-time change is not atomic: for a moment BUILD/results or BUILD/site is missing (never one of
    them old and the other new); a killed run leaves `.outputs/adopted-<pid>/`, which the next call finishes."""
    build = Path(build)
    real = [name for name in OUTPUT_NAMES if _is_real_dir(build / name)]
    folder = current_outputs(build)
    if folder is None:
        pending = sorted((build / OUTPUTS).glob("adopted-*")) if (build / OUTPUTS).is_dir() else []
        if not real and not pending:  # a new build folder: the first successful run makes the layout
            for name in OUTPUT_NAMES:  # (links a killed first run made just before its switch lead nowhere)
                if _read_link(build / name) == f"{CURRENT}/{name}":
                    (build / name).unlink()
            return
        folder = pending[-1] if pending else build / OUTPUTS / f"adopted-{os.getpid()}"
        folder.mkdir(parents=True, exist_ok=True)
        for name in real:
            _move_in(build / name, folder / name)
        for name in OUTPUT_NAMES:
            (folder / name).mkdir(exist_ok=True)
        _point(build / CURRENT, f"{OUTPUTS}/{folder.name}")
    else:
        for name in real:  # beside a working layout (a Dagster UI run re-made it after its link was removed): newer
            _move_in(build / name, folder / name)
    for name in OUTPUT_NAMES:
        (folder / name).mkdir(exist_ok=True)
        _point(build / name, f"{CURRENT}/{name}")
    fsync_dir(build)


def remove_abandoned(build: Path) -> list[str]:
    """Remove what killed runs left in BUILD: staging folders `.run-<pid>` and temporary links whose process is
    gone, and output folders nothing points to. Returns the names of the staging folders removed. Call it
    holding `run_lock`, after `adopt_outputs` (which may need an `adopted-<pid>` folder)."""
    build = Path(build)
    removed: list[str] = []
    if not build.is_dir():
        return removed
    for path in sorted(build.iterdir()):
        pid = _pid_in(path.name)
        if not path.name.startswith(_TEMPORARY) or pid is None or pid == os.getpid() or pid_alive(pid):
            continue
        remove_path(path)
        if not os.path.lexists(path) and path.name.startswith(".run-"):
            removed.append(path.name)
    remove_old_outputs(build)
    return removed


def remove_old_outputs(build: Path) -> None:
    """Remove every output folder but the one BUILD/current points to (and those live runs are staging)."""
    build = Path(build)
    current = current_outputs(build)
    if current is None:
        return
    for path in (build / OUTPUTS).iterdir():
        pid = _pid_in(path.name)
        if path.name != current.name and (pid is None or pid == os.getpid() or not pid_alive(pid)):
            remove_path(path)


def promote_run(staging: Path, candidate: Path, warehouse: Path, build: Path) -> Path:
    """Make a successful run's warehouse, results and site the live ones; returns the new output folder.

    Everything that needs disk space comes first, while the last good outputs are untouched: the candidate is
    fsynced, STAGING/results and STAGING/site are moved (renames) into a new folder BUILD/.outputs/<id>/, and
    links to it (and back to the previous folder) are made under temporary names. Then two renames: the link
    over BUILD/current, which switches results and site together (until it, BUILD/results and BUILD/site show
    the previous outputs; from it on, the new ones), and the candidate over the warehouse (`promote`). If that
    fails, `current` is switched back. On any failure before the end, the staged folders go back to STAGING and
    the last good warehouse, results and site are as they were. The previous output folder is removed last."""
    staging, candidate, warehouse, build = Path(staging), Path(candidate), Path(warehouse), Path(build)
    try:
        with open(candidate, "rb+") as handle:
            os.fsync(handle.fileno())
    except OSError as error:
        raise with_path(error, candidate) from None
    previous = current_outputs(build)
    folder, links = _stage_outputs(build, staging, previous)
    try:
        os.replace(links["new"], build / CURRENT)  # the switch: results and site together
    except BaseException:
        _unstage_outputs(build, folder, staging, links, previous)
        raise
    try:
        promote(candidate, warehouse)
    except BaseException:
        try:
            if "old" in links:
                os.replace(links["old"], build / CURRENT)
            else:
                (build / CURRENT).unlink()
        except OSError:
            pass  # the new results and site stay (complete and consistent); the warehouse is the previous one
        else:
            _unstage_outputs(build, folder, staging, links, previous)
        raise
    if "old" in links:
        links["old"].unlink(missing_ok=True)
    fsync_dir(build)
    remove_old_outputs(build)
    return folder


def _stage_outputs(build: Path, staging: Path, previous: Path | None) -> tuple[Path, dict[str, Path]]:
    import time

    (build / OUTPUTS).mkdir(exist_ok=True)
    stamp, n = time.strftime("%Y%m%dT%H%M%S"), 0
    while os.path.lexists(folder := build / OUTPUTS / f"run-{stamp}{f'.{n}' if n else ''}-{os.getpid()}"):
        n += 1  # a folder this process left (killed in the same second: tests)
    links: dict[str, Path] = {}
    try:
        folder.mkdir()
        for name in OUTPUT_NAMES:
            if _is_real_dir(staging / name):
                (staging / name).rename(folder / name)
            else:
                (folder / name).mkdir()
        links["new"] = _new_link(build / CURRENT, f"{OUTPUTS}/{folder.name}")
        if previous is not None:
            links["old"] = _new_link(build / CURRENT, f"{OUTPUTS}/{previous.name}", "old")
        for name in OUTPUT_NAMES:  # a new build folder: the stable links (they show nothing until the switch)
            if _read_link(build / name) != f"{CURRENT}/{name}":
                if _is_real_dir(build / name):  # made by a Dagster UI run meanwhile
                    _move_in(build / name, build / OUTPUTS / f"stray-{name}-{os.getpid()}")
                _point(build / name, f"{CURRENT}/{name}")
    except BaseException:
        _unstage_outputs(build, folder, staging, links, previous)
        raise
    return folder, links


def _unstage_outputs(build: Path, folder: Path, staging: Path, links: dict[str, Path], previous: Path | None) -> None:
    """Undo `_stage_outputs` (before the switch, or after it was switched back). Never raises."""
    for name in OUTPUT_NAMES:
        try:
            if _is_real_dir(folder / name) and not os.path.lexists(staging / name):
                (folder / name).rename(staging / name)
        except OSError:
            pass
    shutil.rmtree(folder, ignore_errors=True)
    stale = list(links.values())
    if previous is None and current_outputs(build) is None:  # a new build folder: no dangling links left
        stale += [build / name for name in OUTPUT_NAMES if _read_link(build / name) == f"{CURRENT}/{name}"]
    for link in stale:
        try:
            link.unlink(missing_ok=True)
        except OSError:
            pass
