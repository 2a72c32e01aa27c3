"""Fixtures of the browser tests: one headless Chromium per module (tests/browser/support.py)."""
from __future__ import annotations

import pytest

from tests.browser.support import chromium


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser_:
        yield browser_
