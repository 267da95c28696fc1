"""Bounds on what one visitor can make the server keep, and a launch with the guard in front.

Gradio keeps, per browser session, every input value a function receives (the raw textbox text,
the chat history the browser sends back) and the State values it returns, before any of our code
runs. So the bounds are applied where Gradio takes inputs in (`bound_inputs`, called from the chat
page's `preprocess_data`), on the number of sessions (`launch(state_session_capacity=…)`), and on
the request body (bot.guard). `worst_case_bytes()` adds them up; README "Operating it" states the
figure and tests/test_limits.py measures real sessions against it.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Awaitable, Iterable, Iterator
from typing import Any

import gradio as gr
from gradio import http_server

from .guard import RequestGuard, harden_uvicorn_config

log = logging.getLogger(__name__)

#: Longest text input kept: 4× the 1000 characters a question is read up to, so a long question
#: is still cut (and told so) by the bot rather than silently here.
MAX_INPUT_CHARS = 4000
#: Chat history kept per session, as JSON text. Twenty typical exchanges are about 40 KB; the
#: longest answers (a whole list section with its sources) about 5 KB each.
MAX_HISTORY_BYTES = 64 * 1024
#: Messages kept per session: an answer is at most 8 messages (notice, quotes, sources).
MAX_HISTORY_MESSAGES = 200
#: Longest single message kept in a history (an answer is at most ~5 KB).
MAX_MESSAGE_CHARS = 16 * 1024
#: Largest request body: a full history sent back by the browser, a question, and room to spare.
MAX_BODY_BYTES = 256 * 1024
#: Browser sessions whose state is kept (the least recently used go first).
SESSION_CAPACITY = 1000
#: Measured bytes of Python objects per session at the bounds above (tests/test_limits.py holds it):
#: Gradio's own per-session copy of the page's component settings plus our bounded inputs and history.
SESSION_BYTES = 512 * 1024
#: Bytes per session of the answer ledger that feedback votes are checked against (bot.feedback).
LEDGER_BYTES = 128 * 1024


def worst_case_bytes() -> int:
    """Memory all visitors together can make the server keep: sessions × (state + ledger)."""
    return SESSION_CAPACITY * (SESSION_BYTES + LEDGER_BYTES)


def bound_inputs(block_fn: Any, inputs: list[Any]) -> None:
    """Cut, in place, the values a browser sent for one function call to what a session may keep."""
    for i, block in enumerate(getattr(block_fn, "inputs", [])[: len(inputs)]):
        if getattr(block, "stateful", False):
            continue  # Gradio ignores what the client sends for a State and uses the server's copy
        value = inputs[i]
        if isinstance(value, str):
            inputs[i] = value[:MAX_INPUT_CHARS]
        elif isinstance(block, gr.Chatbot):
            inputs[i] = bound_history(value)
        elif value is not None:
            inputs[i] = _cut_strings(value, MAX_INPUT_CHARS)
            if _json_size(inputs[i]) > MAX_HISTORY_BYTES:
                raise gr.Error("This request is larger than the page ever sends. Reload the page and ask again.",
                               print_exception=False)


def bound_history(messages: Any) -> list:
    """The last messages of a chat history that fit the bounds, each message cut to MAX_MESSAGE_CHARS."""
    if not isinstance(messages, (list, tuple)):
        return []
    kept = [_cut_strings(m, MAX_MESSAGE_CHARS) for m in list(messages)[-MAX_HISTORY_MESSAGES:]]
    sizes = [_json_size(m) for m in kept]
    total, start = sum(sizes), 0
    while total > MAX_HISTORY_BYTES and start < len(kept):
        total -= sizes[start]
        start += 1
    return kept[start:]


def _cut_strings(value: Any, limit: int, depth: int = 0) -> Any:
    if isinstance(value, str):
        return value[:limit]
    if depth > 6:
        return None
    if isinstance(value, dict):
        return {str(k)[:64]: _cut_strings(v, limit, depth + 1) for k, v in list(value.items())[:32]}
    if isinstance(value, (list, tuple)):
        return [_cut_strings(v, limit, depth + 1) for v in list(value)[:MAX_HISTORY_MESSAGES]]
    return value


def _json_size(value: Any) -> int:
    try:
        return len(json.dumps(value, ensure_ascii=False, default=str).encode("utf-8", "replace"))
    except (TypeError, ValueError):
        return MAX_HISTORY_BYTES + 1


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
        log.warning("Refused a call to %s: %s: %s", getattr(fn, "name", fn), type(err).__name__, str(err)[:200])
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


def guard_for(demo: gr.Blocks, allowed_origins: Iterable[str] = ()):
    """The RequestGuard wrapper for this page's app (it checks `fn_index` against the page's functions)."""
    documented = [fn.api_name for fn in demo.fns.values() if fn.api_visibility == "public" and fn.api_name]
    return lambda app: RequestGuard(app, max_body_bytes=MAX_BODY_BYTES, known_functions=lambda: demo.fns.keys(),
                                    documented=documented, allowed_origins=allowed_origins)


@contextlib.contextmanager
def guarded_server(demo: gr.Blocks, allowed_origins: Iterable[str] = ()) -> Iterator[None]:
    """While launching: Gradio's uvicorn server gets header timeouts and the guard around the app."""
    original = http_server.Server
    wrap = guard_for(demo, allowed_origins)

    class GuardedServer(original):  # type: ignore[misc, valid-type]
        def __init__(self, config: Any, *args: Any, **kwargs: Any) -> None:
            super().__init__(config, *args, **kwargs)  # Gradio's reloader keeps the unwrapped app
            harden_uvicorn_config(config, wrap)

    http_server.Server = GuardedServer
    try:
        yield
    finally:
        http_server.Server = original
