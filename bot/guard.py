"""The server's front door: what a request must be before Gradio sees it, and how much one client may hold.

Gradio serves more than the page uses: an upload route, deep links, direct calls to internal
functions by number, CORS grants to any site once the page has a real host name, and uvicorn
waits forever for a half-sent request. It also keeps, for any session hash a request names, the
results nobody reads, and lets one client hold any number of connections and queue places.
`RequestGuard` is an ASGI middleware wrapped around the whole app (outside Gradio's own CORS
middleware, inside uvicorn's proxy-header middleware, which has already resolved the client's
address), and `TimedH11Protocol` is uvicorn's HTTP/1.1 protocol with a deadline for the request
line and headers. Neither imports gradio: what the guard knows of Gradio's queue comes through
`QueueState` (bot/ui/gradio_queue.py).

What the guard enforces, in order:
- an address with control characters is refused (it would be printed raw in the log);
- a request from another website (an `Origin` that is not this host) may read pages but gets
  no CORS grant, and may not POST, preflight or upload at all;
- routes the page never uses answer 4xx: uploads, deep links, direct `/run/` calls, the URL proxy,
  custom components, the developer reload stream; POST goes only to the queue, `/call/<name>` for
  the documented endpoints, cancel and MCP;
- per client (bot/clients.py: the machine's own traffic excepted), at most `requests_per_client`
  requests in flight and `streams_per_client` long-lived ones; at most `streams_total` long-lived
  ones and `bodies_total` bodies being received in all;
- a session hash is at most `max_session_hash_chars` of [A-Za-z0-9_-]; a session has one event
  stream open at a time, and a stream or result read needs a session or call the queue knows;
- a body is at most `max_body_bytes`, arrives within `body_timeout_s` seconds, and is JSON of
  bounded depth, size and numbers, carrying no file references (the page takes no files);
- a call names a function the app has (`fn_index`) with as many values as it takes, or a
  documented endpoint with its parameters;
- a call joins the queue only while its session, its client and all clients together are under
  their caps on outstanding events (`pending_per_session`, `pending_per_client`, `pending_total`),
  and while its client keeps at most `sessions_per_client` sessions (its own oldest idle one is
  dropped for a new one);
- deep links can be neither made nor opened (`?deep_link=` is dropped from every request).
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

from uvicorn.protocols.http.h11_impl import H11Protocol

from .clients import LOCAL, Client, ClientTable, client_key
from .config import Settings

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

API = "/gradio_api"
JOIN = f"{API}/queue/join"
QUEUE_DATA = f"{API}/queue/data"
HEARTBEAT = f"{API}/heartbeat/"
CANCEL = f"{API}/cancel"
MCP = f"{API}/mcp"
#: POST routes the page and its documented API use; every other POST is refused.
POST_ALLOWED_EXACT = {JOIN, CANCEL, f"{API}/reset"}
POST_ALLOWED_PREFIXES = (MCP,)
#: `/call/<name>` (and `/call/v2/<name>`) take calls for the documented endpoints only.
CALL_PREFIXES = (f"{API}/call/v2/", f"{API}/call/")
#: Routes a visitor never needs, refused whatever the method (deep links are stored server-side;
#: the proxy fetches URLs; custom components print their path; the reload stream is for development).
REFUSED_PREFIXES = (f"{API}/deep_link", f"{API}/upload", f"{API}/run/", f"{API}/api/", f"{API}/component_server",
                    f"{API}/process_recording", f"{API}/stream/", f"{API}/vibe", f"{API}/undo-vibe", "/upload",
                    f"{API}/dev/", f"{API}/proxy=", "/proxy=", f"{API}/custom_component", "/custom_component")
#: What Gradio's browser client (Math.random in base 36) and gradio_client (a UUID) make.
SESSION_HASH = re.compile(r"[A-Za-z0-9_-]+")
EVENT_ID = re.compile(r"[0-9a-f]{32}")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: How long a second event stream of one session waits for the first to close (a client that opens
#: the next stream as the last one closes), before it is refused.
STREAM_WAIT_S = 1.0
BUSY = "The page is busy; please try again in a minute."


class QueueState(Protocol):
    """What the guard reads of Gradio's queue, and the two things it may do to it."""

    def pending(self, session: str) -> int:
        """Events of `session` outstanding: queued, running, or finished and not yet read."""

    def pending_total(self) -> int: ...

    def has_stream_queue(self, session: str) -> bool:
        """Whether the queue holds messages for `session` (so its event stream can be read)."""

    def session_of_event(self, event_id: str) -> str | None: ...

    def drop_unread(self, session: str) -> None:
        """Drop the finished results of `session` nobody read."""

    def forget(self, session: str) -> None:
        """Drop everything the server keeps for an idle `session` (its state too)."""

    def prune(self, busy: Callable[[str], bool]) -> None:
        """Drop the queue's empty leftovers of sessions that are not `busy`."""


@dataclass(frozen=True)
class Endpoint:
    """A documented endpoint as the REST routes take it: its parameters, and its function's inputs."""

    name: str
    params: tuple[str, ...]
    required: tuple[str, ...]
    inputs: int


class Refusal(Exception):
    """A request the guard answers itself, with `status` and a sentence saying why."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class RequestGuard:
    """ASGI middleware: same-origin writes only, an allowlist of routes, bounded bodies and per-client caps."""

    def __init__(self, app: ASGIApp, settings: Settings, *, functions: Mapping[int, int],
                 endpoints: Iterable[Endpoint], queue: QueueState | None = None) -> None:
        self.app = app
        self.settings = settings
        self.functions = dict(functions)  # fn_index → how many inputs the function takes
        self.endpoints = {e.name: e for e in endpoints}
        self.allowed_hosts = frozenset(_host(urlsplit(o).netloc.lower()) for o in settings.allowed_origins)
        self.queue = queue
        self.clients = ClientTable(settings.clients_tracked, settings.sessions_per_client,
                                   forget=self._forget, busy=self._busy)
        self.streams = 0  # long-lived requests in flight
        self.bodies = 0  # bodies being received
        self.joining = 0  # calls on their way into the queue
        self.open_streams: dict[str, int] = {}  # session → event streams open
        self.last_join: dict[str, float] = {}  # session → when it last joined the queue

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        path = _route(scope)
        headers = _headers(scope)
        foreign = is_foreign(headers, self.allowed_hosts)
        key = client_key((scope.get("client") or (None,))[0], headers.get("x-forwarded-for"))
        client = self.clients.get(key)
        stream = _is_stream(method, path, headers)
        try:
            self._check_route(method, path, foreign)
            self._check_capacity(key, client, stream)
        except Refusal as refusal:
            await _refuse(send, refusal.status, refusal.detail)
            return
        client.requests += 1
        if stream:
            client.streams += 1
            self.streams += 1
        try:
            if foreign:
                send = _without_cors(send)
            if b"deep_link" in scope.get("query_string", b""):
                # Links made before deep links were closed still name files in Gradio's cache: ignore them.
                scope = {**scope, "query_string": _without_param(scope["query_string"], "deep_link")}
            await self._serve(scope, receive, send, method, path, headers, key, client)
        finally:
            client.requests -= 1
            if stream:
                client.streams -= 1
                self.streams -= 1

    # --- Before anything is read ----------------------------------------------------------------------------

    def _check_route(self, method: str, path: str, foreign: bool) -> None:
        if CONTROL.search(path):
            raise Refusal(400, "The address contains control characters.")
        if foreign and method not in ("GET", "HEAD"):
            raise Refusal(403, "Requests from other websites are not accepted. Use the page itself, or call the "
                               "API from a server (gradio_client), which sends no Origin.")
        if path.startswith(REFUSED_PREFIXES):
            if path.startswith((f"{API}/upload", "/upload")):
                raise Refusal(403, "This page takes no uploads.")
            if path.startswith((f"{API}/run/", f"{API}/api/")):
                raise Refusal(404, "This API endpoint does not accept direct HTTP POST requests. "
                                   "Please join the queue to use this API.")
            raise Refusal(404, "Not found.")
        if method == "POST" and not (path in POST_ALLOWED_EXACT or path.startswith(POST_ALLOWED_PREFIXES)
                                     or self._endpoint_called(path)):
            raise Refusal(404, "Not found." if not path.startswith(CALL_PREFIXES) else
                          f"No endpoint {path.rsplit('/', 1)[-1][:40]!r}; the documented ones are "
                          + ", ".join(f"/{name}" for name in sorted(self.endpoints)) + ".")

    def _check_capacity(self, key: str, client: Client, stream: bool) -> None:
        settings = self.settings
        if stream and self.streams >= settings.streams_total:
            raise Refusal(503, BUSY)
        if key == LOCAL:
            return
        if client.requests >= settings.requests_per_client:
            raise Refusal(429, f"Too many requests at once from your address (at most {settings.requests_per_client}"
                               "); wait for some to finish.")
        if stream and client.streams >= settings.streams_per_client:
            raise Refusal(429, f"Too many open connections from your address (at most {settings.streams_per_client}"
                               "); close some pages of this site.")

    # --- Reading and checking the request -------------------------------------------------------------------

    async def _serve(self, scope: Scope, receive: Receive, send: Send, method: str, path: str,
                     headers: dict[str, str], key: str, client: Client) -> None:
        stream_session = None  # the session whose event stream this request reads
        joins = False  # a call into the queue: counted until Gradio has registered it
        try:
            if method == "GET":
                stream_session = self._stream_session(path, scope)
            elif path.startswith(HEARTBEAT):
                self._session_hash(path[len(HEARTBEAT):])
            if method in ("POST", "PUT", "PATCH", "DELETE"):
                body = await self._read_body(receive, headers)
                if body is None:
                    return  # the client left
                joins, watch = self._check_body(path, body, key, client)
                send = watch(send) if watch is not None else send
                receive = _replay(body, receive)
            if stream_session is not None:
                await self._one_stream_at_a_time(stream_session)
                if self.queue is not None and not self.queue.has_stream_queue(stream_session):
                    # Also after the wait: a stream dropped by its client takes the session's messages with it.
                    raise Refusal(404, "No such session in the queue: join the queue first.")
        except Refusal as refusal:
            await _refuse(send, refusal.status, refusal.detail)
            return
        if joins:
            client.joining += 1
            self.joining += 1
        if stream_session is not None:
            self.open_streams[stream_session] = self.open_streams.get(stream_session, 0) + 1
        try:
            await self.app(scope, receive, send)
        finally:
            if joins:
                client.joining -= 1
                self.joining -= 1
            if stream_session is not None:
                self.open_streams[stream_session] -= 1
                if not self.open_streams[stream_session]:
                    del self.open_streams[stream_session]

    def _check_body(self, path: str, body: bytes, key: str, client: Client) -> tuple[bool, Callable | None]:
        """Check a body (parsed here, and not kept: Gradio parses its own copy) and admit a call into the
        queue; returns whether it is one, and what watches its answer (a REST call's event id)."""
        payload = parse_json(body, self.settings)
        if path == JOIN:
            session = self._check_join(payload)
            self._admit(key, client, session)
            self._joined(session)
            return True, None
        if path.startswith(CALL_PREFIXES):
            self._check_call(path, payload)
            self._admit(key, client, None)
            return True, lambda send: _on_event_id(send, lambda event_id: self._joined_by_call(key, client, event_id))
        if path == CANCEL and isinstance(payload, dict) and payload.get("session_hash") is not None:
            self._session_hash(payload["session_hash"])
        return False, None

    def _stream_session(self, path: str, scope: Scope) -> str | None:
        """For a GET of an event stream, the session it reads (known to the queue), else None."""
        if path.startswith(HEARTBEAT):
            self._session_hash(path[len(HEARTBEAT):])
            return None
        if path == QUEUE_DATA:
            values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("session_hash", [])
            if len(values) != 1:
                raise Refusal(400, "Name one session_hash.")
            return self._session_hash(values[0])
        prefix = next((p for p in CALL_PREFIXES if path.startswith(p)), None)
        if prefix is None or "/" not in path[len(prefix):]:
            return None
        name, event_id = path[len(prefix):].split("/", 1)
        if name not in self.endpoints or not EVENT_ID.fullmatch(event_id):
            raise Refusal(404, "No such call.")
        session = self.queue.session_of_event(event_id) if self.queue is not None else event_id
        if session is None:
            raise Refusal(404, "No such call, or its result was read already.")
        return session

    async def _one_stream_at_a_time(self, session: str) -> None:
        # Gradio deletes a session's messages when one of its streams is dropped, so a second stream
        # raised KeyError and 404 tracebacks into the log (12.8 MB for 2,000 closed streams).
        deadline = time.monotonic() + STREAM_WAIT_S
        while self.open_streams.get(session):
            if time.monotonic() >= deadline:
                raise Refusal(409, "This session's event stream is already open.")
            await asyncio.sleep(0.01)

    def _session_hash(self, value: object) -> str:
        if not isinstance(value, str) or not SESSION_HASH.fullmatch(value) \
                or len(value) > self.settings.max_session_hash_chars:
            raise Refusal(400, f"A session_hash is 1 to {self.settings.max_session_hash_chars} letters, digits, "
                               "'-' or '_'.")
        return value

    async def _read_body(self, receive: Receive, headers: dict[str, str]) -> bytes | None:
        """The whole body, or None if the client left; raises Refusal (413, 408, 400, 503)."""
        limit = self.settings.max_body_bytes
        too_big = (f"The request is larger than {limit:,} bytes. Questions are read up to 1000 "
                   "characters; clear the chat if it has grown very long.")
        length = headers.get("content-length")
        if length is not None and not length.isdigit():
            raise Refusal(400, "Bad Content-Length.")
        if length is not None and int(length) > limit:
            raise Refusal(413, too_big)
        if self.bodies >= self.settings.bodies_total:
            raise Refusal(503, BUSY)
        self.bodies += 1
        try:
            chunks, size = [], 0
            loop = asyncio.get_running_loop()
            timeout = self.settings.body_timeout_s
            deadline = loop.time() + timeout
            more = True
            while more:
                try:
                    message = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
                except asyncio.TimeoutError:
                    raise Refusal(408, f"The request body did not arrive within {timeout:g} s.") from None
                if message["type"] == "http.disconnect":
                    return None
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    raise Refusal(413, too_big)
                chunks.append(chunk)
                more = message.get("more_body", False)
            return b"".join(chunks)
        finally:
            self.bodies -= 1

    def _check_join(self, payload: Any) -> str:
        """The session a call to the queue joins in, once the call names a function and fits it."""
        if not isinstance(payload, dict):
            raise Refusal(400, "A call to the queue is a JSON object.")
        fn_index = payload.get("fn_index")
        functions = self.functions
        if type(fn_index) is not int or fn_index not in functions:
            raise Refusal(404, f"No function number {str(fn_index)[:20]} on this page.")
        session = self._session_hash(payload.get("session_hash"))
        data = payload.get("data")
        if not isinstance(data, list) or len(data) != functions[fn_index]:
            raise Refusal(400, f"Function {fn_index} takes data: a list of {_values(functions[fn_index])}.")
        return session

    def _endpoint_called(self, path: str) -> Endpoint | None:
        prefix = next((p for p in CALL_PREFIXES if path.startswith(p)), None)
        return self.endpoints.get(path[len(prefix):]) if prefix is not None else None

    def _check_call(self, path: str, payload: Any) -> None:
        endpoint = self._endpoint_called(path)
        assert endpoint is not None  # _check_route let only documented names through
        names = ", ".join(endpoint.params)
        if path.startswith(CALL_PREFIXES[0]):  # v2: the parameters by name
            if not isinstance(payload, dict):
                raise Refusal(400, f"/{endpoint.name} takes a JSON object of its parameters: {names}.")
            unknown = sorted(set(payload) - set(endpoint.params))
            missing = [p for p in endpoint.required if p not in payload]
            if unknown or missing:
                raise Refusal(400, f"/{endpoint.name} takes {names}"
                                   + (f"; missing: {', '.join(missing)}" if missing else "")
                                   + (f"; unknown: {', '.join(u[:40] for u in unknown[:5])}" if unknown else "") + ".")
            return
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, list) or len(data) not in (len(endpoint.params), endpoint.inputs):
            raise Refusal(400, f"/{endpoint.name} takes data: a list of {_values(len(endpoint.params))} ({names}).")

    # --- Caps on what is kept ---------------------------------------------------------------------------------

    def _admit(self, key: str, client: Client, session: str | None) -> None:
        """Let a call join the queue in `session` (a REST call: a new session Gradio names), or refuse it."""
        queue, settings = self.queue, self.settings
        if queue is None:
            return
        if session is not None and queue.pending(session) >= settings.pending_per_session:
            raise Refusal(429, f"This session already has {settings.pending_per_session} calls waiting or unread: "
                               "read their results from its event stream before sending more.")
        if key != LOCAL:
            outstanding = sum(queue.pending(s) for s in client.sessions) + client.joining
            if session is not None and session not in client.sessions:
                outstanding += queue.pending(session)
            if outstanding >= settings.pending_per_client:
                raise Refusal(429, f"Your address already has {settings.pending_per_client} calls waiting or "
                                   "unread; wait for their answers before sending more.")
            room = self.clients.use_session(client, session) if session is not None else \
                self.clients.has_room(client)
            if not room:
                raise Refusal(429, f"Your address already has {settings.sessions_per_client} conversations "
                                   "going on; finish one first.")
        if queue.pending_total() + self.joining >= settings.pending_total and not self._make_room():
            raise Refusal(503, BUSY)

    def _joined(self, session: str) -> None:
        if len(self.last_join) >= 2 * self.settings.pending_total and self.queue is not None:
            # Now and then, forget the sessions with nothing outstanding, here and in Gradio's queue
            # (which keeps an empty entry for every session that ever joined it).
            self.queue.prune(self._busy)
            for done in [s for s in self.last_join if not self.queue.pending(s)]:
                del self.last_join[done]
        self.last_join[session] = time.monotonic()

    def _joined_by_call(self, key: str, client: Client, event_id: str) -> None:
        # A REST call's session is named by Gradio after its event; it is counted as the client's from now on.
        self._joined(event_id)
        if key != LOCAL:
            self.clients.use_session(client, event_id)

    def _make_room(self) -> bool:
        """Drop results unread for `stale_unread_s` seconds, oldest first, until there is room for one more."""
        queue, cap = self.queue, self.settings.pending_total
        assert queue is not None
        queue.prune(self._busy)
        stale = time.monotonic() - self.settings.stale_unread_s
        for session, since in sorted(self.last_join.items(), key=lambda item: item[1]):
            if queue.pending_total() + self.joining < cap:
                break
            if since > stale:
                break
            if not self.open_streams.get(session):
                queue.drop_unread(session)
            if not queue.pending(session):
                del self.last_join[session]
        return queue.pending_total() + self.joining < cap

    def _busy(self, session: str) -> bool:
        return bool(self.open_streams.get(session)) or (self.queue is not None and self.queue.pending(session) > 0)

    def _forget(self, session: str) -> None:
        self.last_join.pop(session, None)
        if self.queue is not None:
            self.queue.forget(session)


def parse_json(body: bytes, settings: Settings) -> Any:
    """`body` as JSON, refused (400) when it is not JSON, is nested or sized beyond the Settings' bounds,
    has a number that is not finite or has too many digits, or names a file."""
    digits = settings.max_number_digits

    def number(text: str) -> float:
        value = float(text)
        if len(text) > digits + 8 or not math.isfinite(value):  # room for a point and an exponent
            raise ValueError(f"number out of range: {text[:20]}")
        return value

    def integer(text: str) -> int:
        if len(text.lstrip("-")) > digits:
            raise ValueError(f"number out of range: {text[:20]}")
        return int(text)

    def constant(text: str) -> float:
        raise ValueError(f"{text} is not a number")

    try:
        value = json.loads(body or b"null", parse_float=number, parse_int=integer, parse_constant=constant)
    except RecursionError:
        raise Refusal(400, f"The request body is nested more than {settings.max_json_depth} levels deep.") from None
    except (ValueError, UnicodeDecodeError) as err:
        detail = str(err) if str(err).startswith(("number out of range", "NaN", "Infinity", "-Infinity")) else ""
        raise Refusal(400, "The request body is not valid JSON" + (f": {detail}." if detail else ".")) from None
    _check_shape(value, settings)
    return value


def _check_shape(value: Any, settings: Settings) -> None:
    stack, count = [(value, 1)], 0
    while stack:
        item, depth = stack.pop()
        count += 1
        if count > settings.max_json_values:
            raise Refusal(400, f"The request body has more than {settings.max_json_values:,} values.")
        if depth > settings.max_json_depth:
            raise Refusal(400, f"The request body is nested more than {settings.max_json_depth} levels deep.")
        if isinstance(item, dict):
            meta = item.get("meta")
            if isinstance(meta, dict) and meta.get("_type") == "gradio.FileData":
                raise Refusal(400, "This page takes no files.")
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)


def _values(count: int) -> str:
    return f"{count} value" + ("" if count == 1 else "s")


def _is_stream(method: str, path: str, headers: dict[str, str]) -> bool:
    """Whether the request holds its connection for as long as the client likes (an event stream)."""
    if method != "GET":
        return False
    if path.startswith(HEARTBEAT) or path in (QUEUE_DATA, f"{MCP}/sse"):
        return True
    if path == MCP:
        return "text/event-stream" in headers.get("accept", "")
    prefix = next((p for p in CALL_PREFIXES if path.startswith(p)), None)
    return prefix is not None and "/" in path[len(prefix):]


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


def _on_event_id(send: Send, joined: Callable[[str], None]) -> Send:
    """`send`, telling `joined` the event id of a successful join (a small JSON answer)."""
    status, chunks = 0, []

    async def watch(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body" and status == 200:
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                try:
                    event_id = json.loads(b"".join(chunks)).get("event_id")
                except (ValueError, AttributeError):
                    event_id = None
                if isinstance(event_id, str) and EVENT_ID.fullmatch(event_id):
                    joined(event_id)
        await send(message)

    return watch


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


def harden_uvicorn_config(config: Any, wrap: Callable[[ASGIApp], ASGIApp], settings: Settings) -> None:
    """Set up a not-yet-started uvicorn Config: the timed protocol, the proxies whose X-Forwarded-For
    names the client (uvicorn resolves it before the guard runs), and `wrap` around its app."""
    config.http = TimedH11Protocol.with_header_timeout(settings.header_timeout_s)
    config.proxy_headers = True
    config.forwarded_allow_ips = list(settings.trusted_proxies)
    config.app = wrap(config.app)
