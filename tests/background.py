"""Pipeline builds that run in the background while the tests run, shared by every pytest-xdist worker.

A build is a folder `SESSION/<name>/` (SESSION: one temporary folder per test session, made by the process that
controls it and handed to the workers; tests/conftest.py) holding `job.json` (the commands, run one after the
other by this module in a separate process: `python -m tests.background SESSION/<name>`), one `<step>.out` /
`<step>.err` per command, `build/` (the folder the commands write) and, once it has ended, `status.json`
(`{"step": ..., "returncode": ...}` of the first command that failed, or of the last one).

The first worker to ask for a build starts it, under a file lock; the others find it started and wait for its
`status.json`. Only the controlling process stops builds left running (the session stopped early) and removes the
folder, after every worker has finished."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock

REPO_ROOT = Path(__file__).resolve().parents[1]
STATUS = "status.json"


def env() -> dict:
    """A `bicentennial` subprocess's environment: none of the test session's BICENTENNIAL_* settings."""
    return {k: v for k, v in os.environ.items() if not k.startswith("BICENTENNIAL_")}


def start(session: Path, name: str, steps: Callable[[], list[tuple[str, list[str]]]]) -> Path:
    """Start build `name` unless a worker already has. `steps()`, called under the lock by the one worker that starts
    the build (so inputs it writes are written once), gives (step name, `bicentennial` arguments), where the argument
    "{build}" stands for the build folder. Returns the build's folder (SESSION/name)."""
    base = session / name
    with FileLock(str(session / f"{name}.lock")):
        if (base / "job.json").exists():
            return base
        base.mkdir()
        build = base / "build"
        job = [{"step": step, "args": [str(build) if a == "{build}" else a for a in args]} for step, args in steps()]
        (base / "job.json.tmp").write_text(json.dumps(job))
        process = subprocess.Popen([sys.executable, "-m", "tests.background", str(base)], cwd=REPO_ROOT, env=env(),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        (base / "pid").write_text(str(process.pid))
        os.replace(base / "job.json.tmp", base / "job.json")
    return base


def wait(base: Path, timeout: float = 1800) -> Path:
    """Wait for the build in `base` to end; returns its build folder, or fails with the failed step's output."""
    deadline = time.monotonic() + timeout
    while not (base / STATUS).exists():
        assert time.monotonic() < deadline, f"{base.name}: not finished after {timeout:.0f} s"
        time.sleep(0.5)
    status = json.loads((base / STATUS).read_text())
    if status["returncode"] != 0:
        step = status["step"]
        out, err = (base / f"{step}.out").read_text(), (base / f"{step}.err").read_text()
        raise AssertionError(f"{base.name}: `bicentennial {step}` failed ({status['returncode']}):\n{out[-3000:]}\n{err[-3000:]}")
    return base / "build"


def stop_all(session: Path) -> None:
    """Stop every build of the session still running (with its dbt subprocesses), then remove the session folder."""
    for pid_file in session.glob("*/pid"):
        if not (pid_file.parent / STATUS).exists():
            try:
                os.killpg(int(pid_file.read_text()), signal.SIGTERM)
            except ProcessLookupError:
                pass
    shutil.rmtree(session, ignore_errors=True)


def _run_job(base: Path) -> int:
    """Run the commands of `base/job.json` one after the other; write `status.json` when one fails or all are done."""
    status = {"step": None, "returncode": 0}
    for entry in json.loads((base / "job.json").read_text()):
        with open(base / f"{entry['step']}.out", "w") as out, open(base / f"{entry['step']}.err", "w") as err:
            code = subprocess.run([sys.executable, "-m", "pipelines.cli", *entry["args"]], cwd=REPO_ROOT, stdout=out,
                                  stderr=err).returncode
        status = {"step": entry["step"], "returncode": code}
        if code != 0:
            break
    (base / f"{STATUS}.tmp").write_text(json.dumps(status))
    os.replace(base / f"{STATUS}.tmp", base / STATUS)
    return status["returncode"]


if __name__ == "__main__":
    sys.exit(_run_job(Path(sys.argv[1])))
