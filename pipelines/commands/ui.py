"""`bicentennial ui`: the Dagster webserver and daemon (`dagster dev`) on 127.0.0.1, with a
project-local DAGSTER_HOME whose dagster.yaml comes from pipelines/instance/dagster.yaml
(telemetry off, queued runs, warehouse concurrency limits)."""
from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

INSTANCE_TEMPLATE = Path(__file__).resolve().parents[1] / "instance" / "dagster.yaml"


def prepare_home(home: Path) -> Path:
    """Create DAGSTER_HOME and (re)write its dagster.yaml from the template; returns the home."""
    home = home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(INSTANCE_TEMPLATE, home / "dagster.yaml")
    return home


def dagster_dev_command(port: int, host: str = "127.0.0.1") -> list[str]:
    return [str(Path(sys.executable).with_name("dagster")), "dev", "-m", "pipelines.definitions",
            "--host", host, "--port", str(port)]


def ui_environment(home: Path, args: argparse.Namespace) -> dict[str, str]:
    from ..settings import TELEMETRY_OFF

    env = {**os.environ, **TELEMETRY_OFF, "DAGSTER_HOME": str(home)}
    for option, variable in (("build_dir", "BICENTENNIAL_BUILD_DIR"), ("data_dir", "BICENTENNIAL_DATA_DIR")):
        if getattr(args, option, None):
            env[variable] = str(Path(getattr(args, option)).resolve())
    # dbt and dagster are called by name from the code location: the venv's bin goes first.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def cmd_ui(args: argparse.Namespace) -> int:
    """Replace this process with `dagster dev` (webserver + daemon for schedules, sensors, the run queue)."""
    from ..settings import REPO_ROOT

    if not 0 < args.port < 65536:
        print(f"bicentennial ui: --port {args.port}: expected 1-65535", file=sys.stderr)
        return 2
    home = prepare_home(Path(args.home or os.environ.get("DAGSTER_HOME") or REPO_ROOT / ".dagster_home"))
    env = ui_environment(home, args)
    command = dagster_dev_command(args.port)
    print(f"bicentennial: Dagster UI on http://127.0.0.1:{args.port} (DAGSTER_HOME={home}); Ctrl-C stops it",
          flush=True)
    os.chdir(REPO_ROOT)
    os.execve(command[0], command, env)
    return 0  # not reached


def add_parser(subparsers) -> None:
    ui = subparsers.add_parser("ui", help="start the Dagster UI (webserver + daemon) on 127.0.0.1")
    ui.add_argument("--port", type=int, default=3000, help="port on 127.0.0.1 (default 3000)")
    ui.add_argument("--home", help="DAGSTER_HOME (default: $DAGSTER_HOME or .dagster_home/ in the repository)")
    ui.add_argument("--build-dir", help="warehouse, results and site folder for runs (default: build/)")
    ui.add_argument("--data-dir", help="landing data folder watched by the sensor (default: data/)")
    ui.set_defaults(func=cmd_ui)
