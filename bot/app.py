"""Create and serve the chat page: `create_demo()` for the Space, `serve()` for `python -m bot serve`.

Start-up is the slow part (importing faiss and the numpy model encoder, loading the model and the
index), so it runs in a background thread while Gradio imports, builds the page and starts
listening; the first request waits for it. An index that is missing or stale is rebuilt then,
when its folder is writable; otherwise every request shows why the bot cannot answer.
"""

from __future__ import annotations

import argparse
import logging
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from .config import REPO_ROOT, Settings
from .errors import BotError

if TYPE_CHECKING:
    from .chatbot import Chatbot
    from .embedding import Embedder

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860


class StillLoadingError(BotError):
    """The bot did not finish loading within the wait a request allows."""

    def __init__(self) -> None:
        super().__init__("The bot is still loading. Please try again in a minute; if this keeps happening, "
                         "the server log says why.")


class BotLoader:
    """Loads the Chatbot in a background thread; `get()` waits for it (the page calls it per request)."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None, rebuild: bool | None = None) -> None:
        self.settings = settings
        self._embedder = embedder
        self._rebuild = rebuild
        self._done = threading.Event()
        self._bot: Chatbot | None = None
        self._error: BotError | None = None
        self._started: float | None = None  # time.monotonic() when loading began
        self.seconds: float | None = None  # how long loading took, for the log and benchmarks
        self._thread = threading.Thread(target=self._load, name="bot-loader", daemon=True)

    def start(self) -> BotLoader:
        self._started = time.monotonic()
        self._thread.start()
        return self

    def get(self, timeout: float | None = None) -> Chatbot:
        """The loaded bot, waiting at most `timeout` seconds (default: Settings.bot_load_wait_s).

        Raises StillLoadingError when the wait runs out, and the load's BotError (with its readable
        message) if loading failed.
        """
        timeout = self.settings.bot_load_wait_s if timeout is None else timeout
        if not self._done.wait(timeout):
            raise StillLoadingError()
        if self._error is not None:
            raise self._error
        assert self._bot is not None
        return self._bot

    __call__ = get

    def ready(self) -> bool:
        """Whether loading has ended (a bot, or an error to show)."""
        return self._done.is_set()

    def wait(self, timeout: float) -> bool:
        """Wait at most `timeout` seconds for loading to end; whether it has."""
        return self._done.wait(max(0.0, timeout))

    def seconds_left(self) -> float:
        """About how long loading has still to go: Settings.bot_start_estimate_s less the time it has taken
        so far (negative once it takes longer than that)."""
        elapsed = time.monotonic() - self._started if self._started is not None else 0.0
        return self.settings.bot_start_estimate_s - elapsed

    def _load(self) -> None:
        started = time.perf_counter()
        try:
            # Imported here, in this thread: chatbot pulls in faiss and the model weights.
            from .chatbot import Chatbot

            bot = Chatbot.load(self.settings, embedder=self._embedder, rebuild=self._rebuild)
            # One question end to end, so the first visitor does not pay for lazy set-up
            # (the BM25 index, the first forward pass of the model).
            bot.ask("What can trigger a back spasm?")
            self._bot = bot
        except BotError as err:
            log.error("The bot cannot answer: %s", err)
            self._error = err
        except Exception as err:  # noqa: BLE001 - the page must get a sentence, the log the traceback
            log.exception("Loading the bot failed")
            self._error = BotError(
                f"The bot failed to start ({type(err).__name__}). The server log has the details."
            )
        finally:
            self.seconds = round(time.perf_counter() - started, 2)
            self._done.set()
        if self._bot is not None:
            log.info("Bot loaded in %s s", self.seconds)


def configure_logging() -> None:
    """INFO to standard error, unless the process already set up logging (then this does nothing)."""
    if logging.getLogger().handlers:
        return
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # gradio's own start-up checks, one line each
    logging.getLogger("faiss").setLevel(logging.WARNING)  # which CPU build it picked, four lines


def create_demo(settings: Settings | None = None, loader: BotLoader | None = None):
    """Start loading the bot in the background, then build the page around it (returns gr.Blocks)."""
    settings = settings or Settings.from_env(REPO_ROOT)
    configure_logging()  # before the loader starts: its "Bot loaded in … s" must not be dropped
    loader = loader or BotLoader(settings).start()
    from . import ui  # after the loader has started: gradio's import overlaps the model's

    demo = ui.build_demo(loader, settings)
    demo.bot_loader = loader  # for tests and benchmarks: how long loading took
    return demo


def launch(demo, settings: Settings, host: str | None = None, port: int | None = None, *, block: bool = True,
           quiet: bool = False):
    """Queue and launch the page with the safe defaults of a public page; returns (app, local_url, share_url).

    With `block`, serve until interrupted; without it, return once the server listens (tests).
    """
    from . import ui

    demo.queue(**ui.queue_options(settings))
    # Header and body timeouts, a body size cap, same-origin writes only (bot/guard.py).
    with ui.guarded_server(demo, settings):
        return demo.launch(
            server_name=host or os.environ.get("GRADIO_SERVER_NAME") or DEFAULT_HOST,
            # None lets Gradio take the first free port from 7860 (or $GRADIO_SERVER_PORT) on.
            server_port=port,
            prevent_thread_lock=not block,
            quiet=quiet,
            **ui.launch_options(settings),
        )


def add_server_options(parser: argparse.ArgumentParser) -> None:
    """--host and --port: the same for `python app.py` and `python -m bot serve`."""
    parser.add_argument("--host", default=None,
                        help=f"address to listen on (default: $GRADIO_SERVER_NAME or {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=None,
                        help=f"port (default: the first free one from $GRADIO_SERVER_PORT, else from {DEFAULT_PORT})")


def serve(settings: Settings, host: str | None = None, port: int | None = None, demo=None) -> int:
    """Serve the chat page until interrupted: `python app.py` and `python -m bot serve` both end here."""
    demo = demo or create_demo(settings)
    launch(demo, settings, host, port)
    return 0


def main(argv: list[str] | None = None, demo=None, root: Path = REPO_ROOT) -> int:
    """`python app.py [--host HOST] [--port PORT]`: serve the page (the Space runs this too)."""
    parser = argparse.ArgumentParser(prog="python app.py", description="Serve the chat page.")
    add_server_options(parser)
    args = parser.parse_args(argv)
    configure_logging()
    return serve(Settings.from_env(root), args.host, args.port, demo=demo)
