"""`bicentennial ui`: the Dagster UI on 127.0.0.1 with a project-local DAGSTER_HOME."""
from __future__ import annotations

import os
import sys
from pathlib import Path


def cmd_ui(args: argparse.Namespace) -> int:
    """Start the Dagster webserver (and daemon) on 127.0.0.1 with a project-local DAGSTER_HOME."""
    import subprocess

    from ..settings import REPO_ROOT

    home = Path(os.environ.get("DAGSTER_HOME", REPO_ROOT / ".dagster_home")).resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\n")
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    command = [str(Path(sys.executable).with_name("dagster")), "dev", "-m", "pipelines.definitions",
               "--host", "127.0.0.1", "--port", str(args.port)]
    print(f"bicentennial: Dagster UI on http://127.0.0.1:{args.port} (DAGSTER_HOME={home})", flush=True)
    return subprocess.call(command, env=env, cwd=REPO_ROOT)


def add_parser(subparsers) -> None:
    ui = subparsers.add_parser("ui", help="open the Dagster UI on 127.0.0.1")
    ui.add_argument("--port", type=int, default=3000)
    ui.set_defaults(func=cmd_ui)
