"""The chat page: `build_demo(bot)` → a Gradio app. The only package that imports gradio.

    render    an Answer → chat messages, every outside text escaped
    smalltalk greetings, thanks and "help" → a short reply with example questions
    session   what a session keeps: the bounded history and the ChatInterface that keeps it
    limits    bounds on what one visitor can make the server keep
    feedback  like/dislike votes, checked against the answers given
    article   the article for the page's reading panel
    page      what the page says: header, examples, preview tags, stylesheet, theme, script
    compress  the page's HTML gzipped
    demo      build_demo: the page and its /chat and /search API, assembled
    launch    queue() and launch() options for a public page, and the guard in front
"""

import os

# Before gradio is imported: it reads this at import time, and a health page phones nobody.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from .demo import build_demo  # noqa: E402
from .launch import guarded_server, launch_options, queue_options  # noqa: E402
from .render import as_typed, from_typed, highlight, render_answer  # noqa: E402
from .session import history_for_bot, keep_last_turns  # noqa: E402

__all__ = [
    "as_typed", "build_demo", "from_typed", "guarded_server", "highlight", "history_for_bot", "keep_last_turns",
    "launch_options", "queue_options", "render_answer",
]
