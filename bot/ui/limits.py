"""Bounds on what one visitor can make the server keep, applied where Gradio takes input in.

Gradio keeps, per browser session, every input value a function receives (the raw textbox text,
the chat history the browser sends back) and the State values it returns, before any of our code
runs. So the bounds are applied where Gradio takes inputs in (`bound_inputs`, called from the chat
page's `preprocess_data`), on the number of sessions (`launch(state_session_capacity=…)`), and on
the request body (bot.guard, put in front by bot.ui.launch). The tunables are Settings' "Page"
block; `worst_case_bytes()` adds them up; docs/operating.md states the figure and
tests/test_limits.py measures real sessions against it.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Awaitable
from typing import Any

import gradio as gr

from ..config import Settings

log = logging.getLogger(__name__)

#: Measured bytes of Python objects per session at the Settings bounds (tests/test_limits.py holds it):
#: Gradio's own per-session copy of the page's component settings plus our bounded inputs and history.
SESSION_BYTES = 512 * 1024
#: Bytes per session of the answer ledger that feedback votes are checked against (bot.ui.feedback).
LEDGER_BYTES = 128 * 1024
#: Bytes of one result waiting to be read (tests/test_floods.py weighs the largest: a history echoed back).
RESULT_BYTES = 256 * 1024
#: Bytes of one request waiting in the queue, as Gradio keeps it parsed (a body of at most max_body_bytes
#: and max_json_values values; tests/test_floods.py weighs the largest shapes).
REQUEST_BYTES = 640 * 1024
#: Bytes of one open long-lived connection (measured: a heartbeat ~38 KB, an MCP SSE stream ~56 KB).
STREAM_BYTES = 64 * 1024
#: Bytes of one remembered client: its counters and sessions_per_client session hashes, its vote count.
CLIENT_BYTES = 4 * 1024


def worst_case_parts(settings: Settings) -> dict[str, int]:
    """What all clients together can make the server keep, route by route (docs/operating.md states each)."""
    return {
        # queue/join, /call/<name>, MCP: what each session keeps, and the answers votes are checked against.
        "sessions": settings.session_capacity * (SESSION_BYTES + LEDGER_BYTES),
        # queue/join, /call/<name>: requests waiting in the queue, results waiting to be read.
        "queue": settings.queue_size * REQUEST_BYTES + settings.pending_total * RESULT_BYTES,
        # every POST: bodies being received, and parsed once they are (by Gradio, after the guard).
        "bodies": settings.bodies_total * (settings.max_body_bytes + REQUEST_BYTES),
        # heartbeat, queue/data, /call/<name>/<id>, MCP's SSE stream: open connections.
        "streams": settings.streams_total * STREAM_BYTES,
        # MCP tool calls: a fresh session for each call running.
        "mcp": settings.mcp_concurrency * SESSION_BYTES,
        # every route: the clients remembered (the guard's table, the votes' counts).
        "clients": settings.clients_tracked * CLIENT_BYTES,
    }


def worst_case_bytes(settings: Settings) -> int:
    """Memory all visitors together can make the server keep, every route counted."""
    return sum(worst_case_parts(settings).values())


def bound_inputs(block_fn: Any, inputs: list[Any], settings: Settings) -> None:
    """Cut, in place, the values a browser sent for one function call to what a session may keep."""
    for i, block in enumerate(getattr(block_fn, "inputs", [])[: len(inputs)]):
        if getattr(block, "stateful", False):
            continue  # Gradio ignores what the client sends for a State and uses the server's copy
        value = inputs[i]
        if isinstance(value, str):
            inputs[i] = value[: settings.max_input_chars]
        elif isinstance(block, gr.Chatbot):
            inputs[i] = bound_history(value, settings)
        elif value is not None:
            inputs[i] = _cut_strings(value, settings.max_input_chars, settings.max_history_messages)
            if _json_size(inputs[i]) > settings.max_history_bytes:
                raise gr.Error("This request is larger than the page ever sends. Reload the page and ask again.",
                               print_exception=False)


def bound_event_data(event_data: Any, settings: Settings) -> Any:
    """The data an event carries (the option clicked, the message liked, …), cut like an input.

    It reaches functions beside their inputs and was never cut: an option of 250,000 characters
    went into the chat history of 1,000 sessions, 1.3 MB each.
    """
    data = getattr(event_data, "_data", None)
    if data is None:
        return event_data
    cut = _cut_strings(data, settings.max_input_chars, settings.max_history_messages)
    if _json_size(cut) > settings.max_history_bytes:
        raise gr.Error("This request is larger than the page ever sends. Reload the page and ask again.",
                       print_exception=False)
    return type(event_data)(event_data.target, cut)


def bound_history(messages: Any, settings: Settings) -> list:
    """The last messages of a chat history that fit the bounds, each message cut to max_message_chars."""
    if not isinstance(messages, (list, tuple)):
        return []
    count = settings.max_history_messages
    kept = [_cut_strings(m, settings.max_message_chars, count) for m in list(messages)[-count:]]
    sizes = [_json_size(m) for m in kept]
    total, start = sum(sizes), 0
    while total > settings.max_history_bytes and start < len(kept):
        total -= sizes[start]
        start += 1
    return kept[start:]


def _cut_strings(value: Any, limit: int, items: int, depth: int = 0) -> Any:
    """`value` with every string cut to `limit`, every list to `items`, nesting to 6 levels."""
    if isinstance(value, str):
        return value[:limit]
    if depth > 6:
        return None
    if isinstance(value, dict):
        return {str(k)[:64]: _cut_strings(v, limit, items, depth + 1) for k, v in list(value.items())[:32]}
    if isinstance(value, (list, tuple)):
        return [_cut_strings(v, limit, items, depth + 1) for v in list(value)[:items]]
    return value


def _json_size(value: Any) -> int:
    try:
        return len(json.dumps(value, ensure_ascii=False, default=str).encode("utf-8", "replace"))
    except (TypeError, ValueError):  # not JSON: weighs more than any bound
        return sys.maxsize


async def refuse_quietly(demo: gr.Blocks, block_fn: Any, call: Awaitable[dict[str, Any]]) -> dict[str, Any]:
    """Run one call; a Gradio-internal event that fails on input the page never sends gets one log line.

    The page's internal events (undo, retry, examples, …) are reachable through the queue with any
    data. Gradio's code raises on input it does not expect, and each failure used to print a
    ~40-line traceback: a way to flood the log. Our own functions (/chat, /search, votes) keep
    their tracebacks.
    """
    fn = demo.fns.get(block_fn) if isinstance(block_fn, int) else block_fn
    try:
        return await call
    except gr.Error:
        raise
    except Exception as err:
        if getattr(fn, "api_visibility", None) != "undocumented":
            raise
        # %r: the message may quote what the client sent, control characters and all
        log.warning("Refused a call to %s: %s: %r", getattr(fn, "name", fn), type(err).__name__, str(err)[:200])
        raise gr.Error("This action could not be completed. Reload the page and try again.",
                       print_exception=False) from err


def queue_every_event(demo: gr.Blocks) -> None:
    """Send every event of the page through the queue.

    Gradio runs `queue=False` events as direct POSTs to /gradio_api/run/predict, which anyone can
    call with any `fn_index`, outside the queue's size and concurrency limits. Queued, they can only
    be reached the way the page reaches them, and the guard refuses the direct route outright.
    """
    for fn in demo.fns.values():
        fn.queue = True
