"""`bicentennial run` when the disk is full, a folder is read-only or a run is killed (issue #15): one line naming
the path and what to do, exit 1, nothing half-written left, and the last good warehouse, results and site exactly
as they were. The pipeline itself is replaced by a stand-in that writes what a run writes (its staging folder,
the candidate warehouse, the console log); `promotion.promote_run` is tested directly, killed at every step."""
from __future__ import annotations

import argparse
import errno
import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from pipelines import promotion as pr
from pipelines import warehouse as wh
from pipelines.commands import run

OLD, NEW = "old outputs\n", "new outputs\n"


# ----------------------------------------------------------------------------------------------
# A last good build and a stand-in for the pipeline


def write_outputs(folder: Path, text: str) -> None:
    """results/ and site/ as a run leaves them (a marker in each, a released site version)."""
    for relative in ("results/marker.txt", "results/evaluations/x/result.json", "site/marker.txt",
                     "site/v1.0.0/en/index.html", "site/v1.0.0/version.json"):
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(text)


def last_good_build(build: Path, layout: str = "links") -> Path:
    """A build folder after a good run: warehouse, results, site (and the run lock file). `layout` "links" is
    this version's (BUILD/current -> .outputs/…); "folders" is the one before it (real results/ and site/)."""
    build.mkdir(parents=True)
    (build / "warehouse.duckdb").write_bytes(b"last good warehouse " * 500)
    (build / "warehouse.duckdb.lock").touch()
    write_outputs(build, OLD)
    if layout == "links":
        pr.adopt_outputs(build)
    return build


def snapshot(build: Path) -> dict[str, str]:
    """What readers see: the warehouse and every file under BUILD/results and BUILD/site (through the links)."""
    files = {"warehouse.duckdb": build / "warehouse.duckdb"}
    for name in ("results", "site"):
        for folder, _, names in os.walk(build / name, followlinks=True):
            files.update({str(Path(folder, n).relative_to(build)): Path(folder, n) for n in names})
    return {key: hashlib.sha256(path.read_bytes()).hexdigest() for key, path in sorted(files.items())}


def shown(build: Path) -> tuple[str | None, str | None]:
    def read(path: Path) -> str | None:
        return path.read_text() if path.is_file() else None
    return read(build / "results/marker.txt"), read(build / "site/marker.txt")


class FakeResult:
    def __init__(self, events=(), success=True):
        self.all_events, self.success = list(events), success


def step_failure(message: str):
    error = SimpleNamespace(message=message, cause=None, context=None)
    return SimpleNamespace(event_type_value="STEP_FAILURE", step_key="raw__x",
                           event_specific_data=SimpleNamespace(error=error))


@pytest.fixture
def pipeline(monkeypatch, tmp_path):
    """`run.cmd_run` with the Dagster job replaced: the stand-in writes a Dagster-like console log with a
    traceback, results/ and site/ into the staging folder and a candidate warehouse, and returns `state.result`."""
    state = SimpleNamespace(result=FakeResult(), calls=0)
    monkeypatch.setenv("BICENTENNIAL_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("BICENTENNIAL_BUILD_DIR", str(tmp_path / "unused"))
    monkeypatch.delenv("BICENTENNIAL_WAREHOUSE", raising=False)
    monkeypatch.setattr(run, "_load_job", lambda candidate: "refresh_all")

    def execute_job(job, args):
        state.calls += 1
        staging = Path(os.environ["BICENTENNIAL_BUILD_DIR"])
        write_outputs(staging, NEW)
        Path(os.environ["BICENTENNIAL_WAREHOUSE"]).write_bytes(b"new warehouse " * 500)
        sys.stderr.write("2026-01-01 00:00:00 +0000 - dagster - INFO - refresh_all - step raw__x started\n")
        sys.stderr.write("Traceback (most recent call last):\n  File \"x.py\", line 1, in <module>\n"
                         "OSError: [Errno 28] No space left on device\n")
        sys.stderr.write("2026-01-01 00:00:01 +0000 - dagster - INFO - refresh_all - step raw__x done\n")
        return state.result

    monkeypatch.setattr(run, "_execute_job", execute_job)
    return state


def cmd_run(build: Path, capsys) -> tuple[int, str, str]:
    stderr = sys.stderr
    code = run.cmd_run(argparse.Namespace(build_dir=str(build), warehouse=None, data_dir=None, verbose=False,
                                          ephemeral=False))
    assert sys.stderr is stderr  # restored, whatever happened (else: exit 120, "lost sys.stderr")
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_failure_line(out: str, err: str, *fragments: str) -> str:
    failed = [line for line in (out + err).splitlines() if "run FAILED" in line]
    assert len(failed) == 1, out + err
    assert failed[0] in err.splitlines()
    for fragment in fragments:
        assert fragment in failed[0], failed[0]
    assert "Traceback" not in out + err and 'File "' not in out + err
    return failed[0]


def assert_nothing_half_written(build: Path) -> None:
    left = sorted(p.name for p in build.iterdir() if p.name.startswith(".") and p.name != pr.OUTPUTS)
    assert left == [], left  # no staging folder, candidate warehouse or temporary link
    outputs = sorted(p.name for p in (build / pr.OUTPUTS).iterdir()) if (build / pr.OUTPUTS).exists() else []
    assert len(outputs) <= 1, outputs  # only the folder BUILD/current points to


# ----------------------------------------------------------------------------------------------
# bicentennial run


def test_a_good_run_switches_results_and_site_together(tmp_path, pipeline, capsys):
    build = last_good_build(tmp_path / "build")
    previous = pr.current_outputs(build)
    code, out, err = cmd_run(build, capsys)
    assert code == 0, out + err
    assert shown(build) == (NEW, NEW)
    assert (build / "warehouse.duckdb").read_bytes() == b"new warehouse " * 500
    assert os.readlink(build / "results") == "current/results" and os.readlink(build / "site") == "current/site"
    current = pr.current_outputs(build)
    assert current is not None and current != previous and not previous.exists()
    assert_nothing_half_written(build)
    assert "Traceback" not in out + err and "step raw__x done" in err  # progress passes, tracebacks do not
    assert "Traceback" in (build / "run.log").read_text()  # the log has everything


def test_disk_full_writing_the_run_log_is_one_line_and_changes_nothing(tmp_path, pipeline, capsys, monkeypatch):
    build = last_good_build(tmp_path / "build")
    before = snapshot(build)

    class FullDisk(io.StringIO):
        """A log file on a disk that fills up after 100 characters (its flush and close fail too)."""
        def write(self, text):
            if self.tell() + len(text) > 100:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return super().write(text)

        def flush(self):
            if self.tell() >= 50:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def close(self):
            try:
                self.flush()
            finally:
                super().close()

    monkeypatch.setattr(run, "_open_log", lambda path: FullDisk())
    code, out, err = cmd_run(build, capsys)

    assert code == 1
    log = build / f".run-{os.getpid()}" / "run.log"
    assert_one_failure_line(out, err, "no space left on device", f"writing {log};", "free space and run again")
    assert snapshot(build) == before
    assert_nothing_half_written(build)
    assert (build / "failed-run" / "warehouse.duckdb").exists()  # what the run built, kept by renames
    print("after the run", file=sys.stderr)  # stderr works (the original bug: a closed log still behind it)
    assert capsys.readouterr().err == "after the run\n"


@pytest.mark.parametrize("where", ["fsync of the candidate", "warehouse rename after the switch"])
def test_disk_full_in_promotion_is_one_line_and_changes_nothing(tmp_path, pipeline, capsys, monkeypatch, where):
    build = last_good_build(tmp_path / "build")
    before, previous = snapshot(build), pr.current_outputs(build)
    candidate = wh.candidate_path(build / "warehouse.duckdb")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    if where == "fsync of the candidate":
        monkeypatch.setattr(os, "fsync", full)
    else:
        def promote(candidate, warehouse):
            assert pr.current_outputs(build) != previous  # results and site were switched already
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(candidate))
        monkeypatch.setattr(wh, "promote", promote)
    code, out, err = cmd_run(build, capsys)

    assert code == 1
    assert_one_failure_line(out, err, f"no space left on device writing {candidate};")
    assert snapshot(build) == before and pr.current_outputs(build) == previous
    assert_nothing_half_written(build)
    kept = build / "failed-run"
    assert (kept / "warehouse.duckdb").exists() and (kept / "results/marker.txt").read_text() == NEW


def test_disk_full_in_a_step_is_one_line_not_one_per_step(tmp_path, pipeline, capsys):
    build = last_good_build(tmp_path / "build")
    before = snapshot(build)
    landing = build / "landing" / "ab12" / "homicides.csv.gz"
    pipeline.result = FakeResult([
        step_failure(f"OSError: [Errno 28] No space left on device: '{landing}'"),
        step_failure('IOException: IO Error: Could not write file "/b/.warehouse.building.duckdb": '
                     "No space left on device"),
    ], success=False)
    code, out, err = cmd_run(build, capsys)
    assert code == 1
    assert_one_failure_line(out, err, f"no space left on device writing {landing};")
    assert "  step" not in err
    assert snapshot(build) == before
    assert_nothing_half_written(build)


def test_io_errors_are_found_in_step_messages():
    python = run.io_error_in("OSError: [Errno 30] Read-only file system: '/srv/build/.run-7/results'")
    assert (python.errno, python.filename) == (errno.EROFS, "/srv/build/.run-7/results")
    duck = run.io_error_in('IO Error: Could not write file "/srv/w.duckdb": No space left on device')
    assert (duck.errno, duck.filename) == (errno.ENOSPC, "/srv/w.duckdb")
    assert run.io_error_in("ValueError: could not convert string to float: 'x'") is None


@pytest.mark.parametrize("code, words", [(errno.EACCES, "permission denied on"),
                                         (errno.EROFS, "read-only file system: cannot write")])
def test_unwritable_build_folder_is_one_line(tmp_path, pipeline, capsys, monkeypatch, code, words):
    build = last_good_build(tmp_path / "build")
    before = snapshot(build)
    staging = build / f".run-{os.getpid()}"
    if code == errno.EACCES and os.geteuid() != 0:
        build.chmod(0o555)  # a real read-only folder (root ignores the mode bits: simulated below)
    else:
        real_mkdir = os.mkdir

        def mkdir(path, *args, **kwargs):
            if Path(path).parent == build:
                raise OSError(code, os.strerror(code), str(path))
            return real_mkdir(path, *args, **kwargs)

        monkeypatch.setattr(os, "mkdir", mkdir)
    try:
        exit_code, out, err = cmd_run(build, capsys)
    finally:
        build.chmod(0o755)
    assert exit_code == 1 and pipeline.calls == 0
    line = assert_one_failure_line(out, err, f"{words} {staging};", "--build-dir", "run again")
    assert line.startswith("bicentennial: run FAILED: ")
    assert snapshot(build) == before
    assert_nothing_half_written(build)


def test_staging_folders_of_killed_runs_are_removed_and_live_ones_kept(tmp_path, pipeline, capsys):
    build = last_good_build(tmp_path / "build")
    if pr.pid_alive(999999):
        pytest.skip("pid 999999 is alive on this machine")
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        for name in (".run-999999", f".run-{live.pid}"):
            (build / name / "results").mkdir(parents=True)
            (build / name / "run.log").write_text("half a run\n")
        os.symlink(".outputs/nowhere", build / ".current.new-999999")
        code, out, err = cmd_run(build, capsys)
        assert code == 0, out + err
        assert not (build / ".run-999999").exists() and not os.path.lexists(build / ".current.new-999999")
        assert (build / f".run-{live.pid}" / "run.log").read_text() == "half a run\n"
        said = [line for line in out.splitlines() if "killed runs" in line]
        assert said == [f"bicentennial: removed 1 staging folder(s) of killed runs from {build}: .run-999999"]
    finally:
        live.kill()
        live.wait()


# ----------------------------------------------------------------------------------------------
# promotion.promote_run / adopt_outputs, killed at every step


class Killed(BaseException):
    """The process dies here: nothing after it runs (no except or finally of the code under test completes)."""


MUTATIONS = ("rename", "replace", "symlink", "mkdir", "unlink", "rmdir", "fsync", "link")


def kill_at(monkeypatch, step: int) -> list[str]:
    """Every file-system change from the `step`-th on raises Killed; returns the log of changes attempted."""
    calls: list[str] = []
    for name in MUTATIONS:
        real = getattr(os, name)

        def wrapper(*args, _real=real, _name=name, **kwargs):
            calls.append(_name)
            if len(calls) > step:
                raise Killed(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(os, name, wrapper)
    return calls


def staged_run(build: Path, text: str = NEW) -> tuple[Path, Path]:
    staging = build / f".run-{os.getpid()}"
    write_outputs(staging, text)
    candidate = wh.candidate_path(build / "warehouse.duckdb")
    candidate.write_bytes(text.encode() * 100)
    return staging, candidate


def count_steps(action) -> int:
    with pytest.MonkeyPatch.context() as m:
        calls = kill_at(m, 10**6)
        action()
    return len(calls)


def build_to_promote(build: Path, layout: str):
    """A last good build (or none: a new build folder) and a finished run in it; returns its promotion."""
    if layout == "links":
        last_good_build(build)
    else:
        build.mkdir()
    staging, candidate = staged_run(build)
    return lambda: pr.promote_run(staging, candidate, build / "warehouse.duckdb", build)


@pytest.mark.parametrize("layout", ["links", "new"])
def test_a_kill_anywhere_in_the_promotion_never_shows_results_and_site_out_of_step(tmp_path, layout):
    steps = count_steps(build_to_promote(tmp_path / "count", layout))
    assert steps >= 6
    old_warehouse = b"last good warehouse " * 500
    for step in range(steps):
        build = tmp_path / f"kill-{step}"
        promote = build_to_promote(build, layout)
        with pytest.MonkeyPatch.context() as m:
            kill_at(m, step)
            m.setattr(pr, "_unstage_outputs", lambda *args: None)  # a killed process cleans nothing up
            with pytest.raises(Killed):
                promote()
        before = (OLD, OLD) if layout == "links" else (None, None)
        assert shown(build) in (before, (NEW, NEW)), f"killed at change {step}: {shown(build)}"
        warehouse = build / "warehouse.duckdb"
        assert (warehouse.read_bytes() if warehouse.exists() else None) in (
            old_warehouse if layout == "links" else None, NEW.encode() * 100), step
        # The next run starts by tidying up what the killed one left, and its promotion is complete.
        pr.adopt_outputs(build)
        pr.remove_abandoned(build)
        assert shown(build) in (before, (NEW, NEW))
        staging, candidate = staged_run(build, "newer\n")
        pr.promote_run(staging, candidate, warehouse, build)
        assert shown(build) == ("newer\n", "newer\n") and warehouse.read_bytes() == b"newer\n" * 100
        staging.rmdir()
        assert_nothing_half_written(build)


def test_an_error_in_the_middle_of_the_promotion_leaves_the_previous_outputs(tmp_path, monkeypatch):
    """Raised (not killed) between moving results and moving site: everything is put back."""
    build = last_good_build(tmp_path / "build")
    before = snapshot(build)
    staging, candidate = staged_run(build)
    real_rename = os.rename

    def rename(source, target, *args, **kwargs):
        if Path(source) == staging / "site":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(source))
        return real_rename(source, target, *args, **kwargs)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(OSError):
        pr.promote_run(staging, candidate, build / "warehouse.duckdb", build)
    assert shown(build) == (OLD, OLD) and snapshot(build) == before
    assert (staging / "results/marker.txt").read_text() == NEW and (staging / "site/marker.txt").read_text() == NEW
    assert candidate.exists()  # for failed-run
    assert [p.name for p in (build / pr.OUTPUTS).iterdir()] == [pr.current_outputs(build).name]


def test_a_build_made_before_the_links_is_adopted_and_a_killed_adoption_finished(tmp_path):
    counted = last_good_build(tmp_path / "count", "folders")
    steps = count_steps(lambda: pr.adopt_outputs(counted))
    assert steps >= 5
    for step in range(steps + 1):
        build = last_good_build(tmp_path / f"adopt-{step}", "folders")
        before = snapshot(build)
        with pytest.MonkeyPatch.context() as m:
            kill_at(m, step)
            try:
                pr.adopt_outputs(build)
            except Killed:
                pass
        assert all(text in (OLD, None) for text in shown(build)), step  # missing for a moment, never another run's
        pr.adopt_outputs(build)
        pr.remove_abandoned(build)
        assert snapshot(build) == before
        assert os.readlink(build / "site") == "current/site" and pr.current_outputs(build) is not None
        assert_nothing_half_written(build)


def test_a_finished_but_unreaped_process_is_not_alive():
    # the concurrent-runs flake: the first run had exited but was not yet reaped by the test (a zombie), so
    # its output folder was kept as if the run were still going
    import subprocess
    import sys
    import time

    from pipelines.promotion import pid_alive

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            state = open(f"/proc/{child.pid}/stat").read().rsplit(")", 1)[1].split()[0]
        except OSError:
            break
        if state == "Z":
            break
        time.sleep(0.05)
    assert state == "Z"          # exited, not reaped
    assert not pid_alive(child.pid)
    child.wait()
    assert pid_alive(os.getpid())


def test_disk_full_renaming_the_warehouse_names_the_candidate_and_keeps_the_last_good_one(tmp_path, monkeypatch):
    candidate, warehouse = tmp_path / "warehouse.candidate.duckdb", tmp_path / "warehouse.duckdb"
    candidate.write_bytes(b"new")
    warehouse.write_bytes(b"last good")

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(wh.os, "replace", full)
    with pytest.raises(OSError) as raised:
        wh.promote(candidate, warehouse)
    assert raised.value.errno == errno.ENOSPC and raised.value.filename == str(candidate)
    assert warehouse.read_bytes() == b"last good" and candidate.read_bytes() == b"new"
