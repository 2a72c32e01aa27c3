"""The spatial part of an evaluation's section: spillover-aware estimate, change map, hot spots."""
from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from evaluations import formats
from evaluations.figures import TRANSITION_LABELS_ES
from evaluations.publication import vocabulary

from .estimates import ci_text
from .i18n import t
from .markdown import figure_md, md_text, table_md


def _figure(source: Path, figures: Path, name: str, alt: str, caption: str | None = None, lang: str = "en") -> str:
    """A map copied beside the pages as `name`; its drawing in the page's language (`<stem>.<lang>.png`) when
    there is one, copied as `<name stem>.<lang>.png` (both languages share the figures folder)."""
    localized = source.with_name(f"{source.stem}.{lang}{source.suffix}")
    if lang != "en" and localized.exists():
        source, name = localized, f"{Path(name).stem}.{lang}{Path(name).suffix}"
    shutil.copy(source, figures / name)
    return figure_md(f"{figures.name}/{name}", alt, caption or alt)


MAP_TEXT = {
    "changed": {"en": "Where homicide rates changed", "es": "Dónde cambiaron las tasas de homicidio"},
    "hotspots": {"en": "Hot spots and how they moved", "es": "Puntos calientes y su desplazamiento"},
    "municipalities": {"en": "Municipalities with the largest increase", "es": "Municipios con el mayor aumento"},
}




def spatial_section(results_dir: Path, figures: Path, name: str, lang: str = "en",
                    names: dict[str, tuple[str, str]] | None = None, level: int = 4) -> list[str]:
    """Spillover-aware estimate, change map and hot-spot maps of one spec (those that exist)."""
    en = lang == "en"
    lines: list[str] = []
    spill_path = results_dir / "spatial" / name / "spillover.json"
    if spill_path.exists():
        spill = json.loads(spill_path.read_text())
        effects = {e["index"]: e for e in spill["effects"]}
        direct, ring = effects["direct"], effects.get("spill_ring1")

        def ci(e: dict) -> str:
            return ci_text(e["se"], e["ci_low"], e["ci_high"], lang)

        lines.append(
            '<p class="estimate">' + ("Spillover-aware estimate — direct effect on municipalities of treated states: "
                                       if en else "Estimación que considera derrames — efecto directo en municipios de estados tratados: ")
            + f'<strong>{formats.significant(direct["estimate"], lang)}</strong> ({ci(direct)})'
            + ((("; spillover on untreated neighbouring municipalities: " if en else "; derrame en municipios vecinos no tratados: ")
                + f'<strong>{formats.significant(ring["estimate"], lang)}</strong> ({ci(ring)})') if ring else "")
            + ".</p>\n")
        no_spill = bool(ring) and ring["ci_low"] <= 0 <= ring["ci_high"]
        lines.append(
            ("The spillover-aware model separates untreated municipalities that border a treated one from the farther controls, "
             "so displaced violence among neighbours does not contaminate the comparison "
             + ("(the neighbours' 95% CI includes zero: no detectable spillover)." if no_spill
                else "(the neighbours' CI excludes zero: violence spilled over or was displaced).")) if en else
            ("El modelo con derrames separa a los municipios no tratados que colindan con uno tratado de los controles más lejanos, "
             "para que la violencia desplazada entre vecinos no contamine la comparación "
             + ("(el IC 95% de los vecinos incluye el cero: no se detecta derrame)." if no_spill
                else "(el IC de los vecinos excluye el cero: la violencia se derramó o se desplazó).")) + "\n")
        excluded = spill.get("excluded_cohorts") or []
        if excluded:   # publication rule cohort_min_size, as in the headline estimate
            units, dates = sum(c["units"] for c in excluded), ", ".join(c["cohort"] for c in excluded)
            lines.append('<p class="note">' + (
                f"Left out of this estimate, as of the headline: {len(excluded)} cohort(s) of {formats.integer(units, lang)} "
                f"municipalities (first treated {dates}) with fewer than {vocabulary.MIN_COHORT_UNITS} municipalities or in "
                f"fewer than {vocabulary.MIN_COHORT_CLUSTERS} states; they still "
                f"mark their neighbours as exposed." if en else
                f"Excluidas de esta estimación, como de la principal: {len(excluded)} cohorte(s) de {formats.integer(units, lang)} "
                f"municipios (primer tratamiento {dates}) con menos de {vocabulary.MIN_COHORT_UNITS} municipios o en menos de "
                f"{vocabulary.MIN_COHORT_CLUSTERS} estados; aun así marcan a sus "
                f"vecinos como expuestos.") + "</p>\n")
    map_dir = results_dir / "maps" / name
    if (map_dir / "summary.json").exists():
        summary = json.loads((map_dir / "summary.json").read_text())
        base, post = summary["baseline"], summary["post"]
        period = (f"{formats.period(base[0], base[1], lang)} {'and' if en else 'y'} {formats.period(post[0], post[1], lang)}")
        lines.append(f"{'#' * level} {MAP_TEXT['changed'][lang]}\n")
        legend = "; ".join(str(x) for x in summary.get("legend" if en else "legend_es") or summary.get("legend", []))  # alt text: attr_text escapes it
        alt = (f"Map of Mexico's municipalities shaded by the change in the annualised homicide rate per 100,000 between {period}; "
               f"classes: {legend}." if en else
               f"Mapa de los municipios de México sombreados según el cambio en la tasa anualizada de homicidios por 100 000 entre {period}; "
               f"clases: {legend}.")
        lines.append(_figure(map_dir / summary["png"], figures, f"{name}_change_map.png", alt,
                             ("Change in the homicide rate per 100,000 per year, " if en else "Cambio en la tasa de homicidios por 100 000 al año, ") + period,
                             lang))
        page = interactive_map(map_dir, summary, figures, name, lang)
        if page:
            lines.append(f'<p class="map-link"><a class="interactive-map" href="{figures.name}/{page}">'
                         f"{t('interactive_map', lang)}</a></p>\n")
        lines.append(
            (f"Across {formats.integer(summary['municipalities'], lang)} municipalities the median change was "
             f"{formats.rate(summary['median_change'], lang)} per 100,000 per year; "
             f"{formats.percent(summary['share_increasing'], lang, 1)} of municipalities saw an increase.") if en else
            (f"En {formats.integer(summary['municipalities'], lang)} municipios el cambio mediano fue de "
             f"{formats.rate(summary['median_change'], lang)} por 100 000 al año; "
             f"{formats.percent(summary['share_increasing'], lang, 1)} de los municipios registró un aumento.") + "\n")
        lines.append(top_municipalities(map_dir, names or {}, lang))
    hot_path = results_dir / "spatial" / name / "hotspots.json"
    if hot_path.exists():
        hot = json.loads(hot_path.read_text())
        lines.append(f"{'#' * level} {MAP_TEXT['hotspots'][lang]}\n")
        b, p = hot["spots"]["baseline"], hot["spots"]["post"]
        lines.append(
            (f"Global Moran's I of the homicide rate: {formats.significant(hot['moran_baseline']['I'], lang)} in the baseline and "
             f"{formats.significant(hot['moran_post']['I'], lang)} after (permutation {formats.p_value(hot['moran_post']['p_sim'], lang, 'p')}). Local hot and cold "
             f"spots by Getis–Ord Gi* with {formats.integer(hot['permutations'], lang)} permutations (seed {hot['seed']}) and Benjamini–Hochberg "
             f"false-discovery control at {formats.percent(hot['alpha'], lang)}: {b.get('hot', 0)} hot spots before, {p.get('hot', 0)} after.")
            if en else
            (f"I de Moran global de la tasa de homicidios: {formats.significant(hot['moran_baseline']['I'], lang)} en la línea base y "
             f"{formats.significant(hot['moran_post']['I'], lang)} después ({formats.p_value(hot['moran_post']['p_sim'], lang, 'p por permutación')}). Puntos calientes y "
             f"fríos locales por Gi* de Getis–Ord con {formats.integer(hot['permutations'], lang)} permutaciones (semilla {hot['seed']}) y control de la "
             f"tasa de falsos descubrimientos de Benjamini–Hochberg al {formats.percent(hot['alpha'], lang)}: {b.get('hot', 0)} puntos calientes antes, "
             f"{p.get('hot', 0)} después.") + "\n")
        transitions = hot.get("transitions") or {}
        alt = (("Map of homicide hot and cold spots that persisted, appeared or disappeared between the periods; counts: "
                if en else "Mapa de puntos calientes y fríos de homicidio que persistieron, aparecieron o desaparecieron entre los periodos; conteos: ")
               + "; ".join(f"{k if en else TRANSITION_LABELS_ES.get(k, k)} {formats.integer(v, lang)}"
                           for k, v in sorted(transitions.items())))
        folder = results_dir / "spatial" / name
        lines.append(_figure(folder / hot["maps"]["transition"], figures, f"{name}_hotspots_transition.png", alt,
                             "Hot-spot transitions (Gi*, FDR-controlled)" if en else "Transiciones de puntos calientes (Gi*, con control FDR)",
                             lang))
    return lines


def interactive_map(map_dir: Path, summary: dict, figures: Path, name: str, lang: str) -> str | None:
    """The change map's interactive page in the page's language, copied beside the pages as
    `<name>_change_map.html` (English) or `<name>_change_map.<lang>.html`, with the scripts it loads (the Vega
    bundle and the geometry: one file each, shared by both languages' pages); its file name, or None when the
    build has no page in that language."""
    source = summary.get("html" if lang == "en" else f"html_{lang}")
    if not source or not (map_dir / source).exists():
        return None
    page = f"{name}_change_map.html" if lang == "en" else f"{name}_change_map.{lang}.html"
    shutil.copy(map_dir / source, figures / page)
    for script in map_dir.glob("*.js"):   # the page's Vega bundle and geometry: same name, same file for every map
        if not (figures / script.name).exists():
            shutil.copy(script, figures / script.name)
    return page


def top_municipalities(map_dir: Path, names: dict[str, tuple[str, str]], lang: str, n: int = 15) -> str:
    """The municipalities with the largest increase, with their names (text from data: escaped)."""
    change_csv = map_dir / "change.csv"
    if not change_csv.exists():
        return ""
    with open(change_csv, newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r.get("change") not in (None, "")]
    rows.sort(key=lambda r: float(r["change"]), reverse=True)
    body = []
    for r in rows[:n]:
        code = r.get("CVEGEO") or r.get("cvegeo") or ""
        municipality, state = names.get(code, (r.get("municipality", ""), r.get("state", "")))
        body.append([md_text(code), md_text(municipality), md_text(state), formats.rate(float(r["baseline_rate"]), lang),
                     formats.rate(float(r["post_rate"]), lang), formats.rate(float(r["change"]), lang)])
    en = lang == "en"
    header = ["INEGI", "Municipality" if en else "Municipio", "State" if en else "Estado",
              "Baseline rate" if en else "Tasa base", "Post rate" if en else "Tasa posterior", "Change" if en else "Cambio"]
    return (f"<details><summary>{MAP_TEXT['municipalities'][lang]} ({len(body)})</summary>\n\n"
            + table_md(header, body, "lllrrr") + "\n</details>\n")
