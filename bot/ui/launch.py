"""How the page is served: `queue()` and `launch()` arguments for a public page, and the guard in front.

`bot.app.launch` uses all three: `demo.queue(**queue_options(settings))`, then `demo.launch(...,
**launch_options(settings))` inside `guarded_server(demo, settings)`.
"""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr
from gradio import http_server
from starlette.middleware import Middleware

from ..config import Settings
from ..guard import RequestGuard, harden_uvicorn_config
from . import page
from .compress import GzipPageMiddleware


def queue_options(settings: Settings) -> dict:
    """`queue()` arguments: a bounded queue, and the REST shortcut that skips it turned off."""
    return {"max_size": settings.queue_size, "api_open": False, "default_concurrency_limit": settings.chat_concurrency}


def launch_options(settings: Settings) -> dict:
    """`launch()` arguments for a public page: small uploads, no share link, nothing served but the app.

    Also what the page says about the article: its script, and link-preview tags both in the page
    (`head`) and in the HTML as served (the middleware), for link previews that run no script.
    """
    blocked = [settings.index_dir]
    if settings.feedback_log:
        blocked.append(Path(settings.feedback_log).parent)
    info = page.page_info(settings.corpus_dir)
    return {
        "theme": page.THEME,
        "css": page.CSS,
        "max_file_size": "1mb",  # every app has an upload route, even with no upload component
        "share": False,
        "enable_monitoring": False,
        "show_error": False,  # only gr.Error messages (ours, written for people) reach the page
        "run_history": False,  # questions about health are not kept in the browser's run history
        "ssr_mode": False,
        "strict_cors": True,
        "allowed_paths": [],
        "blocked_paths": [str(Path(p).resolve()) for p in blocked],
        "state_session_capacity": settings.session_capacity,
        "footer_links": ["api", "gradio"],
        "mcp_server": mcp_available() and _mcp_tools_fixed(),
        "js": page.page_js(info, settings.max_question_chars),
        "head": page.head_tags(info),
        # Outermost first: the page's preview tags are rewritten, then the page is gzipped.
        "app_kwargs": {"middleware": [Middleware(GzipPageMiddleware), Middleware(page.MetaTagsMiddleware, info=info)]},
    }


def mcp_available() -> bool:
    """Whether `gradio[mcp]` is installed, so /search can also be offered as an MCP tool."""
    return importlib.util.find_spec("mcp") is not None


def _mcp_tools_fixed() -> bool:
    """Make Gradio's MCP server return the chat tool's answer (its /chat endpoint also outputs a State).

    Gradio 6.31 calls a queued endpoint through gradio_client, whose result already leaves the
    State output out, then removes it a second time: "pop index out of range". This removes it
    only when it is still there. tests/test_app_e2e.py drives both tools with the `mcp` client.
    """
    from gradio.mcp import GradioMCPServer

    original = GradioMCPServer.pop_returned_state
    if getattr(original, "_checks_length", False):
        return True

    def pop_returned_state(components, data):  # noqa: ANN001, ANN202 - Gradio's signature
        if isinstance(data, list) and len(data) < len(components):
            return data
        return original(components, data)

    pop_returned_state._checks_length = True
    GradioMCPServer.pop_returned_state = staticmethod(pop_returned_state)
    return True


def guard_for(demo: gr.Blocks, settings: Settings):
    """The RequestGuard wrapper for this page's app (it checks `fn_index` against the page's functions)."""
    documented = [fn.api_name for fn in demo.fns.values() if fn.api_visibility == "public" and fn.api_name]
    return lambda app: RequestGuard(app, max_body_bytes=settings.max_body_bytes, body_timeout=settings.body_timeout_s,
                                    known_functions=lambda: demo.fns.keys(), documented=documented,
                                    allowed_origins=settings.allowed_origins)


@contextlib.contextmanager
def guarded_server(demo: gr.Blocks, settings: Settings) -> Iterator[None]:
    """While launching: Gradio's uvicorn server gets header timeouts and the guard around the app."""
    original = http_server.Server
    wrap = guard_for(demo, settings)

    class GuardedServer(original):  # type: ignore[misc, valid-type]
        def __init__(self, config: Any, *args: Any, **kwargs: Any) -> None:
            super().__init__(config, *args, **kwargs)  # Gradio's reloader keeps the unwrapped app
            harden_uvicorn_config(config, wrap, settings.header_timeout_s)

    http_server.Server = GuardedServer
    try:
        yield
    finally:
        http_server.Server = original
