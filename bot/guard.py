"""The server's front door: what a request must be before Gradio sees it.

Gradio serves more than the page uses: an upload route, deep links, direct calls to internal
functions by number, CORS grants to any site once the page has a real host name, and uvicorn
waits forever for a half-sent request. `RequestGuard` is an ASGI middleware wrapped around the
whole app (outside Gradio's own CORS middleware) and `TimedH11Protocol` is uvicorn's HTTP/1.1
protocol with a deadline for the request line and headers. Neither imports gradio.

What the guard enforces, in order:
- a request from another website (an `Origin` that is not this host) may read pages but gets
  no CORS grant, and may not POST, preflight or upload at all;
- POST goes only to the routes the page and the documented API use (the queue, `/call/<name>`
  for the documented endpoints, cancel, MCP); uploads, deep links, direct `/run/` calls and everything else answer 4xx;
- a request body is at most `max_body_bytes`, and must arrive within `body_timeout` seconds;
- a call to the queue must name a function the app has (`fn_index`), or it is refused with 404;
- deep links can be neither made nor opened (`?deep_link=` is dropped from every request).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

API = "/gradio_api"
#: POST routes the page and its documented API use; every other POST is refused.
POST_ALLOWED_EXACT = {f"{API}/queue/join", f"{API}/cancel", f"{API}/reset"}
POST_ALLOWED_PREFIXES = (f"{API}/mcp",)
#: `/call/<name>` (and `/call/v2/<name>`) take calls for the documented endpoints only.
CALL_PREFIXES = (f"{API}/call/v2/", f"{API}/call/")
#: Routes a visitor never needs, refused whatever the method (deep links are stored server-side).
REFUSED_PREFIXES = (f"{API}/deep_link", f"{API}/upload", f"{API}/run/", f"{API}/api/", f"{API}/component_server",
                    f"{API}/process_recording", f"{API}/stream/", f"{API}/vibe", f"{API}/undo-vibe", "/upload")


class RequestGuard:
    """ASGI middleware: same-origin writes only, an allowlist of POST routes, bounded bodies."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, body_timeout: float,
                 known_functions: Callable[[], Iterable[int]], documented: Iterable[str],
                 allowed_origins: Iterable[str] = ()) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.known_functions = known_functions
        self.documented = frozenset(documented)
        self.allowed_hosts = frozenset(_host(urlsplit(o).netloc.lower()) for o in allowed_origins)
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        path = _route(scope)
        headers = _headers(scope)
        foreign = is_foreign(headers, self.allowed_hosts)
        if foreign and method not in ("GET", "HEAD"):
            await _refuse(send, 403, "Requests from other websites are not accepted. Use the page itself, or "
                                     "call the API from a server (gradio_client), which sends no Origin.")
            return
        if path.startswith(REFUSED_PREFIXES):
            if path.startswith((f"{API}/upload", "/upload")):
                await _refuse(send, 403, "This page takes no uploads.")
            elif path.startswith((f"{API}/run/", f"{API}/api/")):
                await _refuse(send, 404, "This API endpoint does not accept direct HTTP POST requests. "
                                         "Please join the queue to use this API.")
            else:
                await _refuse(send, 404, "Not found.")
            return
        if method == "POST" and not (path in POST_ALLOWED_EXACT or path.startswith(POST_ALLOWED_PREFIXES)
                                     or self._is_documented_call(path)):
            await _refuse(send, 404, "Not found." if not path.startswith(CALL_PREFIXES) else
                          f"No endpoint {path.rsplit('/', 1)[-1][:40]!r}; the documented ones are "
                          + ", ".join(f"/{name}" for name in sorted(self.documented)) + ".")
            return
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            body = await self._read_body(receive, headers, send)
            if body is None:
                return
            if path == f"{API}/queue/join" and not await self._names_a_function(body, send):
                return
            receive = _replay(body, receive)
        if foreign:
            send = _without_cors(send)
        if b"deep_link" in scope.get("query_string", b""):
            # Links made before deep links were closed still name files in Gradio's cache: ignore them.
            scope = {**scope, "query_string": _without_param(scope["query_string"], "deep_link")}
        await self.app(scope, receive, send)

    def _is_documented_call(self, path: str) -> bool:
        prefix = next((p for p in CALL_PREFIXES if path.startswith(p)), None)
        return prefix is not None and path[len(prefix):] in self.documented

    async def _read_body(self, receive: Receive, headers: dict[str, str], send: Send) -> bytes | None:
        """The whole body, or None once a 413/408/400 has been sent."""
        too_big = (f"The request is larger than {self.max_body_bytes:,} bytes. Questions are read up to 1000 "
                   "characters; clear the chat if it has grown very long.")
        length = headers.get("content-length")
        if length is not None and not length.isdigit():
            await _refuse(send, 400, "Bad Content-Length.")
            return None
        if length is not None and int(length) > self.max_body_bytes:
            await _refuse(send, 413, too_big)
            return None
        chunks, size = [], 0
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.body_timeout
        more = True
        while more:
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
            except asyncio.TimeoutError:
                await _refuse(send, 408, f"The request body did not arrive within {self.body_timeout:g} s.")
                return None
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await _refuse(send, 413, too_big)
                return None
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)

    async def _names_a_function(self, body: bytes, send: Send) -> bool:
        try:
            payload = json.loads(body or b"null")
        except (ValueError, UnicodeDecodeError):
            await _refuse(send, 400, "The request body is not valid JSON.")
            return False
        fn_index = payload.get("fn_index") if isinstance(payload, dict) else None
        if type(fn_index) is not int or fn_index not in set(self.known_functions()):
            await _refuse(send, 404, f"No function number {str(fn_index)[:20]} on this page.")
            return False
        return True


def _route(scope: Scope) -> str:
    """The request path without the app's mount prefix, without a trailing slash."""
    path = scope.get("path", "")
    root = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root):]
    return path.rstrip("/") or "/"


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def is_foreign(headers: dict[str, str], allowed_hosts: Iterable[str] = ()) -> bool:
    """Whether the request comes from a page on another origin than the one it is sent to (or one allowed)."""
    origin = headers.get("origin")
    if origin is None:
        return False  # not sent by a browser page (gradio_client, curl), or a same-origin GET
    netloc = urlsplit(origin).netloc.lower() if "://" in origin else ""
    if not netloc:
        return True  # "null" (sandboxed frames, file: pages) and anything unparsable
    hosts = {headers.get("host", ""), *headers.get("x-forwarded-host", "").split(",")}
    return _host(netloc) not in {_host(h.strip().lower()) for h in hosts if h.strip()} | set(allowed_hosts)


def _host(netloc: str) -> str:
    for default in (":80", ":443"):
        if netloc.endswith(default):
            return netloc[: -len(default)]
    return netloc


def _without_param(query: bytes, name: str) -> bytes:
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    return urlencode([(k, v) for k, v in pairs if k != name]).encode("latin-1")


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: waits for the disconnect, as Starlette expects

    return replay


def _without_cors(send: Send) -> Send:
    async def strip(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [(k, v) for k, v in message.get("headers", [])
                                  if not k.lower().startswith(b"access-control-")]
        await send(message)

    return strip


async def _refuse(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class TimedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, closing a connection whose request line and headers take too long.

    uvicorn times out an idle keep-alive connection but not one that started a request and stopped:
    300 half-sent requests held 300 sockets for as long as the clients liked. uvicorn makes the
    protocol itself, so the deadline is a class attribute: `with_header_timeout` makes the class.
    """

    header_timeout: float

    @classmethod
    def with_header_timeout(cls, seconds: float) -> type[TimedH11Protocol]:
        return type(cls.__name__, (cls,), {"header_timeout": seconds})

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._header_timer: asyncio.TimerHandle | None = None
        self._arm()

    def data_received(self, data: bytes) -> None:
        cycle = self.cycle
        super().data_received(data)
        if self.cycle is not cycle:  # the headers of a new request are complete
            self._disarm()

    def on_response_complete(self) -> None:
        self._arm()  # the next request on this connection gets its own deadline
        cycle = self.cycle
        super().on_response_complete()
        if self.cycle is not cycle:  # a pipelined request was already waiting
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _disarm(self) -> None:
        timer = getattr(self, "_header_timer", None)
        if timer is not None:
            timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        in_request = self.cycle is not None and not self.cycle.response_complete
        if not in_request and not self.transport.is_closing():
            self.transport.close()


def harden_uvicorn_config(config: Any, wrap: Callable[[ASGIApp], ASGIApp], header_timeout: float) -> None:
    """Set up a not-yet-started uvicorn Config: the timed protocol, and `wrap` around its app."""
    config.http = TimedH11Protocol.with_header_timeout(header_timeout)
    config.app = wrap(config.app)
