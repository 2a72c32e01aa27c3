"""What a killed `bicentennial run` leaves in BUILD is removed by the next run (`promotion.remove_abandoned`, called
at its start): its staging folder `.run-<pid>` and temporary links once that pid is gone; a live concurrent run's
folders and this process's own are kept. Fake folders and real processes, no pipeline run."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines import promotion as pr


def finished_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    if pr.pid_alive(child.pid):
        pytest.skip(f"pid {child.pid} was reused at once")
    return child.pid


@pytest.fixture
def live_pid():
    """The pid of a running process that is not this one: a concurrent run."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield child.pid
    child.kill()
    child.wait()


def staging(build: Path, pid: int | str) -> Path:
    folder = build / f".run-{pid}"
    (folder / "results" / "evaluations").mkdir(parents=True)
    (folder / "run.log").write_text(f"run {pid} half done\n")
    return folder


def test_a_killed_runs_staging_folder_is_removed_and_live_ones_kept(tmp_path, live_pid):
    build = tmp_path / "build"
    dead = finished_pid()
    killed, concurrent, mine, unnamed = (staging(build, dead), staging(build, live_pid), staging(build, os.getpid()),
                                         staging(build, "x"))
    assert pr.pid_alive(live_pid) and pr.pid_alive(os.getpid()) and not pr.pid_alive(dead)

    assert pr.remove_abandoned(build) == [f".run-{dead}"]

    assert not killed.exists()
    for kept, pid in ((concurrent, live_pid), (mine, os.getpid()), (unnamed, "x")):
        assert (kept / "run.log").read_text() == f"run {pid} half done\n"
        assert (kept / "results" / "evaluations").is_dir()
    assert pr.remove_abandoned(build) == []  # nothing left to remove; the live folders still kept
    assert sorted(p.name for p in build.iterdir()) == sorted([f".run-{live_pid}", f".run-{os.getpid()}", ".run-x"])


def test_a_killed_runs_temporary_links_go_without_what_they_point_to(tmp_path, live_pid):
    build = tmp_path / "build"
    dead = finished_pid()
    target = build / ".outputs" / "run-1" / "site"
    target.mkdir(parents=True)
    (target / "index.html").write_text("published\n")
    for name in (f".site.new-{dead}", f".current.new-{dead}", f".current.new-{live_pid}"):
        os.symlink(".outputs/run-1", build / name)
    other = build / f"notes-{dead}"  # not a name a run creates
    other.mkdir()

    assert pr.remove_abandoned(build) == []  # links are not staging folders: none reported

    assert not os.path.lexists(build / f".site.new-{dead}") and not os.path.lexists(build / f".current.new-{dead}")
    assert os.path.islink(build / f".current.new-{live_pid}") and other.is_dir()
    assert (target / "index.html").read_text() == "published\n"
