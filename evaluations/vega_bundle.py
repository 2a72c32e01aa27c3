"""The one JavaScript bundle the interactive charts and maps load: Vega, Vega-Lite and Vega-Embed from
vl-convert-python (so their versions are the lock's), self-contained, 898 KB (305 KB gzipped). A light module:
the site imports it without the spatial stack."""
from __future__ import annotations

from functools import cache
from typing import Callable

BUNDLE_FILE = "vega-bundle.js"


@cache
def vega_bundle() -> str:
    """The bundle's text. Its ``window.vega`` is null (the bundler's default import): pages use ``window.vegaEmbed``."""
    import vl_convert

    bundle: Callable[..., str] = vl_convert.javascript_bundle   # its stub wants a snippet; none gives the default
    return bundle()
