"""How the page is served: `queue()` and `launch()` arguments for a public page, and the guard in front.

`bot.app.launch` uses all three: `demo.queue(**queue_options(settings))`, then `demo.launch(...,
**launch_options(settings))` inside `guarded_server(demo, settings)`, which also puts in place the
MCP server whose calls are isolated (bot/ui/mcp.py) and the thread that returns freed memory (bot/memory.py).
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

from .. import memory
from ..config import Settings
from ..guard import Endpoint, RequestGuard, harden_uvicorn_config
from . import page
from .compress import GzipPageMiddleware
from .gradio_queue import GradioQueue
from .mcp import isolated_mcp_server


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
        "mcp_server": mcp_available(),
        "js": page.page_js(info, settings.max_question_chars),
        "head": page.head_tags(info),
        # Outermost first: the page's preview tags are rewritten, then the page is gzipped.
        "app_kwargs": {"middleware": [Middleware(GzipPageMiddleware), Middleware(page.MetaTagsMiddleware, info=info)]},
    }


def mcp_available() -> bool:
    """Whether `gradio[mcp]` is installed, so /chat and /search are also offered as MCP tools."""
    return importlib.util.find_spec("mcp") is not None


def endpoints(demo: gr.Blocks) -> list[Endpoint]:
    """The page's documented endpoints, as the guard checks calls to them by name."""
    named = demo.get_api_info()["named_endpoints"]
    found = []
    for fn in demo.fns.values():
        if fn.api_visibility != "public" or not fn.api_name or f"/{fn.api_name}" not in named:
            continue
        params = named[f"/{fn.api_name}"]["parameters"]
        found.append(Endpoint(fn.api_name, tuple(p["parameter_name"] for p in params),
                              tuple(p["parameter_name"] for p in params if not p.get("parameter_has_default")),
                              len(fn.inputs)))
    return found


def guard_for(demo: gr.Blocks, settings: Settings):
    """The RequestGuard wrapper for this page's app: it checks calls against the page's functions and
    endpoints, and reads the page's queue (bot/ui/gradio_queue.py) for its caps."""
    documented = endpoints(demo)
    functions = {i: len(fn.inputs) for i, fn in demo.fns.items()}
    queue = GradioQueue(demo)
    return lambda app: RequestGuard(app, settings, functions=functions, endpoints=documented, queue=queue)


@contextlib.contextmanager
def guarded_server(demo: gr.Blocks, settings: Settings) -> Iterator[None]:
    """While launching: Gradio's uvicorn server gets header timeouts, the trusted proxies and the guard
    around the app; Gradio's MCP server, if any, is the one whose tool calls are isolated (bot/ui/mcp.py);
    and freed memory is returned to the system now and then (bot/memory.py)."""
    original = http_server.Server
    wrap = guard_for(demo, settings)

    class GuardedServer(original):  # type: ignore[misc, valid-type]
        def __init__(self, config: Any, *args: Any, **kwargs: Any) -> None:
            super().__init__(config, *args, **kwargs)  # Gradio's reloader keeps the unwrapped app
            harden_uvicorn_config(config, wrap, settings)

    memory.start_trimming(settings.trim_interval_s)
    with contextlib.ExitStack() as stack:
        http_server.Server = GuardedServer
        stack.callback(setattr, http_server, "Server", original)
        if mcp_available():
            import gradio.mcp

            stack.callback(setattr, gradio.mcp, "GradioMCPServer", gradio.mcp.GradioMCPServer)
            gradio.mcp.GradioMCPServer = isolated_mcp_server(settings)
        yield
