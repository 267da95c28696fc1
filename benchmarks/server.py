"""The app in a child process on a free local port: the one way the benchmarks start a server.

It is `python app.py` (what the Space runs) on 127.0.0.1, told by environment where its corpus,
index and feedback log are (`Settings.from_env`), so a benchmark can serve a copy and nothing in
the checkout is written. Entering `with AppServer(...)` returns once the page has answered a chat
question, polling with a deadline rather than sleeping, and keeps how long that took from spawn:
the cold start. Leaving interrupts the server as Ctrl-C would and keeps its peak resident memory,
the kernel's own high-water mark (`VmHWM`, read just before the stop), so a spike between two
samples is not missed. (Not `wait4`'s ru_maxrss: Linux carries the parent's resident size into a
child over fork and exec.)
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import ROOT

FIRST_QUESTION = "Does ice help with back spasms?"


@dataclass
class Exited:
    """How a child process ended: wall seconds from spawn and its peak resident memory."""

    seconds: float
    peak_rss_mb: float | None
    returncode: int


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This environment, offline and unbuffered: a child never downloads nor phones home."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False",
           "PYTHONUNBUFFERED": "1"}
    env.update(extra or {})
    return env


def wait_for(condition: Callable[[], bool], deadline: float, interval: float, what: str) -> None:
    """Call `condition` every `interval` seconds until it is true; TimeoutError at `deadline` (perf_counter)."""
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"Timed out waiting for {what}")
        time.sleep(interval)


def page_answers(url: str) -> bool:
    """True when the page answers HTTP 200."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def wait_until_answering(url: str, started: float | None = None, timeout: float = 300,
                         check: Callable[[], None] = lambda: None) -> dict:
    """Wait until the page is up and then until `/chat` answers; seconds from `started` to each.

    The page listens before the model has loaded, and a request can fail while it loads: the
    question is asked again until the deadline. `check` runs at every poll (it raises if the
    server died, so a dead server fails at once rather than at the deadline).
    """
    from .visitor import connect

    started = time.perf_counter() if started is None else started
    deadline = started + timeout

    def up() -> bool:
        check()
        return page_answers(url)

    wait_for(up, deadline, 0.02, f"{url} to answer HTTP")
    page_up = time.perf_counter() - started
    client = connect(url)
    last_error: list[str] = []

    def answered() -> bool:
        check()
        try:
            reply = client.predict(FIRST_QUESTION, api_name="/chat")
        except Exception as err:  # noqa: BLE001 - "still loading" and the like: asked again until the deadline
            last_error[:] = [f"{type(err).__name__}: {err}"]
            return False
        if not reply:
            raise RuntimeError(f"The first answer from {url} was empty: {reply!r}")
        return True

    try:
        wait_for(answered, deadline, 0.05, f"a chat answer from {url}")
        first_answer = time.perf_counter() - started  # before the client is closed (~1 s, not the server's)
    except TimeoutError as err:
        raise TimeoutError(f"{err}; the last attempt: {last_error[0] if last_error else 'none'}") from None
    finally:
        client.close()
    return {"page_up_s": round(page_up, 3), "first_answer_s": round(first_answer, 3)}


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (Linux's VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError(f"No VmHWM for process {pid}")


@dataclass
class AppServer:
    """`python app.py` on a free local port; `with AppServer(log) as server:` returns once it answers.

    Without `corpus_dir` / `index_dir` it serves the checkout's; a missing or stale index is rebuilt
    at start-up in whatever folder it is given, as the deployed app does.
    """

    log_path: Path
    corpus_dir: Path | None = None
    index_dir: Path | None = None
    feedback_log: Path | None = None
    timeout: float = 300
    port: int = field(default_factory=free_port)
    #: Importable here (the benchmark's own plots need matplotlib) but not installed where the app is
    #: deployed. Gradio imports matplotlib on the first request whenever it can, which would add
    #: seconds to the first answer that a deployed server never pays, so the server does not see it.
    hidden_modules: tuple[str, ...] = ("matplotlib",)
    started: float = 0.0
    process: subprocess.Popen | None = None
    ready: dict | None = None  # page_up_s and first_answer_s: seconds from spawn
    exited: Exited | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def pid(self) -> int:
        assert self.process is not None, "the server has not been started"
        return self.process.pid

    def start(self) -> AppServer:
        paths = {"BOT_CORPUS_DIR": self.corpus_dir, "BOT_INDEX_DIR": self.index_dir,
                 "BOT_FEEDBACK_LOG": self.feedback_log}
        env = child_env({name: str(path) for name, path in paths.items() if path is not None})
        self._log = self.log_path.open("wb")
        self.started = time.perf_counter()
        argv = [str(ROOT / "app.py"), "--host", "127.0.0.1", "--port", str(self.port)]
        # `python app.py ARGS`, except that the hidden modules fail to import (a None in sys.modules).
        # Ctrl-C is restored first: a process started from a background job inherits SIGINT ignored,
        # and Python then installs no KeyboardInterrupt handler (the server would not stop on Ctrl-C).
        launcher = (f"import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
                    f"sys.modules.update(dict.fromkeys({list(self.hidden_modules)!r})); "
                    f"sys.argv = {argv!r}; runpy.run_path(sys.argv[0], run_name='__main__')")
        self.process = subprocess.Popen([sys.executable, "-c", launcher], cwd=ROOT, env=env,
                                        stdout=self._log, stderr=subprocess.STDOUT)
        return self

    def wait_until_answering(self) -> dict:
        """Seconds from spawn until the page answers HTTP, and until its first chat answer."""
        try:
            self.ready = wait_until_answering(self.url, self.started, self.timeout, check=self._check_alive)
        except TimeoutError as err:
            raise TimeoutError(f"{err}; the server's log:\n{self.log_tail()}") from None
        return self.ready

    def stop(self, timeout: float = 30) -> Exited:
        """Interrupt the server (as Ctrl-C would) and collect its peak memory."""
        assert self.process is not None
        running = self.process.poll() is None
        peak = peak_rss_mb(self.process.pid) if running else None
        if running:
            self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._log.close()
        self.exited = Exited(round(time.perf_counter() - self.started, 3), peak, self.process.returncode)
        return self.exited

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]

    def _check_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"The server exited with {self.process.returncode}; its log:\n{self.log_tail()}")

    def __enter__(self) -> AppServer:
        self.start()
        try:
            self.wait_until_answering()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self.exited is None:
            self.stop()
