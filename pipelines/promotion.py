"""The live results and site of a build folder: promoted together, with one rename (see the layout below).

`bicentennial run` calls `adopt_outputs` and `remove_abandoned` at its start (under the run lock) and
`promote_run` when every step succeeded; the warehouse file itself is promoted by `warehouse.promote`.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from . import warehouse as warehouse_file  # promote is looked up at call time (tests replace it)
from .fsutil import fsync_dir, remove_path, with_path
from .fsutil import is_real_dir as _is_real_dir

# ----------------------------------------------------------------------------------------------
# The live results and site of a build folder change together, with one rename.
#
#   BUILD/.outputs/<id>/results/, …/site/   one folder per successful `bicentennial run`
#   BUILD/current -> .outputs/<id>          the one pointer a run switches (a symlink replaced by os.replace)
#   BUILD/results -> current/results        stable links, made once; everything reads and writes these paths
#   BUILD/site    -> current/site           (site.build.published_site, release, reproduce, Dagster UI runs)
#
# Names a run creates end in -<pid>, so that what a killed run left can be told from a live run's.

OUTPUTS = ".outputs"
CURRENT = "current"
OUTPUT_NAMES = ("results", "site")
_TEMPORARY = (".run-", f".{CURRENT}.new-", f".{CURRENT}.old-", ".results.new-", ".site.new-", ".run.log.new-",
              ".results.previous-", ".site.previous-")  # in BUILD; the last two from runs before this layout


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
        warehouse_file.promote(candidate, warehouse)
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
