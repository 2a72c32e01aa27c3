"""Site publishing: evaluation results → generated Markdown partials → rendered HTML.

The Quarto project in site/ holds the pages; their variable parts are `{{< include _generated/… >}}`
partials written here from the results (no computation at render time). Rendering uses the Quarto
CLI when it is on PATH, otherwise pandoc (from the pypandoc-binary wheel) with site/_pandoc/
template.html and the navigation read from site/_quarto.yml. The site is built in a fresh folder
and swapped in only when complete, so a failed build leaves the last good site as it was.
"""
from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import jinja2
import yaml

INCLUDE = re.compile(r"\{\{<\s*include\s+(\S+)\s*>\}\}")
QMD_LINK = re.compile(r"\]\(([^)#\s]+)\.qmd(#[^)]*)?\)")
MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~^$])")


def md_text(value) -> str:
    """Text from data, safe inside Markdown: HTML-escaped and Markdown punctuation backslash-escaped."""
    return MD_SPECIAL.sub(r"\\\1", html.escape(str(value), quote=True))


def fmt(value: float, digits: int = 3) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


# ----------------------------------------------------------------------------------------------
# Generated partials


@dataclass
class SiteInputs:
    results_dir: Path
    landing_files: list[dict]
    run_info: dict


def homicide_section(results_dir: Path, figures: Path) -> str:
    lines: list[str] = []
    for result_path in sorted((results_dir / "evaluations").glob("*/result.json")):
        result = json.loads(result_path.read_text())
        if result["goal"] != "goal_1_protect_people":
            continue
        name = result["name"]
        lines.append(f"### {md_text(result['title']['en'])}\n")
        sample = result["sample"]
        lines.append(
            f"Design: staggered difference-in-differences on {sample['units']:,} municipalities, "
            f"{md_text(sample['start'])} to {md_text(sample['end'])} ({sample['rows_in_window']:,} municipality-months); "
            f"{sample['treated_units']:,} municipalities in states reached by an operation, in cohorts starting "
            f"{md_text(', '.join(sample['cohorts']))}. Outcome: {md_text(result['data']['outcome'])} "
            f"(homicides per 100,000 inhabitants per month). Standard errors clustered by state.\n"
        )
        twfe = result["results"].get("twfe")
        if twfe:
            att = twfe["att"]
            verdict = ("The 95% confidence interval includes zero: no detectable change."
                       if att["ci_low"] <= 0 <= att["ci_high"] else
                       f"The 95% confidence interval excludes zero: an estimated {'increase' if att['estimate'] > 0 else 'decrease'}.")
            lines.append(
                f'<p class="estimate">Two-way fixed effects estimate: <strong>{fmt(att["estimate"])}</strong> '
                f'homicides per 100,000 per month (standard error {fmt(att["std_error"])}; '
                f'95% CI {fmt(att["ci_low"])} to {fmt(att["ci_high"])}; {twfe["n_obs"]:,} observations, '
                f'{twfe["n_clusters"]} clusters).</p>\n'
            )
            lines.append(f"{verdict} With staggered adoption and effects that change over time, two-way fixed "
                         "effects can be biased; read it with the event study below.\n")
        if (results_dir / "evaluations" / name / "event_study.png").exists():
            shutil.copy(results_dir / "evaluations" / name / "event_study.png", figures / f"{name}_event_study.png")
            lines.append(
                f"![Event study: effect on the monthly homicide rate by months since the operation began, with 95% "
                f"confidence band; reference month −1]({figures.name}/{name}_event_study.png){{fig-alt=\"Event-study plot of "
                f"{md_text(result['title']['en'])}\"}}\n"
            )
        lines.append(quality_line(result.get("quality")))
        lines.extend(spatial_section(results_dir, figures, name))
    return "\n".join(lines) if lines else "No homicide evaluation results in this build.\n"


def _figure(source: Path, figures: Path, name: str, alt: str) -> str:
    shutil.copy(source, figures / name)
    return f"![{alt}]({figures.name}/{name}){{fig-alt=\"{alt}\"}}\n"


def spatial_section(results_dir: Path, figures: Path, name: str) -> list[str]:
    """Spillover-aware estimate, change map and hot-spot maps of one spec (those that exist)."""
    lines: list[str] = []
    spill_path = results_dir / "spatial" / name / "spillover.json"
    if spill_path.exists():
        spill = json.loads(spill_path.read_text())
        effects = {e["index"]: e for e in spill["effects"]}
        direct, ring = effects["direct"], effects.get("spill_ring1")
        lines.append(
            f'<p class="estimate">Spillover-aware estimate — direct effect on municipalities of treated states: '
            f'<strong>{fmt(direct["estimate"])}</strong> (standard error {fmt(direct["se"])}; 95% CI '
            f'{fmt(direct["ci_low"])} to {fmt(direct["ci_high"])})'
            + (f'; spillover on untreated neighbouring municipalities: <strong>{fmt(ring["estimate"])}</strong> '
               f'(standard error {fmt(ring["se"])}; 95% CI {fmt(ring["ci_low"])} to {fmt(ring["ci_high"])})' if ring else "")
            + ".</p>\n"
        )
        lines.append(
            "The spillover-aware model separates untreated municipalities that border a treated one from the "
            "farther controls, so displaced violence among neighbours does not contaminate the comparison "
            + ("(the neighbours' 95% CI includes zero: no detectable spillover)." if ring and ring["ci_low"] <= 0 <= ring["ci_high"]
               else "(the neighbours' CI excludes zero: violence spilled over or was displaced).") + "\n"
        )
    map_dir = results_dir / "maps" / name
    if (map_dir / "summary.json").exists():
        summary = json.loads((map_dir / "summary.json").read_text())
        period = f"{md_text(' to '.join(summary['baseline']))} and {md_text(' to '.join(summary['post']))}"
        lines.append("#### Where homicide rates changed\n")
        lines.append(_figure(map_dir / summary["png"], figures, f"{name}_change_map.png",
                             f"Map of the change in the annualised municipal homicide rate per 100,000 between {period}"))
        if summary.get("html"):
            shutil.copy(map_dir / summary["html"], figures / f"{name}_change_map.html")
            lines.append(f"[Interactive version of the map (hover for municipality and value)]({figures.name}/{name}_change_map.html)\n")
        lines.append(
            f"Across {summary['municipalities']:,} municipalities the median change was "
            f"{fmt(summary['median_change'], 1)} per 100,000 per year; "
            f"{summary['share_increasing']:.0%} of municipalities saw an increase.\n"
        )
    hot_path = results_dir / "spatial" / name / "hotspots.json"
    if hot_path.exists():
        hot = json.loads(hot_path.read_text())
        lines.append("#### Hot spots and how they moved\n")
        lines.append(
            f"Global Moran's I of the homicide rate: {fmt(hot['moran_baseline']['I'])} in the baseline and "
            f"{fmt(hot['moran_post']['I'])} after (permutation p = {hot['moran_post']['p_sim']:.3f}). Local hot and cold "
            f"spots by Getis–Ord Gi* with {hot['permutations']:,} permutations (seed {hot['seed']}) and Benjamini–Hochberg "
            f"false-discovery control at {hot['alpha']:.0%}: {hot['spots']['baseline'].get('hot', 0)} hot spots before, "
            f"{hot['spots']['post'].get('hot', 0)} after.\n"
        )
        folder = results_dir / "spatial" / name
        lines.append(_figure(folder / hot["maps"]["transition"], figures, f"{name}_hotspots_transition.png",
                             "Map of homicide hot and cold spots that persisted, appeared or disappeared between the periods"))
    return lines


def quality_line(quality: dict | None) -> str:
    if not quality or not quality.get("suites"):
        return '<p class="note">Data checks: no check results recorded for this input.</p>\n'
    parts = []
    for suite in quality["suites"]:
        failed = suite["failed"]
        text = f"{len(suite['passed'])} of {len(suite['passed']) + len(failed)} checks passed on {md_text(quality['table'])}"
        if failed:
            text += " (not passed: " + "; ".join(f"{md_text(f['name'])} [{f['severity']}]" for f in failed) + ")"
        parts.append(text)
    return '<p class="note">Data checks: ' + ". ".join(parts) + ".</p>\n"


def data_sources_section(landing_files: list[dict]) -> str:
    rows = ["| table | file | bytes | SHA-256 |", "|---|---|---:|---|"]
    for f in landing_files:
        rows.append(f"| {md_text(f['table_name'])} | {md_text(f['file'])} | {f['size_bytes']:,} | `{f['sha256']}` |")
    return "\n".join(rows) + "\n\nSources, publishers and licences: see each folder's SOURCE.md in the repository's `data/`.\n"


def run_section(run_info: dict) -> str:
    return f'<p class="note">Built from commit {md_text(run_info.get("commit", "unknown"))}, version {md_text(run_info.get("version", "dev"))}.</p>\n'


def write_generated(stage: Path, inputs: SiteInputs) -> None:
    generated, figures = stage / "_generated", stage / "figures"
    generated.mkdir(exist_ok=True)
    figures.mkdir(exist_ok=True)
    (generated / "goal-1-homicides.md").write_text(homicide_section(inputs.results_dir, figures))
    (generated / "data-sources.md").write_text(data_sources_section(inputs.landing_files))
    (generated / "run.md").write_text(run_section(inputs.run_info))


# ----------------------------------------------------------------------------------------------
# Rendering


def expand_includes(text: str, base: Path) -> str:
    return INCLUDE.sub(lambda m: (base / m.group(1)).read_text(encoding="utf-8"), text)


def split_front_matter(text: str) -> tuple[dict, str]:
    if text.startswith("---"):
        _, front, body = text.split("---", 2)
        return yaml.safe_load(front) or {}, body
    return {}, text


def pandoc_path() -> str:
    import pypandoc

    return pypandoc.get_pandoc_path()


def render_with_pandoc(stage: Path, out: Path) -> list[Path]:
    config = yaml.safe_load((stage / "_quarto.yml").read_text())
    website = config["website"]
    template = jinja2.Environment(autoescape=True).from_string((stage / "_pandoc" / "template.html").read_text())
    pages = config["project"]["render"]
    written = []
    for page in pages:
        front, body = split_front_matter((stage / page).read_text(encoding="utf-8"))
        body = QMD_LINK.sub(lambda m: f"]({m.group(1)}.html{m.group(2) or ''})", expand_includes(body, stage))
        fragment = subprocess.run(
            [pandoc_path(), "--from=markdown", "--to=html5", "--wrap=none"],
            input=body, capture_output=True, text=True, check=True,
        ).stdout
        target = out / Path(page).with_suffix(".html")
        navbar = [{"href": i["href"].replace(".qmd", ".html"), "text": i["text"], "current": i["href"] == page}
                  for i in website["navbar"]["left"]]
        target.write_text(template.render(
            lang=config.get("lang", "en"), title=front.get("title", ""), site_title=website["title"],
            navbar=navbar, body=fragment, footer="Mexico–U.S. Bicentennial Framework evaluation platform",
        ), encoding="utf-8")
        written.append(target)
    for folder in ("assets", "figures"):
        if (stage / folder).exists():
            shutil.copytree(stage / folder, out / folder, dirs_exist_ok=True)
    return written


def render(stage: Path, out: Path) -> str:
    """Render the staged project into `out`; returns the renderer used."""
    out.mkdir(parents=True, exist_ok=True)
    if shutil.which("quarto") and not os.environ.get("BICENTENNIAL_FORCE_PANDOC"):
        subprocess.run(["quarto", "render", str(stage), "--output-dir", str(out)], check=True, capture_output=True)
        return "quarto"
    render_with_pandoc(stage, out)
    return "pandoc"


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


def build_site(site_source: Path, build_dir: Path, inputs: SiteInputs) -> tuple[Path, str]:
    build_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".site-build-", dir=build_dir))
    try:
        stage = work / "project"
        shutil.copytree(site_source, stage, ignore=shutil.ignore_patterns("_site", "_generated", ".quarto"))
        write_generated(stage, inputs)
        rendered = work / "site"
        renderer = render(stage, rendered)
        target = build_dir / "site"
        swap_into_place(rendered, target)
        return target, renderer
    finally:
        shutil.rmtree(work, ignore_errors=True)
