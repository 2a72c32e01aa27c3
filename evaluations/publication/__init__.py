"""Publication rules: what the platform may publish, graded by one evidence rubric.

- `vocabulary`: thresholds, grades, directions, assessments, scopes (defined once, bilingual);
- `rules`: the named rules, each a check of one result.json;
- `evidence`: `finalize`, applied to every result before it is written;
- `audit`: every written result checked again, the scorecard chosen, Benjamini–Hochberg q-values.
"""
from .audit import audit, load_results, report_lines
from .evidence import PublicationError, enforce_baseline, finalize
from .rules import RULES, check
from .vocabulary import ASSESSMENTS, DIRECTIONS, GRADES, SCOPES

__all__ = ["ASSESSMENTS", "DIRECTIONS", "GRADES", "PublicationError", "RULES", "SCOPES", "audit", "check",
           "enforce_baseline", "finalize", "load_results", "report_lines"]
