"""Rendering the staged Quarto project: the Quarto CLI when it is on PATH, otherwise pandoc.

Without Quarto, pandoc (from the pypandoc-binary wheel) renders each page with site/_pandoc/template.html, the
navigation of site/_quarto.yml (+ _quarto-<lang>.yml) and the same language blocks
(`::: {.content-visible when-profile="es"}`) that `quarto render --profile <lang>` keeps or drops.
"""
from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jinja2
import yaml

from . import i18n, links
from .i18n import LANGS, t
from .results import SiteError

INCLUDE = re.compile(r"\{\{<\s*include\s+(\S+)\s*>\}\}")


QMD_LINK = re.compile(r"\]\(([^)#\s]+)\.qmd(#[^)]*)?\)")


FENCE_OPEN = re.compile(r"^(:{3,})\s*(\{[^}]*\}|\S+)?\s*$")


WHEN_PROFILE = re.compile(r"""\.content-visible\b[^}]*\bwhen-profile\s*=\s*["']?([\w-]+)""")


HEADING = re.compile(r"^#\s+(.+?)\s*(\{[^}]*\})?\s*$", re.MULTILINE)


IMG_FIG_ALT = re.compile(r'<img\b([^>]*?)\sdata-fig-alt="([^"]*)"([^>]*?)\salt="[^"]*"')


def select_language(text: str, lang: str) -> str:
    """Keep the `::: {.content-visible when-profile="<lang>"}` blocks of `lang` (without their fences), drop
    other languages' blocks (what `quarto render --profile <lang>` does); everything else is kept."""
    out: list[str] = []
    stack: list[tuple[bool, bool]] = []  # per open fence: (is a language block, is dropped)
    for line in text.splitlines(keepends=True):
        match = FENCE_OPEN.match(line.rstrip("\n"))
        if match and match.group(2):  # an opening fence
            profile = WHEN_PROFILE.search(match.group(2))
            if profile:
                stack.append((True, profile.group(1) != lang))
                continue
            stack.append((False, False))
        elif match and stack:  # a closing fence
            is_language_block, dropped = stack.pop()
            if is_language_block or dropped or any(d for _, d in stack):
                continue
            out.append(line)
            continue
        if not any(d for _, d in stack):
            out.append(line)
    return "".join(out)


def expand_includes(text: str, base: Path) -> str:
    def include(match: re.Match) -> str:
        path = base / match.group(1)
        if not path.exists():
            raise SiteError(f"{path}: included page part is missing")
        return path.read_text(encoding="utf-8")

    return INCLUDE.sub(include, text)


def split_front_matter(text: str) -> tuple[dict, str]:
    if text.startswith("---"):
        _, front, body = text.split("---", 2)
        return yaml.safe_load(front) or {}, body
    return {}, text


def pandoc_path() -> str:
    import pypandoc

    return pypandoc.get_pandoc_path()


def site_config(stage: Path, lang: str) -> dict:
    """_quarto.yml with the language profile _quarto-<lang>.yml merged over it (navbar items missing from the
    profile keep the base text, so a page added to _quarto.yml alone still appears in every language)."""
    config = yaml.safe_load((stage / "_quarto.yml").read_text(encoding="utf-8"))
    profile_path = stage / f"_quarto-{lang}.yml"
    if profile_path.exists():
        profile = yaml.safe_load(profile_path.read_text(encoding="utf-8")) or {}
        base_nav = config["website"]["navbar"]["left"]
        nav = (profile.get("website", {}).get("navbar", {}) or {}).get("left")
        config["website"]["title"] = profile.get("website", {}).get("title", config["website"]["title"])
        if nav:
            hrefs = {item["href"] for item in nav}
            config["website"]["navbar"]["left"] = nav + [item for item in base_nav if item["href"] not in hrefs]
        config["lang"] = profile.get("lang", lang)
    return config


def _pandoc_html(markdown: str) -> str:
    return subprocess.run(
        [pandoc_path(), "--from=markdown", "--to=html5", "--wrap=none", "--section-divs=false"],
        input=markdown, capture_output=True, text=True, check=True,
    ).stdout


def render_with_pandoc(stage: Path, out: Path, version: str = "dev", commit: str = "") -> list[Path]:
    """Every page of the project in every language: out/<lang>/<page>.html (+ assets/, figures/ beside them)."""
    template = jinja2.Environment(autoescape=True).from_string((stage / "_pandoc" / "template.html").read_text(encoding="utf-8"))
    pages: list[tuple[str, str, str, str, dict, list[dict]]] = []  # lang, page, body, fallback title, website, navbar
    for lang in LANGS:
        config = site_config(stage, lang)
        website = config["website"]
        navbar_items = [i for i in website["navbar"]["left"] if (stage / i["href"]).exists()]
        for page in [p for p in config["project"]["render"] if (stage / p).exists()]:
            front, body = split_front_matter((stage / page).read_text(encoding="utf-8"))
            body = select_language(body, lang)
            body = QMD_LINK.sub(lambda m: f"]({m.group(1)}.html{m.group(2) or ''})", expand_includes(body, stage))
            pages.append((lang, page, body, front.get("title", page), website, navbar_items))
    # One pandoc process per page, as many at a time as there are cores (pandoc is the site stage's cost).
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        fragments = list(pool.map(_pandoc_html, [page[2] for page in pages]))
    written = []
    for (lang, page, body, fallback_title, website, navbar_items), fragment in zip(pages, fragments):
        fragment = IMG_FIG_ALT.sub(lambda m: f'<img{m.group(1)}{m.group(3)} alt="{m.group(2)}"', fragment)
        fragment = fragment.replace('<figcaption aria-hidden="true">', "<figcaption>")
        heading = HEADING.search(body)
        title = re.sub(r"\\(.)", r"\1", html.unescape(heading.group(1))) if heading else fallback_title
        page_html = Path(page).with_suffix(".html").name
        target = out / lang / page_html
        target.parent.mkdir(parents=True, exist_ok=True)
        navbar = [{"href": Path(i["href"]).with_suffix(".html").name, "text": i["text"], "current": i["href"] == page}
                  for i in navbar_items]
        others = [{"lang": other, "name": i18n.LANG_NAMES[other], "href": f"../{other}/{page_html}"} for other in LANGS if other != lang]
        target.write_text(template.render(
            lang=i18n.LOCALE_TAGS[lang], title=title, site_title=website["title"], navbar=navbar, body=fragment,
            footer=t("footer", lang), version=version, commit=commit, links=links, languages=others, text={k: v[lang] for k, v in i18n.TEXT.items()},
            page=page_html, page_lang=lang,
        ), encoding="utf-8")
        written.append(target)
    for lang in LANGS:
        for folder in ("assets", "figures"):
            if (stage / folder).exists():
                _copy_or_link(stage / folder, out / lang / folder, link_from=out / LANGS[0] / folder if lang != LANGS[0] else None)
    return written


def _copy_or_link(source: Path, target: Path, link_from: Path | None) -> None:
    """Copy a folder; for the second language hard-link the first language's identical files (no double disk use)."""
    for path in source.rglob("*"):
        if path.is_dir():
            continue
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        twin = link_from / path.relative_to(source) if link_from else None
        if twin is not None and twin.exists():
            try:
                os.link(twin, destination)
                continue
            except OSError:
                pass
        shutil.copy2(path, destination)


def render(stage: Path, out: Path, version: str = "dev", commit: str = "") -> str:
    """Render the staged project into `out` (out/<lang>/…); returns the renderer used."""
    out.mkdir(parents=True, exist_ok=True)
    if shutil.which("quarto") and not os.environ.get("BICENTENNIAL_FORCE_PANDOC"):
        for lang in LANGS:
            subprocess.run(["quarto", "render", str(stage), "--profile", lang, "--output-dir", str(out / lang)],
                           check=True, capture_output=True)
        return "quarto"
    render_with_pandoc(stage, out, version, commit)
    return "pandoc"
