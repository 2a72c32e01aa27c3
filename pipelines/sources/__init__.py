"""Source registry: every raw table the pipeline loads, and how its landing files are parsed."""
from __future__ import annotations

from . import cbp, cdc, census, conapo, enforcement, gargiulo, geography, guardia, inegi, programs, sesnsp, sspc
from .base import SourceFormatError, SourceSpec

SOURCES: tuple[SourceSpec, ...] = (*gargiulo.SPECS, *conapo.SPECS, *geography.SPECS, *programs.SPECS, *inegi.SPECS, *census.SPECS, *sesnsp.SPECS, *sspc.SPECS, *cbp.SPECS, *enforcement.SPECS, *guardia.SPECS, *cdc.SPECS)

__all__ = ["SOURCES", "SourceFormatError", "SourceSpec", "source_by_name"]


def source_by_name(name: str) -> SourceSpec:
    for spec in SOURCES:
        if spec.name == name:
            return spec
    raise KeyError(f"unknown source {name!r}; known: {', '.join(s.name for s in SOURCES)}")
