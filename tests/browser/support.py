"""What every browser test shares: Debian's Chromium launched headless through Playwright, and a static file server
on 127.0.0.1 that the test starts and stops."""
from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def serve(directory: Path | str) -> Iterator[str]:
    """`directory` served on 127.0.0.1 (a free port) while the block runs; yields the base URL."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(directory)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@contextmanager
def chromium(args: list[str] | None = None):
    """Headless Chromium (Debian's, not Playwright's download) for the block."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS if args is None else args)
        try:
            yield browser
        finally:
            browser.close()


def local_only_context(browser, width: int = 1280, height: int = 900, timeout_ms: int = 90_000):
    """A browser context whose every request is checked: data:, blob: and 127.0.0.1 go through (listed in
    `context.local`), anything else is listed in `context.outside` and aborted. The timeout is generous: the 2-core
    CI machine may be busy with other tests."""
    from urllib.parse import urlsplit

    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(timeout_ms)
    context.local, context.outside = [], []

    def guard(route):
        url = route.request.url
        if url.startswith(("data:", "blob:")) or urlsplit(url).hostname == "127.0.0.1":
            context.local.append(url)
            route.continue_()
        else:
            context.outside.append(url)
            route.abort()

    context.route("**/*", guard)
    return context
