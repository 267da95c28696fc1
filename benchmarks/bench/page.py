"""The page as a browser gets it: its HTML's size as sent, and the time until it takes a question.

The HTML is fetched as a browser asks for it (gzip accepted) and as a client that accepts no
compression does. Input-ready is the time from the start of navigation to the moment the page's
own script (bot/data/page.js) has run: the textbox is there and enabled and the page's handlers
are in place, so typing and Enter work. The script writes that moment (`performance.now()`, i.e.
milliseconds since navigation start) into `<html data-ready-ms>`. Each first visit is a new browser
context (an empty cache); each return visit reloads in the same context, as a second visit would.
The browser is Debian's Chromium driven by Playwright, as in the browser tests; without either,
this step is skipped and says why.
"""

from __future__ import annotations

import gzip
import urllib.request
from pathlib import Path

from .stats import Summary

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def html_bytes(url: str) -> dict:
    """The page's bytes as sent uncompressed and as sent to a browser that accepts gzip."""
    sizes = {}
    for name, encoding in (("identity", "identity"), ("gzip", "gzip, deflate, br")):
        request = urllib.request.Request(url, headers={"Accept-Encoding": encoding})
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
            sizes[name] = len(body)
            sizes[f"{name}_encoding"] = response.headers.get("Content-Encoding") or "identity"
            if sizes[f"{name}_encoding"] == "gzip":
                sizes["gzip_unpacked"] = len(gzip.decompress(body))
    return sizes


def measure_page(url: str, visits: int) -> dict:
    """HTML sizes, and input-ready times over `visits` first visits and as many return visits."""
    result: dict = {"html_bytes": html_bytes(url), "visits": visits}
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {**result, "skipped": "playwright is not installed (pip install -e '.[test]')"}
    if not CHROMIUM.exists():
        return {**result, "skipped": f"no Chromium at {CHROMIUM} (Debian's chromium package)"}
    first, again = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            for _ in range(visits):
                context = browser.new_context(viewport={"width": 1366, "height": 900})
                page = context.new_page()
                first.append(_ready_ms(page, url))
                again.append(_ready_ms(page))
                context.close()
        finally:
            browser.close()
    return {**result, "first_visit_ms": Summary.of(first).to_dict(), "return_visit_ms": Summary.of(again).to_dict(),
            "samples_ms": {"first_visit": first, "return_visit": again}}


def _ready_ms(page, url: str | None = None) -> float:
    """Open `url` in the tab (or reload it) and return its input-ready time, in ms since navigation start."""
    page.goto(url) if url else page.reload()
    page.locator("html[data-ready-ms]").wait_for(state="attached", timeout=60_000)
    return float(page.locator("html").get_attribute("data-ready-ms"))
