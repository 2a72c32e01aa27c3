"""Source registry: every raw table the pipeline loads, and how its landing files are parsed."""
from __future__ import annotations

from . import cbp, cdc, census, conapo, enforcement, gargiulo, geography, guardia, inegi, programs, sesnsp, sspc
from .base import SourceFormatError, SourceSpec

SOURCES: tuple[SourceSpec, ...] = (*gargiulo.SPECS, *conapo.SPECS, *geography.SPECS, *programs.SPECS, *inegi.SPECS, *census.SPECS, *sesnsp.SPECS, *sspc.SPECS, *cbp.SPECS, *enforcement.SPECS, *guardia.SPECS, *cdc.SPECS)

__all__ = ["SOURCES", "SourceFormatError", "SourceSpec", "retrieved_dates", "source_by_name"]


def source_by_name(name: str) -> SourceSpec:
    for spec in SOURCES:
        if spec.name == name:
            return spec
    raise KeyError(f"unknown source {name!r}; known: {', '.join(s.name for s in SOURCES)}")


def retrieved_dates() -> dict[str, str]:
    """{raw table name: ISO date of the published version held} of every source that records it: the dates the
    charts' source lines give (evaluation specs name their raw tables in `data.sources[].raw`)."""
    return {spec.name: spec.retrieved for spec in SOURCES if spec.retrieved}
