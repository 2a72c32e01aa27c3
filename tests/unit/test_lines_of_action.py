"""Every line of action of DESIGN.md is listed, and each is either evaluated by a spec or declared a gap."""
import re
from pathlib import Path

import pytest

from evaluations.lines_of_action import DATA_GAPS, GOALS, LINE_IDS, LINES, data_gaps
from evaluations.spec_model import load_specs

REPO_COPY = Path(__file__).resolve().parents[2] / "docs" / "LINES_OF_ACTION.md"
DESIGN = Path(__file__).resolve().parents[3] / "shared" / "DESIGN.md"


def _table_lines(path: Path) -> list[str]:
    """The 'Line of action' column of the goals table (the first Markdown table of the file)."""
    rows = [r for r in path.read_text(encoding="utf-8").splitlines() if r.startswith("|") and "---" not in r]
    names = [cells[2].strip() for cells in (r.split("|") for r in rows[1:])]
    return [n for n in names if n]


def test_lines_match_the_table_in_the_repository():
    assert [line["name"]["en"] for line in LINES] == _table_lines(REPO_COPY)


@pytest.mark.skipif(not DESIGN.is_file(), reason="../shared/DESIGN.md is not next to this checkout")
def test_repository_copy_matches_design_md():
    assert _table_lines(REPO_COPY) == _table_lines(DESIGN)


def test_every_line_is_evaluated_or_a_declared_gap():
    evaluated: dict = {}
    for spec in load_specs():
        evaluated.setdefault(spec.line_of_action, []).append(spec.name)
    gaps = data_gaps(evaluated)
    no_data = {g["line_of_action"] for g in gaps if g["kind"] == "no_data"}
    for line in LINES:
        assert (line["id"] in evaluated) != (line["id"] in no_data), line["id"]
    # with the embedded default every line has at least one evaluation
    assert set(evaluated) == LINE_IDS and not no_data
    # a line nobody evaluates becomes a no_data gap
    del evaluated["extraditions"]
    assert {g["line_of_action"] for g in data_gaps(evaluated) if g["kind"] == "no_data"} == {"extraditions"}


def test_gaps_are_well_formed():
    for gap in DATA_GAPS:
        assert gap["goal"] in GOALS and gap["line_of_action"] in LINE_IDS and gap["kind"] in ("partial", "no_data")
        assert gap["reason"]["en"] and gap["reason"]["es"]
    # the gaps the Framework names: ATF traces, extraditions beyond the arrests file
    text = " ".join(g["reason"]["en"] for g in DATA_GAPS)
    assert re.search(r"ATF", text) and "extradition-request field" in text
