"""Start `bicentennial ui` (dagster dev: webserver + daemon) for a test, on a free 127.0.0.1 port with
its own DAGSTER_HOME and build folder, and always stop the whole process group afterwards."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
LOCATION = "pipelines.definitions"
TERMINAL = {"SUCCESS", "FAILURE", "CANCELED"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class DagsterUI:
    url: str
    home: Path
    build_dir: Path
    log: Path

    def graphql(self, query: str, variables: dict | None = None, timeout: float = 30) -> dict:
        request = urllib.request.Request(
            f"{self.url}/graphql", data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = json.load(response)
        assert "errors" not in payload, payload["errors"]
        return payload["data"]

    def launch(self, job: str, asset_keys: list[list[str]] | None = None, run_config: dict | None = None) -> dict:
        selector = {"repositoryLocationName": LOCATION, "repositoryName": "__repository__", "jobName": job}
        if asset_keys:
            selector["assetSelection"] = [{"path": key} for key in asset_keys]
        return self.graphql(LAUNCH, {"params": {"selector": selector, "runConfigData": run_config or {}}})["launchRun"]

    def run(self, run_id: str) -> dict:
        return self.graphql(RUN, {"runId": run_id})["runOrError"]

    def wait_for_runs(self, run_ids: list[str], timeout: float = 300) -> list[dict]:
        deadline = time.monotonic() + timeout
        while True:
            runs = [self.run(run_id) for run_id in run_ids]
            if all(r["status"] in TERMINAL for r in runs):
                return runs
            if time.monotonic() > deadline:
                raise TimeoutError(f"runs not finished after {timeout} s: {[r['status'] for r in runs]}; log {self.log}")
            time.sleep(1)


LAUNCH = """
mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId status } }
    ... on RunConfigValidationInvalid { errors { message reason } }
    ... on PythonError { message }
    ... on InvalidSubsetError { message }
    ... on InvalidStepError { invalidStepKey }
    ... on InvalidOutputError { invalidOutputName }
    ... on PipelineNotFoundError { message }
  }
}"""

RUN = """
query Run($runId: ID!) {
  runOrError(runId: $runId) {
    __typename
    ... on Run { runId status startTime endTime creationTime tags { key value } }
  }
}"""

LOCATION_LOADED = """
{ workspaceOrError { __typename ... on Workspace { locationEntries { name loadStatus
    locationOrLoadError { __typename ... on PythonError { message } } } } } }"""


def _location_ready(ui: DagsterUI) -> bool:
    try:
        data = ui.graphql(LOCATION_LOADED, timeout=5)
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False
    entries = data["workspaceOrError"].get("locationEntries") or []
    for entry in entries:
        if entry["name"] == LOCATION and entry["loadStatus"] == "LOADED":
            error = entry["locationOrLoadError"]
            if error and error["__typename"] == "PythonError":
                raise RuntimeError(f"code location failed to load: {error['message']}")
            return True
    return False


def copy_build(source: Path, target: Path) -> Path:
    """A private copy of a pipeline build (warehouse and results), so a test never writes the shared one."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / "warehouse.duckdb", target / "warehouse.duckdb")
    shutil.copytree(source / "results", target / "results", dirs_exist_ok=True)
    return target


@contextmanager
def dagster_ui(workdir: Path, build_dir: Path, start_timeout: float = 240):
    """`bicentennial ui` on a free port; yields a DagsterUI once the code location is loaded."""
    port = free_port()
    home = workdir / "dagster_home"
    log_path = workdir / "dagster_ui.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for variable in ("BICENTENNIAL_WAREHOUSE", "BICENTENNIAL_DATA_DIR", "DAGSTER_HOME"):
        env.pop(variable, None)
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "ui", "--port", str(port), "--home", str(home),
             "--build-dir", str(build_dir)],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        ui = DagsterUI(f"http://127.0.0.1:{port}", home, build_dir, log_path)
        try:
            deadline = time.monotonic() + start_timeout
            while not _location_ready(ui):
                if process.poll() is not None:
                    raise RuntimeError(f"bicentennial ui exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"Dagster UI not ready after {start_timeout} s:\n{log_path.read_text()[-3000:]}")
                time.sleep(1)
            yield ui
        finally:
            stop_group(process)


def stop_group(process: subprocess.Popen, grace: float = 40) -> None:
    """SIGTERM to the UI's process group (webserver, daemon, code servers, runs); SIGKILL if it lingers."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        process.poll()  # reap the group leader, so a zombie does not keep the group alive
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.5)
    else:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait(timeout=10)
