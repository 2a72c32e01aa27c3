"""The Methods page: designs, estimators and diagnostics of every evaluation; the publication rules."""
from __future__ import annotations

from evaluations import formats
from evaluations.result_model import EvaluationResult

from . import i18n
from .estimates import diagnostics_md
from .goals import goal_page
from .i18n import pick, t
from .markdown import md_text, table_md
from .scorecard import grade_entries


def methods_section(lang: str, results: list[EvaluationResult], audit: dict | None = None) -> str:
    en = lang == "en"
    rows = []
    for r in results:
        # estimator identifiers as code: they are the names in result.json and the CSVs, not words of the page
        estimators = ", ".join(f"`{name}`" for name in sorted({(e.estimator or e.id).replace("`", "") for e in r.estimates}))
        rows.append([f"[{md_text(pick(r.title, lang))}]({goal_page(r.goal)}.qmd#{r.name})",
                     md_text(i18n.design_name(r.design, lang)), estimators or "—",
                     md_text(i18n.grade_label(r.evidence.grade, lang, (audit or {}).get("grades"))),
                     diagnostics_md(r.diagnostics, lang) or "—", str(r.seed) if r.seed is not None else "—"])
    if rows:
        out = [table_md(["Evaluation" if en else "Evaluación", t("design", lang), "Estimators" if en else "Estimadores",
                         t("evidence", lang), t("diagnostics", lang), "Seed" if en else "Semilla"], rows)]
    else:
        out = ["No evaluation results in this build.\n" if en else "No hay resultados de evaluación en esta versión.\n"]
    out.append(publication_rules_section(lang, audit))
    return "\n".join(out)


def publication_rules_section(lang: str, audit: dict | None) -> str:
    """Every publication rule and evidence grade, as the audit of this build lists them (as evaluations/publication
    defines them when the results were not audited), and the size of the scorecard's multiple-testing family."""
    en = lang == "en"
    if audit is not None and audit.get("rules"):
        rules = [(r.get("id", ""), r.get("title"), r.get("description")) for r in audit["rules"]]
    else:
        from evaluations.publication.rules import RULES

        rules = [(r.id, r.title, r.description) for r in RULES]
    out = [f"## {t('rules_heading', lang)} {{#publication-rules}}\n",
           ("No number reaches this site unless its result passes the rules below; the evaluations are graded by what "
            "their design and diagnostics can show, and every page shows that grade with the result." if en else
            "Ninguna cifra llega a este sitio si su resultado no cumple las reglas siguientes; cada evaluación recibe un "
            "grado según lo que su diseño y sus diagnósticos pueden mostrar, y cada página muestra ese grado junto al resultado.")
           + "\n",
           f"### {'Rules' if en else 'Reglas'} {{#rules}}\n",
           "".join(f"- **{md_text(pick(title, lang))}** (<code>{md_text(rule_id)}</code>): {md_text(pick(description, lang))}\n"
                   for rule_id, title, description in rules),
           f"### {'Evidence grades' if en else 'Grados de evidencia'} {{#grades}}\n",
           "".join(f"- **{md_text(pick(g, lang))}**: {md_text(pick(g.get('description'), lang))}\n"
                   for g in grade_entries(audit))]
    if audit is None:
        out.append(("These results were not audited (publication_audit.json is missing): no q-values are shown." if en else
                    "Estos resultados no se auditaron (falta publication_audit.json): no se muestran valores q.") + "\n")
        return "\n".join(out)
    family = audit.get("family") or {}
    if family.get("tests") is not None:
        n = formats.integer(family["tests"], lang)
        out.append((f"This site reports {n} tests in its scorecard family; q-values control the false discovery rate "
                    "(Benjamini–Hochberg)." if en else
                    f"Este sitio reporta {n} pruebas en la familia de su tablero; los valores q controlan la tasa de falsos "
                    "descubrimientos (Benjamini–Hochberg).")
                   + (f" {'The family' if en else 'La familia'}: {md_text(pick(family['description'], lang))}."
                      if pick(family.get("description"), lang) else "") + "\n")
    violations = audit.get("violations") or []
    if audit.get("passed") is False or violations:
        out.append('<p class="warning">' + ("The publication audit of this build did not pass:" if en else
                                             "La auditoría de publicación de esta versión no se aprobó:") + "</p>\n\n"
                   + "".join(f"- {md_text(v.get('evaluation') or v.get('name') or '')} "
                             f"(<code>{md_text(v.get('rule', ''))}</code>): {md_text(v.get('message', ''))}\n"
                             if isinstance(v, dict) else f"- {md_text(v)}\n" for v in violations))
    else:
        out.append(("Every result in this build passed every rule that applies to its design." if en else
                    "Cada resultado de esta versión cumple todas las reglas que aplican a su diseño.") + "\n")
    return "\n".join(out)
