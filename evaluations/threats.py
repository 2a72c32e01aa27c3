"""Threats to validity: what a published result cannot show.

Each spec in evaluations/specs/ lists, under `threats:`, either ids of the catalogue in
evaluations/threats.yaml (recurring threats such as `covid_2020`) or its own bilingual items
`{en: "...", es: "..."}`. `resolve` turns that list into the plain records shown with the result:
`{"id": ..., "en": ..., "es": ...}`, where a catalogue entry keeps its id and an inline item gets the
id "specific". An unknown id or an item without both languages is refused with a ValueError naming the
spec and the item, so a typo cannot silently drop a caveat from the site.
"""
from __future__ import annotations

from pathlib import Path

import yaml

CATALOGUE_PATH = Path(__file__).resolve().parent / "threats.yaml"
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available, as in evaluations/spec_model.py
LANGUAGES = ("en", "es")
SPECIFIC = "specific"


def _text(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


def load_catalogue(path: Path = CATALOGUE_PATH) -> dict[str, dict[str, str]]:
    """The catalogue as {id: {"en": ..., "es": ...}}; a malformed entry is refused by id."""
    raw = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    if not isinstance(raw, dict):
        raise ValueError(f"{Path(path).name}: expected a mapping of threat ids")
    catalogue = {}
    for threat_id, entry in raw.items():
        if threat_id == SPECIFIC:
            raise ValueError(f"{Path(path).name}: the id {SPECIFIC!r} is reserved for inline items")
        if not isinstance(entry, dict) or set(entry) != set(LANGUAGES) or not all(_text(entry[k]) for k in LANGUAGES):
            raise ValueError(f"{Path(path).name}: threat {threat_id!r} needs exactly a non-empty 'en' and 'es'")
        catalogue[str(threat_id)] = {k: entry[k].strip() for k in LANGUAGES}
    return catalogue


CATALOGUE: dict[str, dict[str, str]] = load_catalogue()


def resolve(items, spec_name: str) -> list[dict]:
    """The spec's threats as [{"id", "en", "es"}], in the spec's order (no threats: an empty list)."""
    if items is None:
        return []
    if not isinstance(items, list):
        raise ValueError(f"{spec_name}: threats must be a list of catalogue ids or {{en, es}} items, got {items!r}")
    resolved = []
    for item in items:
        if isinstance(item, str):
            if item not in CATALOGUE:
                raise ValueError(f"{spec_name}: unknown threat id {item!r} (not in {CATALOGUE_PATH.name})")
            resolved.append({"id": item, **CATALOGUE[item]})
        elif isinstance(item, dict):
            missing = [k for k in LANGUAGES if not _text(item.get(k))]
            extra = sorted(set(item) - set(LANGUAGES), key=str)
            if missing or extra:
                problem = f"missing {' and '.join(missing)}" if missing else f"unexpected keys {extra}"
                raise ValueError(f"{spec_name}: threat item {item!r} must have both 'en' and 'es' ({problem})")
            resolved.append({"id": SPECIFIC, **{k: item[k].strip() for k in LANGUAGES}})
        else:
            raise ValueError(f"{spec_name}: threat item {item!r} is neither a catalogue id nor an {{en, es}} item")
    return resolved
