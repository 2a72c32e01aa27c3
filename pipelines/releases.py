"""Releases as the repository records them, and what `bicentennial release` / `reproduce` share.

Plain functions (no Dagster):

- the releases a clone can rerun: ``releases/<tag>/manifest.json`` (committed by `bicentennial release`)
  and the rerun time its ``RELEASE.md`` states;
- which commit a release is, without needing its tag: the commit recorded in the manifest must be in the
  clone, its tree (``git rev-parse <commit>^{tree}``) must equal the manifest's ``code.tree``, and a tag of
  that name, when the clone has one, must point at the same commit;
- the machine a run happened on (CPU model, cores, OS, BLAS threads), for reports;
- the stages of a pipeline run as its console log shows them, their durations, and the estimate of the
  time left that `reproduce` prints.
"""
from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

RELEASES_DIR = "releases"
NOTES_FILE = "RELEASE.md"
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# The line of RELEASE.md that states the rerun time (written by `bicentennial release`, read by --list).
RERUN_LINE = re.compile(r"^\*\*Rerun time:\*\*\s*(?P<text>.+?)\s*$", re.MULTILINE)


class ReleaseLookupError(Exception):
    """The release cannot be resolved in this clone; the message says why and what to do."""


def single_thread_env(env: dict) -> dict:
    """`env` with one BLAS/OpenMP thread, whatever it said: a threaded BLAS splits sums differently by core
    count, and a release is compared across machines."""
    return {**env, **{name: "1" for name in THREAD_VARIABLES}}


# ----------------------------------------------------------------------------------------------
# Releases recorded in the repository


def release_manifest_path(repo: Path, tag: str) -> Path:
    return repo / RELEASES_DIR / tag / "manifest.json"


def rerun_time_stated(notes: Path) -> str | None:
    """The rerun time RELEASE.md states ("**Rerun time:** …" line), if it has one."""
    try:
        match = RERUN_LINE.search(notes.read_text(encoding="utf-8"))
    except OSError:
        return None
    return match.group("text") if match else None


def list_releases(repo: Path) -> list[dict]:
    """Every release of releases/*/manifest.json, newest tag first: tag, commit, date, stated rerun time."""
    from .site.versions import version_key

    found = []
    folder = repo / RELEASES_DIR
    for path in sorted(folder.glob("*/manifest.json")) if folder.is_dir() else []:
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            found.append({"tag": path.parent.name, "commit": None, "date": None, "rerun": None,
                          "problem": f"unreadable manifest ({error})"})
            continue
        release = manifest.get("release") or {}
        found.append({"tag": path.parent.name, "commit": (manifest.get("code") or {}).get("commit"),
                      "date": release.get("date"), "rerun": rerun_time_stated(path.parent / NOTES_FILE)})
    return sorted(found, key=lambda r: version_key(r["tag"]), reverse=True)


def releases_text(releases: list[dict], repo: Path) -> str:
    if not releases:
        return f"No releases recorded in {repo / RELEASES_DIR} (no releases/<tag>/manifest.json).\n"
    rows = [("tag", "commit", "date", "rerun time (RELEASE.md)")]
    for r in releases:
        rows.append((r["tag"], (r["commit"] or "?")[:12], r["date"] or "?",
                     r.get("problem") or r["rerun"] or "not stated"))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = ["  ".join(cell.ljust(widths[i]) if i < 3 else cell for i, cell in enumerate(row)).rstrip() for row in rows]
    return "\n".join(lines) + f"\nRerun one with: bicentennial reproduce TAG (no git tag needed: the commit comes from " \
                              f"{RELEASES_DIR}/TAG/manifest.json)\n"


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)


def tree_of(repo: Path, commit: str) -> str | None:
    done = _git(repo, "rev-parse", "--verify", "--quiet", f"{commit}^{{tree}}")
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


@dataclass
class Resolved:
    commit: str
    checks: list[str] = field(default_factory=list)  # what was verified, in words (printed and in the report)


def resolve_release(repo: Path, tag: str, manifest: dict) -> Resolved:
    """The commit of release `tag` from its manifest, checked against this clone (see the module docstring)."""
    code = manifest.get("code") or {}
    commit, tree = code.get("commit"), code.get("tree")
    if not commit or not re.fullmatch(r"[0-9a-f]{40}", str(commit)):
        raise ReleaseLookupError(f"the manifest of {tag} records no commit (code.commit is {commit!r})")
    if code.get("dirty"):
        raise ReleaseLookupError(f"the manifest of {tag} was made from a modified tree (code.dirty is true): "
                                 "it cannot be rerun from a commit")
    if tree_of(repo, commit) is None:
        raise ReleaseLookupError(f"commit {commit} of release {tag} is not in this clone; fetch it with "
                                 f"`git fetch origin {commit}` (or `git fetch --tags`), then run again")
    checks = [f"commit {commit} (from the manifest's code.commit) is in this clone"]
    actual_tree = tree_of(repo, commit)
    if tree:
        if actual_tree != tree:
            raise ReleaseLookupError(f"commit {commit[:12]} of release {tag} has tree {actual_tree}, but the manifest "
                                     f"records tree {tree} (code.tree): this clone's commit is not the released code")
        checks.append(f"its tree {actual_tree[:12]} (git rev-parse {commit[:12]}^{{tree}}) equals the manifest's code.tree")
    else:
        checks.append("the manifest records no tree hash (code.tree, written since 0.1.0): only the commit was checked")
    tagged = _git(repo, "rev-parse", "--verify", "--quiet", f"refs/tags/{tag}^{{commit}}")
    if tagged.returncode == 0 and tagged.stdout.strip():
        if tagged.stdout.strip() != commit:
            raise ReleaseLookupError(f"tag {tag} points to {tagged.stdout.strip()}, but the manifest of {tag} records "
                                     f"commit {commit}: the tag was moved or the manifest is not this release's")
        checks.append(f"tag {tag} points to the same commit")
    else:
        checks.append(f"this clone has no tag {tag}; the manifest's commit was used")
    return Resolved(commit, checks)


# ----------------------------------------------------------------------------------------------
# The machine


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("model name", "Model", "Hardware") and value.strip():
                return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text(encoding="utf-8").splitlines():
            if line.startswith("PRETTY_NAME="):
                return f"{line.split('=', 1)[1].strip().strip(chr(34))} ({platform.system()} {platform.release()})"
    except OSError:
        pass
    return platform.platform()


def machine_info(given: Mapping[str, str] | None = None) -> dict:
    """CPU model, cores, OS, architecture, Python, the BLAS thread settings a run gets (in `given`, default
    this process's environment) and the load average now (a busy machine explains a slow run)."""
    env: Mapping[str, str] = os.environ if given is None else given
    return {"cpu": cpu_model(), "cores": os.cpu_count(), "os": os_name(), "architecture": platform.machine(),
            "python": platform.python_version(),
            "threads": {name: env.get(name, "unset") for name in THREAD_VARIABLES},
            **({"openblas_coretype": env["OPENBLAS_CORETYPE"]} if env.get("OPENBLAS_CORETYPE") else {}),
            **({"load_average": round(os.getloadavg()[0], 1)} if hasattr(os, "getloadavg") else {})}


def machine_text(machine: dict) -> str:
    threads = ", ".join(f"{k}={v}" for k, v in sorted(machine.get("threads", {}).items()))
    coretype = f", OPENBLAS_CORETYPE={machine['openblas_coretype']}" if machine.get("openblas_coretype") else ""
    load = f"; load average {machine['load_average']} (1 min, when the report was made)" if "load_average" in machine else ""
    return (f"{machine.get('cpu')}, {machine.get('cores')} cores, {machine.get('os')}, {machine.get('architecture')}; "
            f"Python {machine.get('python')}; {threads}{coretype}{load}")


# ----------------------------------------------------------------------------------------------
# Durations and the estimate of the time left


def format_duration(seconds: float) -> str:
    """'8 s', '1 min 05 s', '1 h 02 min' (rounded to the second; to the minute past an hour)."""
    total = max(0, int(round(seconds)))
    if total < 60:
        return f"{total} s"
    if total < 3600:
        return f"{total // 60} min {total % 60:02d} s"
    minutes = (total + 30) // 60
    return f"{minutes // 60} h {minutes % 60:02d} min"


# Stages of `bicentennial run` as its console log shows them: the first line of a step of each stage.
RUN_STAGES = (
    ("start", None),  # loading the definitions (dbt manifest, specs) until the first ingest
    ("ingest", re.compile(r" - (raw__|ge_raw_)\w+ - ")),
    ("models", re.compile(r" - dbt_models - ")),
    ("evaluations", re.compile(r" - (evaluations|maps|spatial)__\w+ - ")),
    ("manifest", re.compile(r" - (site__publication_audit|manifest__result_manifest) - ")),
    ("site", re.compile(r" - site__website - ")),
)
RUN_STAGE_NAMES = tuple(name for name, _ in RUN_STAGES)
# Used when neither the release nor an earlier reproduction recorded durations (2 cores, warm package cache).
ROUGH_PLAN = {"worktree": 2.0, "install": 60.0, "start": 15.0, "ingest": 45.0, "models": 30.0, "evaluations": 120.0,
              "manifest": 5.0, "site": 10.0, "compare": 3.0}
PLAN_ORDER = ("worktree", "install", *RUN_STAGE_NAMES, "compare")


def run_stage_of(line: str) -> str | None:
    """The stage whose first line `line` can be (None for lines that start no stage)."""
    for name, pattern in RUN_STAGES:
        if pattern is not None and pattern.search(line):
            return name
    return None


class StageClock:
    """Durations of consecutive stages: `enter(name, now)` ends the current stage and starts `name`."""

    def __init__(self) -> None:
        self.durations: dict[str, float] = {}
        self.current: str | None = None
        self.since = 0.0

    def enter(self, name: str, now: float) -> bool:
        """Start stage `name` (False, and nothing changes, if it is the current one or already done)."""
        if name == self.current or name in self.durations:
            return False
        self.finish(now)
        self.current, self.since = name, now
        return True

    def finish(self, now: float) -> None:
        if self.current is not None:
            self.durations[self.current] = round(now - self.since, 1)
            self.current = None


def remaining_seconds(plan: dict, done: dict, current: str | None, in_current: float) -> float:
    """Time left: what the plan gives the current stage beyond what it has taken, plus the later stages;
    all scaled by how fast the finished stages went against the plan (between 0.5 and 3 times)."""
    order = [name for name in PLAN_ORDER if name in plan]
    planned_done = sum(plan.get(name, 0.0) for name in done)
    actual_done = sum(done.values())
    speed = min(3.0, max(0.5, actual_done / planned_done)) if planned_done > 5 and actual_done > 5 else 1.0
    later = [name for name in order if name not in done and name != current]
    left = sum(plan[name] for name in later) * speed
    if current is not None:
        left += max(0.0, plan.get(current, 0.0) * speed - in_current)
    return left


def plan_from(published: dict, previous_report: Path | None) -> tuple[dict, str]:
    """Durations to estimate from, and where they come from: the release's own run (manifest `release`
    block), else an earlier reproduction of the same release (its report's timings), else ROUGH_PLAN."""
    plan, sources = dict(ROUGH_PLAN), []
    recorded = ((published.get("release") or {}).get("durations") or {}).get("stages") or {}
    if recorded:
        plan.update({k: float(v) for k, v in recorded.items() if k in plan})
        sources.append("the release's recorded run")
    if previous_report is not None and previous_report.is_file():
        try:
            earlier = (json.loads(previous_report.read_text(encoding="utf-8")).get("timings") or {}).get("stages") or {}
        except (OSError, ValueError):
            earlier = {}
        usable = {k: float(v) for k, v in earlier.items() if k in plan and (k not in recorded)}
        if usable:
            plan.update(usable)
            sources.append("the previous reproduction of this release")
    return plan, " and ".join(sources) if sources else "rough defaults (nothing recorded yet)"


def say(message: str, prefix: str = "reproduce") -> None:
    print(f"{prefix}: {message}", flush=True, file=sys.stdout)


class Progress:
    """Prints which stage a rerun is in, how long it has taken and the estimated time left."""

    def __init__(self, plan: dict, source: str, prefix: str = "reproduce", clock=None) -> None:
        import time

        self.plan, self.source, self.prefix = plan, source, prefix
        self.now = clock or time.monotonic
        self.started = self.now()
        self.stages = StageClock()
        self.lock = threading.Lock()

    def line(self) -> str:
        now = self.now()
        current = self.stages.current
        in_current = now - self.stages.since if current else 0.0
        left = remaining_seconds(self.plan, self.stages.durations, current, in_current)
        order = [name for name in PLAN_ORDER if name in self.plan]
        where = f"stage {order.index(current) + 1}/{len(order)} {current}" if current in order else "between stages"
        late = current is not None and in_current > self.plan.get(current, float("inf"))
        return (f"[{where}] {format_duration(now - self.started)} so far; about {format_duration(left)} left "
                f"(estimated from {self.source}{'; this stage is taking longer than that' if late else ''})")

    def enter(self, stage: str) -> None:
        with self.lock:
            if self.stages.enter(stage, self.now()):
                say(self.line(), self.prefix)

    def tick(self) -> None:
        with self.lock:
            if self.stages.current is not None:
                say(self.line(), self.prefix)

    def finish(self) -> None:
        with self.lock:
            self.stages.finish(self.now())

    def timings(self) -> dict:
        return {"total_s": round(self.now() - self.started, 1), "stages": dict(self.stages.durations)}


def run_staged(cmd: list[str], cwd: Path, env: dict, log: Path, progress: Progress | None,
               echo: bool = False, heartbeat_s: float = 30.0) -> int:
    """Run `cmd` with its output going to `log` (and to the terminal when `echo`), entering the run stages
    its lines show; a progress line every `heartbeat_s` seconds. Returns the exit status."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(heartbeat_s):
            if progress is not None:
                progress.tick()

    ticker = threading.Thread(target=beat, daemon=True)
    ticker.start()
    try:
        with open(log, "w", encoding="utf-8") as handle:
            process = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                       text=True, encoding="utf-8", errors="replace", bufsize=1)
            assert process.stdout is not None
            for line in process.stdout:
                handle.write(line)
                handle.flush()
                if echo:
                    print(line, end="", flush=True)
                stage = run_stage_of(line)
                if stage is not None and progress is not None:
                    progress.enter(stage)
            return process.wait()
    finally:
        stop.set()
