"""Paths every page links to, defined once (relative to a language folder, e.g. <version>/en/)."""

# The zip of every result's CSV and JSON plus a README, one per site version (<version>/downloads/results.zip).
ALL_RESULTS_ZIP = "../downloads/results.zip"
# The "Cite this" box (APA and BibTeX from CITATION.cff) on the reproducibility page.
CITE = "reproducibility.html#cite"
