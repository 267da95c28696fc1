"""The page's HTML, gzipped for browsers that accept it.

Gradio serves the page at `/` uncompressed: ~80 KB, most of it the page's own configuration (its
script, stylesheet and the article for the reading panel), which gzip cuts to about a fifth. Only
that one response is compressed here: Gradio's scripts and styles are static files a browser
caches, the event streams must not be buffered, and the answers are small.
"""

from __future__ import annotations

import gzip
from functools import lru_cache

#: Smaller bodies are sent as they are: gzip's header and a round of work for a few bytes saved.
MIN_BYTES = 1024


class GzipPageMiddleware:
    """ASGI middleware: the HTML page at `/`, gzipped when the request accepts gzip (others pass through)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if (scope["type"] != "http" or scope.get("method") != "GET" or scope.get("path", "").rstrip("/") != ""
                or not _accepts_gzip(scope)):
            await self.app(scope, receive, send)
            return
        start: dict | None = None
        chunks: list[bytes] = []

        async def buffer(message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                if not headers.get(b"content-type", b"").startswith(b"text/html") or b"content-encoding" in headers:
                    start = None
                    await send(message)
                    return
                start = message
                return
            if start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            headers = [(k, v) for k, v in start.get("headers") or [] if k.lower() not in (b"content-length", b"vary")]
            headers.append((b"vary", b"Accept-Encoding"))
            if len(body) >= MIN_BYTES:
                body = gzipped(body)
                headers.append((b"content-encoding", b"gzip"))
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, buffer)


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
