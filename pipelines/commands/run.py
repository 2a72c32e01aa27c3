"""`bicentennial run`: the whole pipeline on the embedded (or given) data, then the site.

A run never damages the last good outputs. It holds a lock on the warehouse (a second run started
meanwhile waits), removes the staging folders of killed runs, builds into a staging folder
`BUILD/.run-<pid>/` and a new warehouse file next to the last good one, and only when every step and
every blocking check succeeded makes them the live ones (`promotion.promote_run`): results and site move
into a new folder `BUILD/.outputs/<id>/` and ONE rename switches the link `BUILD/current` to it, so
`BUILD/results -> current/results` and `BUILD/site -> current/site` change together; then the new
warehouse is renamed over the old one. A failed run leaves them byte-identical and keeps what it built
in `BUILD/failed-run/` for inspection (including quarantine.rows), with renames only, so that this works on
a full disk. Landing files go to the content-addressed store `BUILD/landing/` in every case. Errors reach
the user as one line each (file, line, column, what was expected; for a full disk, a read-only or
unwritable folder: the path and what to do); the full Dagster log is in `BUILD/run.log`.
"""
from __future__ import annotations

import argparse
import errno
import io
import os
import re
import shutil
import sys
import time
from contextlib import contextmanager
from pathlib import Path


def _apply_paths(args: argparse.Namespace) -> None:
    if getattr(args, "build_dir", None):
        os.environ["BICENTENNIAL_BUILD_DIR"] = str(Path(args.build_dir).resolve())
    if getattr(args, "warehouse", None):
        os.environ["BICENTENNIAL_WAREHOUSE"] = str(Path(args.warehouse).resolve())
    if getattr(args, "data_dir", None):
        os.environ["BICENTENNIAL_DATA_DIR"] = str(Path(args.data_dir).resolve())


class _NoTracebacks(io.TextIOBase):
    """Passes Dagster's console log to the terminal as progress, without stack traces and without its
    ERROR/WARNING lines (the summary after the run states each failure once); everything goes to the log file."""

    _QUIET = re.compile(r"^\d{4}-\d\d-\d\d [\d:]+ [+-]\d{4} - dagster - (ERROR|WARNING|CRITICAL) - ")

    _START = re.compile(r"^(Traceback \(most recent call last\)|Stack Trace:|The above exception|\s+File \")")

    def __init__(self, terminal, log, log_path: Path | None = None):
        self.terminal, self.log, self.skipping, self.quiet, self.buffer_ = terminal, log, False, False, ""
        self.log_file, self.log_path = log, log_path
        self.log_error: OSError | None = None  # the first OSError writing the log (e.g. a full disk)

    def _to_log(self, method: str, *args) -> None:
        """Write to the log file; on the first failure record it and stop writing there (so that neither Dagster's
        log handlers nor the interpreter at exit run into a failing or closed file)."""
        if self.log is None:
            return
        try:
            getattr(self.log, method)(*args)
        except (OSError, ValueError) as error:
            self.log = None
            self._record(error)

    def _record(self, error: BaseException) -> None:
        if isinstance(error, OSError) and self.log_error is None:
            from ..fsutil import with_path

            self.log_error = with_path(error, self.log_path or "the run log")

    def _to_terminal(self, text: str | None = None) -> None:
        try:
            self.terminal.write(text) if text is not None else self.terminal.flush()
        except (OSError, ValueError):
            pass

    def write(self, text: str) -> int:
        self._to_log("write", text)
        self.buffer_ += text
        while "\n" in self.buffer_:
            line, self.buffer_ = self.buffer_.split("\n", 1)
            if self._START.match(line):
                self.skipping = True
            elif self.skipping and (not line.strip() or re.match(r"^\d{4}-\d\d-\d\d |^\S", line) and not line.startswith(" ")):
                self.skipping = bool(re.match(r"^\w+(\.\w+)*(Error|Exception|Failure)\b", line))
            if re.match(r"^\d{4}-\d\d-\d\d [\d:]+ [+-]\d{4} - ", line):
                self.quiet = bool(self._QUIET.match(line))  # an ERROR/WARNING event and its body lines
            if not self.skipping and not self.quiet:
                self._to_terminal(line + "\n")
        return len(text)

    def flush(self) -> None:
        self._to_terminal()
        self._to_log("flush")

    def close_log(self) -> None:
        """Flush and close the log file (errors are recorded in `log_error`, not raised); later writes reach
        only the terminal."""
        self._to_log("flush")
        self.log = None
        try:
            self.log_file.close()  # closed even when its last flush fails (no "Exception ignored" at exit)
        except (OSError, ValueError) as error:
            self._record(error)


def _open_log(path: Path):
    return open(path, "w", encoding="utf-8")


@contextmanager
def _console_to_log(path: Path):
    """Dagster's console log (sys.stderr) goes to the terminal as progress and, in full, to `path`. sys.stderr is
    restored first thing on the way out, whatever happened, so nothing is left writing to a closed file; a failed
    write of the log (disk full) is raised afterwards as one OSError naming the log file."""
    stream = _NoTracebacks(sys.stderr, _open_log(path), path)
    saved, sys.stderr = sys.stderr, stream
    try:
        yield stream
    finally:
        sys.stderr = saved
        stream.close_log()
    if stream.log_error is not None:
        raise stream.log_error


def cmd_run(args: argparse.Namespace) -> int:
    """Run the whole pipeline in-process and print where the site is."""
    _apply_paths(args)
    from ..settings import settings_from_env
    from ..warehouse import run_lock

    settings = settings_from_env()
    started = time.monotonic()
    try:
        with run_lock(settings.warehouse, on_wait=lambda: print(
                f"bicentennial: another run holds {settings.warehouse}; waiting for it to finish…", flush=True)):
            return _run_locked(args, settings, started)
    except KeyboardInterrupt:
        print("bicentennial: interrupted; the previous warehouse and site are untouched.", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 — the user gets one line, never a traceback
        if args.verbose:
            raise
        text = (describe_io_error(error) if isinstance(error, OSError) and error.errno is not None
                else f"{type(error).__name__}: {' '.join(str(error).split())[:500]}")
        print(f"bicentennial: run FAILED: {text}", file=sys.stderr)
        return 1


def describe_io_error(error: OSError) -> str:
    """What failed, where, and what to do, in one line (for `run FAILED: …`)."""
    path = error.filename2 if error.filename2 is not None else error.filename
    where = f" {path}" if path is not None else ""
    untouched = "the previous warehouse, results and site are untouched"
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        what = "no space left on device" if error.errno == errno.ENOSPC else "disk quota exceeded"
        return f"{what} writing{where}; free space and run again ({untouched})"
    if error.errno == errno.EROFS:
        return (f"read-only file system: cannot write{where}; remount it read-write or pass --build-dir (and "
                f"--warehouse) on a writable disk, and run again ({untouched})")
    if error.errno in (errno.EACCES, errno.EPERM):
        return (f"permission denied on{where}; make it writable (readable, for input) by this user or pass --build-dir "
                f"a folder you can write, and run again ({untouched})")
    reason = (error.strerror or type(error).__name__).rstrip(".").lower()
    return f"{reason} ({errno.errorcode.get(error.errno, error.errno)}) on{where}; check that path and run again ({untouched})"


def _run_locked(args: argparse.Namespace, settings, started: float) -> int:
    from ..promotion import adopt_outputs, promote_run, remove_abandoned
    from ..warehouse import candidate_path, fresh_candidate

    build = settings.build_dir
    build.mkdir(parents=True, exist_ok=True)
    adopt_outputs(build)
    removed = remove_abandoned(build)
    if removed:
        print(f"bicentennial: removed {len(removed)} staging folder(s) of killed runs from {build}: {', '.join(removed)}",
              flush=True)
    staging = build / f".run-{os.getpid()}"
    candidate = candidate_path(settings.warehouse)
    try:
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        fresh_candidate(settings.warehouse)
        os.environ["BICENTENNIAL_BUILD_DIR"] = str(staging)
        os.environ["BICENTENNIAL_WAREHOUSE"] = str(candidate)
        os.environ.setdefault("BICENTENNIAL_LANDING_DIR", str(build / "landing"))
        try:
            success, lines, io_error = _execute(args, staging, candidate)
        finally:
            os.environ["BICENTENNIAL_BUILD_DIR"] = str(build)
            os.environ["BICENTENNIAL_WAREHOUSE"] = str(settings.warehouse)
        if io_error is not None:
            raise io_error  # a full disk, a read-only folder…: one line (cmd_run), not one per failed step
        for line in lines:
            print(line, file=sys.stderr if "[ERROR]" in line or line.startswith("  step") else sys.stdout, flush=True)
        elapsed = time.monotonic() - started
        if not success:
            _keep_failed(staging, candidate, build)
            print(f"bicentennial: run FAILED after {elapsed:.0f} s; the previous warehouse and site are untouched. "
                  f"What this run built: {build / 'failed-run'}; log: {build / 'run.log'}", file=sys.stderr)
            return 1
        promote_run(staging, candidate, settings.warehouse, build)
    except BaseException:
        _keep_failed(staging, candidate, build)
        raise
    try:
        os.replace(staging / "run.log", build / "run.log")
    except OSError:
        pass
    shutil.rmtree(staging, ignore_errors=True)
    print(f"bicentennial: done in {elapsed:.0f} s. Site: {settings.site_dir / 'index.html'}", flush=True)
    return 0


def _keep_failed(staging: Path, candidate: Path, build: Path) -> None:
    """Move what a failed run built to BUILD/failed-run/ (its log also to BUILD/run.log) with renames and a hard
    link only, so that it works on a full disk; what cannot be kept is removed. Never raises."""
    def attempt(action, *args) -> bool:
        try:
            action(*args)
            return True
        except OSError:
            return False

    if staging.is_dir() and candidate.exists():
        attempt(os.replace, candidate, staging / "warehouse.duckdb")
    for leftover in (candidate, candidate.with_name(candidate.name + ".wal")):
        attempt(leftover.unlink, True)
    if (staging / "run.log").is_file():
        attempt(_link_over, staging / "run.log", build / "run.log")
    failed = build / "failed-run"
    shutil.rmtree(failed, ignore_errors=True)
    if staging.is_dir() and not attempt(staging.rename, failed):
        shutil.rmtree(staging, ignore_errors=True)


def _link_over(source: Path, target: Path) -> None:
    """`target` becomes `source` (a hard link, else a copy) with one rename; a failure leaves `target` as it was."""
    temporary = target.with_name(f".{target.name}.new-{os.getpid()}")
    temporary.unlink(missing_ok=True)
    try:
        try:
            os.link(source, temporary)
        except OSError as error:
            if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM):
                raise
            shutil.copyfile(source, temporary)  # a file system without hard links
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def _execute(args: argparse.Namespace, staging: Path, candidate: Path) -> tuple[bool, list[str], OSError | None]:
    """Run the job with its console log going to STAGING/run.log; (success, lines for the user, the I/O error that
    failed it, if one did)."""
    job = _load_job(candidate)
    with _console_to_log(staging / "run.log"):
        result = _execute_job(job, args)
    return (*summarize(result), io_failure(result, staging.parent))


def _load_job(candidate: Path):
    print("bicentennial: loading pipeline definitions (dbt manifest, specs, suites)…", flush=True)
    from ..definitions import defs

    job = defs.get_job_def("refresh_all")
    print(f"bicentennial: running {job.name} (building {candidate.name}; the last good warehouse is untouched until it succeeds)", flush=True)
    return job


def _execute_job(job, args: argparse.Namespace):
    import dagster as dg

    with dg.instance_for_test() if args.ephemeral else dg.DagsterInstance.ephemeral() as instance:
        return job.execute_in_process(instance=instance, raise_on_error=False, run_config=_log_config(args))


_IO_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM)
_ERRNO_TEXT = re.compile(r"\[Errno (\d+)\] [^:\n]*(?::\s*'([^'\n]+)')?")
_STRERROR_TEXT = re.compile("|".join(re.escape(os.strerror(code)) for code in _IO_ERRNOS), re.IGNORECASE)
_QUOTED_PATH = re.compile(r"""["'](/[^"'\n]+)["']""")


def io_error_in(text: str) -> OSError | None:
    """The disk-full / read-only / permission error a step's error message reports, if any: Python's
    `[Errno 28] No space left on device: '/path'`, or DuckDB's `Could not write file "/path": No space left on device`."""
    for match in _ERRNO_TEXT.finditer(text):
        code = int(match.group(1))
        if code in _IO_ERRNOS:
            path = match.group(2) or next(iter(_QUOTED_PATH.findall(text)), None)
            return OSError(code, os.strerror(code), path)
    match = _STRERROR_TEXT.search(text)
    if match:
        code = next(c for c in _IO_ERRNOS if os.strerror(c).lower() == match.group(0).lower())
        paths = _QUOTED_PATH.findall(text[:match.start()]) or _QUOTED_PATH.findall(text)
        return OSError(code, os.strerror(code), paths[-1] if paths else None)
    return None


def io_failure(result, build: Path | None = None) -> OSError | None:
    """The first I/O error (disk full, read-only or unwritable folder) among the run's step failures."""
    for event in result.all_events:
        if event.event_type_value != "STEP_FAILURE":
            continue
        error = event.event_specific_data.error
        while error is not None:
            found = io_error_in(error.message or "")
            if found is not None:
                return found if found.filename is not None else OSError(found.errno, found.strerror, str(build or "?"))
            error = error.cause or getattr(error, "context", None)
    return None


def summarize(result) -> tuple[bool, list[str]]:
    """One line per failed check (evaluated ones) and per step failure that is not a check's consequence."""
    lines: list[str] = []
    blocking_failed = False
    for event in result.all_events:
        if event.event_type_value != "ASSET_CHECK_EVALUATION" or event.event_specific_data.passed:
            continue
        evaluation = event.event_specific_data
        evaluated = evaluation.metadata.get("evaluated")
        if evaluated is not None and evaluated.value is False:
            continue
        severity = evaluation.severity.value if evaluation.severity else "ERROR"
        blocking_failed |= severity == "ERROR"
        message = evaluation.metadata.get("message")
        lines.append(f"  check {evaluation.asset_check_key.to_user_string()} not passed [{severity}]: "
                     f"{message.value if message else ''}")
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    for event in failures:
        error = event.event_specific_data.error
        while error is not None and error.cause is not None and "Error occurred while executing" in error.message:
            error = error.cause
        text = " ".join(error.message.split()) if error else ""
        if blocking_failed and "check" in text.lower():
            continue
        lines.append(f"  step {event.step_key} failed: {text[:500]}")
    return bool(result.success and not failures), lines


def _log_config(args: argparse.Namespace) -> dict:
    return {"loggers": {"console": {"config": {"log_level": "DEBUG" if args.verbose else "INFO"}}}}


def add_parser(subparsers) -> None:
    run = subparsers.add_parser("run", help="run the whole pipeline on the embedded data and build the site")
    run.add_argument("--build-dir", help="where the warehouse, results and site go (default: build/)")
    run.add_argument("--warehouse", help="DuckDB file (default: BUILD_DIR/warehouse.duckdb)")
    run.add_argument("--data-dir", help="landing data folder (default: the repository's data/)")
    run.add_argument("--verbose", action="store_true", help="debug-level Dagster logs (and tracebacks)")
    run.add_argument("--ephemeral", action="store_true", help=argparse.SUPPRESS)
    run.set_defaults(func=cmd_run)
