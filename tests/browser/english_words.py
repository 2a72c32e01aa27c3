"""What "no English on a Spanish page" means, written once for the browser tests (issue #18).

ENGLISH is a list of common English words that are not also Spanish words ("a", "no", "me", "he", "has", "per",
"total", "series", "base", "final", "control", "error", and "may", the es-MX abbreviation of mayo, are left out), plus the vocabulary of this site (deaths, seizures, estimate, treated…)
that a page could leak from an English label, a column name or a code identifier.

A Spanish page may quote English only where it marks it as English (`lang="en"`, which screen readers need as
well, WCAG 3.1.2): the names of English-language publishers, datasets and papers. Those passages must match
ALLOWED_ENGLISH, the reviewed list. Code (`<code>`, `<pre>`, scripts) is not prose and is not checked.
"""
from __future__ import annotations

import re

ENGLISH = frozenset("""
the and of with for from this that these those which what when where who how is are was were been being have
had not but or by on at it its than then there their they we our you your will would can could might should
must each any more most less only also after before since between over under into about above below
month months year years week weeks day days death deaths estimate estimates estimated change changes changed
increase increased decrease decreased download downloads table tables chart charts figure figures rate rates
homicide homicides evidence grade effect effects trend trends state states show shows shown number numbers average
value values interval confidence clear unclear improvement worsening page pages goal goals line lines action
actions result results baseline latest period periods percent data source sources treated untreated
units unit seizure seizures arrest arrests see here sum sums level levels slope weight weights standard
errors upper lower window missing none true false yes test tests check checks passed failed warning
""".split())

# English passages a Spanish page may carry, marked lang="en": proper names of publishers, datasets, laws and
# papers (reviewed). Matched as whole passages after collapsing spaces; a regular expression each.
ALLOWED_ENGLISH = tuple(re.compile(p) for p in (
    r"English",  # the language switch, in the language it leads to
    r"Bicentennial Framework for Security, Public Health and Safe Communities",
    r"U\.S\. Customs and Border Protection.*",
    r"Centers for Disease Control and Prevention.*",
    r"CDC WONDER.*",
    r"Vital Statistics Rapid Release.*",
    r"Office of Foreign Assets Control.*",
    r"Specially Designated Nationals.*",
    r"U\.S\. Census Bureau.*",
    r"Bureau of Alcohol, Tobacco, Firearms and Explosives.*",
    r"Department of (Justice|State|the Treasury|Homeland Security).*",
    r"Drug Enforcement Administration.*",
    r"Government Accountability Office.*",
    r"Our World in Data.*",
    r"Great Expectations( Data Docs)?",
    r"[A-Z][^.]*\(\d{4}[a-z]?\)[^<]*",  # a reference: "Callaway and Sant'Anna (2021) Difference-in-differences…"
    r"Creative Commons.*|CC BY.*|Public domain.*|U\.S\. Government Work.*|Open Data Commons.*",
    # datasets and offices named in English on the Data page (pipelines/sources/ specs, names_en)
    r"Nationwide Drug Seizures|AMO Drug Seizures|Air and Marine Operations",
    r"Provisional Drug Overdose Death Counts|Underlying Cause of Death",
    # the platform as a citable work (CITATION.cff, in English): its entity author and its title, in the cite box
    r"Bicentennial Framework evaluation platform contributors",
    r"Bicentennial Framework evaluation platform: evaluating the Mexico–U\.S\. Bicentennial Framework for Security, "
    r"Public Health and Safe Communities with public data",
))


# Method acronyms Spanish-language econometrics keeps in their English form (as "DiD" and "TWFE"), one of which is
# also an English word: ITS, interrupted time series ("ITS comparativa").
ACRONYMS = frozenset({"ITS"})


def english_words(text: str) -> list[str]:
    """The words of `text` that are on the English list (identifiers split at `_`, so `state_abbr` counts)."""
    return [w for w in re.findall(r"[^\W\d_]+", text) if w.lower() in ENGLISH and w not in ACRONYMS]


def allowed_english(passage: str) -> bool:
    text = " ".join(passage.split())
    return any(p.fullmatch(text) for p in ALLOWED_ENGLISH)
