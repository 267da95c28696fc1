"""The page's HTML, gzipped for browsers that accept it.

Gradio serves the page at `/` uncompressed: ~80 KB, most of it the page's own configuration (its
script, stylesheet and the article for the reading panel), which gzip cuts to about a fifth. Only
that one response is compressed here: Gradio's scripts and styles are static files a browser
caches, the event streams must not be buffered, and the answers are small.
"""

from __future__ import annotations

import gzip
from functools import lru_cache

from .page import PageMiddleware

#: Smaller bodies are sent as they are: gzip's header and a round of work for a few bytes saved.
MIN_BYTES = 1024


class GzipPageMiddleware(PageMiddleware):
    """The HTML page at `/`, gzipped when the request accepts gzip (others pass through)."""

    def wanted(self, scope) -> bool:
        return super().wanted(scope) and _accepts_gzip(scope)

    def rewrite(self, body: bytes, headers: list[tuple[bytes, bytes]]) -> tuple[bytes, list[tuple[bytes, bytes]]]:
        headers = [(k, v) for k, v in headers if k.lower() != b"vary"] + [(b"vary", b"Accept-Encoding")]
        if len(body) >= MIN_BYTES:
            return gzipped(body), [*headers, (b"content-encoding", b"gzip")]
        return body, headers


@lru_cache(maxsize=4)
def gzipped(body: bytes) -> bytes:
    """`body` gzipped (the page is the same for every visitor until the app restarts: done once)."""
    return gzip.compress(body, compresslevel=9, mtime=0)


def _accepts_gzip(scope) -> bool:
    """Whether the request's Accept-Encoding lists gzip with a weight above 0 ("gzip;q=0" refuses it)."""
    for name, value in scope.get("headers") or []:
        if name.lower() != b"accept-encoding":
            continue
        for coding in value.decode("latin-1").lower().split(","):
            token, *params = [part.strip() for part in coding.split(";")]
            if token == "gzip":
                weights = [p[2:] for p in params if p.startswith("q=")]
                try:
                    return not weights or float(weights[0]) > 0
                except ValueError:
                    return False
    return False
