"""Site publishing: evaluation results → generated Markdown partials → rendered, versioned, bilingual HTML.

The Quarto project in site/ holds the pages. Each page has one block per language
(`::: {.content-visible when-profile="es"}`, Quarto's conditional content); their variable parts are
`{{< include _generated/<lang>/… >}}` partials written here from BUILD/results (nothing is computed
at render time).

Modules, in the order the data flows:
- results.py: the result files (read into evaluations.result_model.EvaluationResult), data gaps and
  publication audit (SiteInputs, SiteError);
- markdown.py: escaping of text from data, tables, figures (a leaf: it imports nothing from this package);
- i18n.py: languages, goal and line names, interface text (numbers and dates: evaluations/formats.py);
- estimates.py, evaluation.py, spatial.py: one evaluation's section of a goal page;
- goals.py, methods.py, data_page.py (one section per source), reproducibility.py (the summary, hashes.csv;
  cite.py its "Cite this" box), quality.py, and for the home page home.py (findings.py: key findings;
  scorecard.py: scorecard and legend; sparkline.py): the pages' generated parts, which generate.py writes;
- render.py: Quarto, or pandoc when Quarto is absent;
- versions.py: versions.json, latest/, the version list; downloads.py: the zip of every result;
  build.py: one version from stage to its folder.
"""
