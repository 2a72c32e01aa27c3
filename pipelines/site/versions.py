"""Site versions, as `mike` keeps them: BUILD/site/<version>/, versions.json, latest/, the version list.

One folder per release (the exact git tag of HEAD, else "dev"); versions.json lists them newest first;
latest/ holds redirect pages to the newest release (plain files: they work from any static server and from
file://). Folders are replaced by renames, so readers see the old site or the new one, never half.
"""
from __future__ import annotations

import html
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import i18n
from .i18n import LANGS
from .results import SiteError

VERSION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")


RESERVED = {"latest", "assets", "versions.json", "index.html", "versions.html"}


@dataclass
class Published:
    root: Path          # BUILD/site
    version: str
    path: Path          # BUILD/site/<version>
    renderer: str       # quarto | pandoc | skipped
    message: str = ""

    @property
    def index(self) -> Path:
        return self.root / "index.html"


def version_key(version: str):
    """Newest-first ordering of release names: numeric parts compare as numbers (v1.10 > v1.9)."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", version) if part]


def list_versions(root: Path) -> list[str]:
    """Version folders under the site root (each has a version.json written when it was built)."""
    if not root.exists():
        return []
    found = [p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and (p / "version.json").exists()]
    releases = sorted((v for v in found if v != "dev"), key=version_key, reverse=True)
    return releases + (["dev"] if "dev" in found else [])


def check_version(version: str) -> str:
    if not VERSION_NAME.match(version or "") or version in RESERVED:
        raise SiteError(f"version {version!r} cannot name a site folder: use a git tag such as v1.2.0 "
                        "(letters, digits, '.', '_', '+', '-'; not 'latest')")
    return version


def write_atomic(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def redirect_page(target: str, lang: str = "en") -> str:
    safe = html.escape(target, quote=True)
    return (f'<!DOCTYPE html>\n<html lang="{i18n.LOCALE_TAGS.get(lang, "en-US")}">\n<head>\n<meta charset="utf-8">\n'
            f'<title>Redirecting…</title>\n<meta http-equiv="refresh" content="0; url={safe}">\n'
            f'<link rel="canonical" href="{safe}">\n</head>\n<body>\n<p><a href="{safe}">{safe}</a></p>\n</body>\n</html>\n')


def swap_into_place(new: Path, target: Path) -> None:
    """Replace `target` with `new` by renames, so readers see the old site or the new one, never half."""
    old = target.with_name(target.name + ".previous")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    new.rename(target)
    if old.exists():
        shutil.rmtree(old)


def update_index(root: Path) -> list[dict]:
    """versions.json, latest/ (redirects to the newest release, else dev), versions.html and the root redirect."""
    versions = list_versions(root)
    releases = [v for v in versions if v != "dev"]
    newest = releases[0] if releases else (versions[0] if versions else None)
    entries = [{"version": v, "title": v, "aliases": ["latest"] if v == newest else []} for v in versions]
    write_atomic(root / "versions.json", json.dumps(entries, indent=2) + "\n")
    if newest is None:
        return entries
    latest_new = Path(tempfile.mkdtemp(prefix=".latest-", dir=root))
    for page in sorted((root / newest).rglob("*.html")):
        relative = page.relative_to(root / newest)
        if relative.parts[0] not in LANGS or len(relative.parts) != 2:
            continue
        destination = latest_new / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(redirect_page(f"../../{newest}/{relative.as_posix()}", relative.parts[0]), encoding="utf-8")
    (latest_new / "index.html").write_text(redirect_page(f"../{newest}/{LANGS[0]}/index.html"), encoding="utf-8")
    (latest_new / "version.txt").write_text(newest + "\n", encoding="utf-8")
    latest_new.chmod(0o755)
    swap_into_place(latest_new, root / "latest")
    items = "\n".join(f'<li><a href="{html.escape(v)}/{LANGS[0]}/index.html">{html.escape(v)}</a>'
                      f' (<a href="{html.escape(v)}/es/index.html" hreflang="es">es</a>)'
                      + (" — latest" if v == newest else "") + "</li>" for v in versions)
    write_atomic(root / "versions.html",
                 '<!DOCTYPE html>\n<html lang="en-US">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n'
                 '<title>Versions – Bicentennial Framework evaluation</title>\n</head>\n<body>\n<main>\n<h1>Versions / Versiones</h1>\n'
                 f"<ul>\n{items}\n</ul>\n</main>\n</body>\n</html>\n")
    write_atomic(root / "index.html", redirect_page(f"{newest}/{LANGS[0]}/index.html"))
    return entries


def carry_versions(previous_root: Path, root: Path) -> list[str]:
    """Hard-link (copy where linking fails) the released versions of a previously published site into `root`, so
    a site built in a staging folder and renamed over the old one keeps every release byte for byte."""
    carried = []
    for version in list_versions(previous_root):
        if version == "dev" or (root / version).exists():
            continue
        temporary = root / f".carry-{version}"
        shutil.rmtree(temporary, ignore_errors=True)
        shutil.copytree(previous_root / version, temporary, copy_function=_link_or_copy, symlinks=True)
        temporary.rename(root / version)
        carried.append(version)
    return carried


def _link_or_copy(source: str, destination: str) -> None:
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)
