"""Shared fixtures: the real model, loaded once; one real index, built once; real servers on loopback.

The expensive things are made once per run: the model (per worker under `pytest -n`), the build
of the shipped article (`built_article`, shared by the workers), which tests copy when they damage
it (`built_repo`), and the full build with a fitted query model (`two_doc_bot`). `serve()` is the
one way a test starts the page; `shipped_page` is the shipped checkout served for a module.
"""

from __future__ import annotations

import os

# Set before anything imports huggingface_hub or gradio: an accidental download fails loudly,
# and no test phones home.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
# Gradio's heartbeat stream (one per visitor) sends a line every 15 s unless told otherwise, and a
# visitor's stream ends only at its next line: a server stopped with Ctrl-C (the benchmark's and the
# soak's) waits for those streams, up to 15 s, doing nothing. Gradio's own end-to-end tests use
# 0.25 s; a second here. Servers the tests start in subprocesses inherit it.
os.environ.setdefault("GRADIO_HEARTBEAT_INTERVAL", "1")

import fcntl
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import types
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from bot.build import build
from bot.chatbot import Chatbot
from bot.config import DEFAULT_MODEL, REPO_ROOT, Settings
from bot.embedding import Embedder

TESTS = Path(__file__).resolve().parent
#: Debian's Chromium (`.ci/setup --test` installs it; never `playwright install`), and how the browser
#: tests start it: no sandbox as root, no GPU, and none of its own traffic (updates, sync, first-run
#: checks), which this machine's closed network refuses, many connections at a time.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
FIXTURES = TESTS / "fixtures"
SEED_DOC = REPO_ROOT / "corpus" / "repeated-back-muscle-spasms.txt"
SECOND_DOC = FIXTURES / "second_corpus" / "tension-headaches.md"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real model, loaded once for the whole run."""
    return Embedder(DEFAULT_MODEL)


@pytest.fixture(scope="session")
def repo_bot(embedder: Embedder) -> Chatbot:
    """The bot over the shipped corpus and the committed index, as the app serves it."""
    return Chatbot.load(Settings.for_repo(REPO_ROOT), embedder=embedder, rebuild=False)


def make_repo(root: Path, *documents: Path) -> Settings:
    """A checkout-like folder with the given documents in its corpus/."""
    (root / "corpus").mkdir(parents=True, exist_ok=True)
    for document in documents:
        shutil.copy(document, root / "corpus" / document.name)
    return Settings.for_repo(root)


def _run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder every process of this run sees: under `pytest -n` each worker's temporary folder is a
    child of the run's, so the workers meet in its parent."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _built_once(tmp_path_factory: pytest.TempPathFactory, name: str, corpus: Path, embedder: Embedder,
                ignore: Callable | None = None) -> Settings:
    """A temporary checkout of `corpus` built as `python -m bot build` builds it, once per run: the
    first process (of `pytest -n`'s workers) to take the lock builds, the others find it built."""
    run = _run_folder(tmp_path_factory)
    root = run / name
    with (run / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not root.is_dir():
            staging = run / f"{name}.partial"
            shutil.rmtree(staging, ignore_errors=True)
            shutil.copytree(corpus, staging / "corpus", ignore=ignore)
            build(Settings.for_repo(staging), embedder)
            staging.rename(root)  # whole or not there: a process killed mid-build leaves only .partial
    return replace(Settings.for_repo(root), feedback_log=None)


@pytest.fixture(scope="session")
def built_article(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Settings:
    """The shipped article alone, in a temporary checkout built once per run as `python -m bot build`
    builds it. Shared by every test that serves or reads it: never change it (`built_repo` is a copy
    to damage); its feedback log is None, so a page served from it writes nothing into it.

    Without the labelled questions: they are part of the index's fingerprint, so with them every
    rebuild a test provokes in a copy (a damaged or stale index at start, a CLI build) would refit the
    query model, tens of seconds each. The query model is untrained, as every test index here was
    before; the fit itself is tested on `two_doc_bot` (and the shipped one on the committed index).
    """
    return _built_once(tmp_path_factory, "built-article", REPO_ROOT / "corpus", embedder,
                       ignore=shutil.ignore_patterns("questions"))


@pytest.fixture
def built_repo(built_article: Settings, tmp_path: Path) -> Settings:
    """A checkout of this test's own, safe to damage: a copy of `built_article` (corpus and index)."""
    root = tmp_path / "repo"
    shutil.copytree(built_article.corpus_dir, root / "corpus")
    shutil.copytree(built_article.index_dir, root / "index")
    return Settings.for_repo(root)


@pytest.fixture(scope="session")
def two_doc_bot(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Chatbot:
    """The shipped article and its labelled questions, plus a Markdown explainer (with no labelled
    questions) dropped into corpus/, built as `python -m bot build` builds: no code change."""
    settings = make_repo(tmp_path_factory.mktemp("two-docs"), SEED_DOC, SECOND_DOC)
    shutil.copytree(REPO_ROOT / "corpus" / "questions", settings.corpus_dir / "questions")
    build(settings, embedder)
    return Chatbot.load(settings, embedder=embedder, rebuild=False)


# --- A real page on loopback, and calls the way the browser makes them ------------------------------

# Every test server speaks plain HTTP on 127.0.0.1, so there is no certificate to check. Left on,
# verification makes httpx load the CA bundle for every client it creates (~80 ms of CPU each), and
# gradio_client creates one for every request: about a minute of CPU over the suite, for nothing.
# So the test's HTTP clients are made with `verify=False` / `ssl_verify=False`; against an https
# URL nothing here would be used.


def new_client(url: str):
    """A new visitor through `gradio_client` (its own session), as a script reaches the page; one that
    waits for its event stream to close between questions (benchmarks/visitor.py says why)."""
    from benchmarks.visitor import connect

    assert url.startswith("http://127.0.0.1:"), url  # plain HTTP on loopback: nothing to verify
    return connect(url)


def let_go(client) -> None:
    """Close a `gradio_client` Client without waiting on it. Its close() tells the heartbeat thread to
    stop, then joins it for up to 1 s; that thread is blocked reading the server's heartbeat stream
    until its next line (GRADIO_HEARTBEAT_INTERVAL above), so the join mostly waits idle, and the
    thread ends on that line either way. The close runs in a thread of its own."""
    threading.Thread(target=client.close, name="close-gradio-client", daemon=True).start()


@contextmanager
def visitor(url: str) -> Iterator:
    """`new_client(url)` for the block, let go of at its end."""
    client = new_client(url)
    try:
        yield client
    finally:
        let_go(client)



def free_port() -> int:
    """A port nothing listens on now (the OS's pick), for a server about to start."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    settings: Settings
    demo: object  # the gr.Blocks
    app: object  # its FastAPI app (sessions live in app.state_holder)
    url: str  # http://127.0.0.1:<port>/
    share_url: str | None


@contextmanager
def serve(settings: Settings, embedder: Embedder | None = None, *, rebuild: bool | None = False) -> Iterator[Server]:
    """The page as `python app.py` serves it (the same queue and launch options) on a free loopback
    port, its bot loading in the background as in production; closed on the way out."""
    from bot.app import BotLoader, create_demo, launch

    demo = create_demo(settings, loader=BotLoader(settings, embedder=embedder, rebuild=rebuild).start())
    app, url, share_url = launch(demo, settings, host="127.0.0.1", port=free_port(), block=False, quiet=True)
    try:
        yield Server(settings, demo, app, url, share_url)
    finally:
        demo.close()


@pytest.fixture(scope="module")
def shipped_page(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[Server]:
    """The shipped checkout (corpus and committed index) served for a test module, with the feedback
    log in a temporary folder. Tests on it look only at their own sessions and what they added to the
    log; a test that needs other settings starts its own page with serve(). Per module, not per run:
    an idle Gradio server still takes ~8 % of a core (its queue polls every millisecond), and a page
    kept for the run idled on through every later module of the worker."""
    feedback = tmp_path_factory.mktemp("shipped-page") / "feedback.jsonl"
    with serve(replace(Settings.for_repo(REPO_ROOT), feedback_log=feedback), embedder) as server:
        yield server


@dataclass
class AppProcess:
    """`python app.py` in a child process: its URL, its output (a file) and when it was spawned."""

    process: subprocess.Popen
    url: str
    log: Path
    started: float  # time.perf_counter() just before the spawn

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@pytest.fixture(scope="module")
def app_py(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppProcess]:
    """`python app.py --port N` in the checkout, as the README and a Space start it (its feedback log in
    a temporary folder), for the module's tests that need the real process: in tests/test_app_e2e.py
    its cold start (the first to ask for it, so the spawn is the start of its time), then its start-up
    log and memory under hostile clients."""
    folder = tmp_path_factory.mktemp("app-py")
    port = free_port()
    env = {**os.environ, "BOT_FEEDBACK_LOG": str(folder / "feedback.jsonl"), "GRADIO_ANALYTICS_ENABLED": "False"}
    log = folder / "app.log"
    with log.open("w") as out:  # a file, not a pipe: a full pipe would stall the server
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=REPO_ROOT, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        yield AppProcess(process, f"http://127.0.0.1:{port}/", log, started)
    finally:
        stop(process)


def wait_until(condition: Callable[[], object], timeout: float, message: str | Callable[[], str],
               interval: float = 0.05) -> object:
    """Poll `condition()` until it returns something true, and return that; fail with `message`
    (a callable is called then, e.g. to read a log) once `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() >= deadline:
            raise AssertionError(message() if callable(message) else message)
        time.sleep(interval)
    return result


def wait_for_page(url: str, process: subprocess.Popen, timeout: float = 180,
                  output: Callable[[], str] = lambda: "") -> str:
    """The page at `url` once the server `process` started answers it; fails (with the server's
    `output`) if the process exits first or the page is not up within `timeout` seconds."""

    def page() -> str | None:
        assert process.poll() is None, f"the app exited: {output()[-3000:]}"
        try:
            return urllib.request.urlopen(url, timeout=5).read().decode("utf-8")
        except OSError:
            return None

    return wait_until(page, timeout, lambda: f"the page did not come up within {timeout} s: {output()[-3000:]}",
                      interval=0.1)


def sync_dependency(config: dict) -> dict:
    """The page's internal function that copies the chat shown into the session (chatbot in, two States out)."""
    kinds = {c["id"]: c["type"] for c in config["components"]}
    return next(d for d in config["dependencies"]
                if [kinds[i] for i in d["inputs"]] == ["chatbot"]
                and [kinds[o] for o in d["outputs"]] == ["state", "state"])


def queue_call(url: str, fn_index: int, data: list, session_hash: str, *, event_data: object = None,
               trigger_id: int | None = None, timeout: float = 60, client: str | None = None) -> tuple[int, dict | str]:
    """One event through the queue, as the page sends it: (HTTP status of the join, final message or body).

    The final message is Gradio's `process_completed` dict (`success`, `output`), read from the
    session's event stream; a refused join returns its status and body text instead. `client` is the
    address a proxy would name in X-Forwarded-For (bot/clients.py); without it the call is the machine's own.
    """
    import httpx

    body = {"data": data, "fn_index": fn_index, "session_hash": session_hash, "event_data": event_data,
            "trigger_id": trigger_id}
    headers = {"X-Forwarded-For": client} if client else {}
    with httpx.Client(base_url=url, timeout=timeout, verify=False, headers=headers) as http:  # plain HTTP on loopback
        joined = http.post("gradio_api/queue/join", json=body)
        if joined.status_code != 200:
            return joined.status_code, joined.text
        event_id = joined.json()["event_id"]
        with http.stream("GET", "gradio_api/queue/data", params={"session_hash": session_hash}) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[len("data:"):])
                if message.get("msg") == "process_completed" and message.get("event_id") == event_id:
                    return 200, message
    raise AssertionError(f"no result for event {event_id} of function {fn_index}")


# --- Weighing what the server keeps ------------------------------------------------------------------------

_NOT_OWNED = (type, types.ModuleType, types.FunctionType, types.MethodType, types.BuiltinFunctionType)


def _walk(root: object, seen: set[int]) -> int:
    """Bytes (sys.getsizeof) of the objects reachable from `root` whose ids are not in `seen`; adds them to it."""
    stack, total = [root], 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, _NOT_OWNED):
            continue
        total += sys.getsizeof(obj)
        if isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            stack.extend(obj)
        elif hasattr(obj, "__dict__"):
            stack.append(obj.__dict__)
    return total


def owned_bytes(root: object, shared: set[int]) -> int:
    """Bytes of what `root` holds, leaving out the objects whose ids are in `shared`."""
    return _walk(root, set(shared))


def shared_with_the_page(demo) -> set[int]:
    """Ids of everything the page itself holds, its sessions left out: what no one session owns."""
    seen = {id(demo.state_holder)}
    _walk(demo, seen)
    return seen


def call_result(url: str, api_name: str, event_id: str) -> tuple[str, object]:
    """("complete", first output) or ("error", message) of a REST queue call, read from its event stream."""
    import json
    import urllib.request

    event = None
    with urllib.request.urlopen(f"{url}gradio_api/call/{api_name}/{event_id}", timeout=60) as stream:
        for raw in stream:
            line = raw.decode("utf-8").rstrip("\n")
            if line.startswith("event: "):
                event = line[len("event: "):]
            elif line.startswith("data: ") and event in ("complete", "error"):
                payload = json.loads(line[len("data: "):])
                if event == "complete":
                    return event, payload[0]
                return event, payload.get("error") if isinstance(payload, dict) else payload
    raise AssertionError("the event stream ended without a result")


def stop(process: subprocess.Popen, timeout: float = 30) -> None:
    """Stop a server process: politely, then by force if it does not go within `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


# --- How `pytest -n 2` shares the files out ----------------------------------------------------------------

#: Test files that share an expensive import run on one worker, which then pays for it once:
#: sentence-transformers (torch) for the reference encoder.
TOGETHER = {"tests/test_embedding.py": "torch", "tests/test_bench.py": "torch"}
#: Roughly what each costly unit (a file, or a TOGETHER group) takes in a run of the suite on the 2-core
#: machine, in seconds: only their order matters. The costliest start first, so that the two workers
#: end together; xdist's own order (most tests first) left the bench and the soak to the very end.
COST = {"tests/test_browser.py": 75, "torch": 60, "tests/test_hostile_input.py": 28, "tests/test_faults.py": 27,
        "tests/test_floods.py": 25, "tests/test_quality.py": 24, "tests/test_app_e2e.py": 12,
        "tests/test_limits.py": 12, "tests/test_soak.py": 14, "tests/test_hardening.py": 10, "tests/test_cli.py": 3,
        "tests/test_index.py": 2, "tests/test_safety.py": 2, "tests/test_review.py": 25}


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """`--dist loadfile` (pyproject's addopts), with the TOGETHER groups and the costliest units first."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class CostliestFirst(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = super()._split_scope(nodeid)
            return TOGETHER.get(path, path)

        def _assign_work_unit(self, node) -> None:
            # Hand out the costliest unit left (unknown ones cost little: a few unit tests).
            scope = max(self.workqueue, key=lambda s: (COST.get(s, 0), len(self.workqueue[s])))
            self.workqueue.move_to_end(scope, last=False)
            super()._assign_work_unit(node)

    return CostliestFirst(config, log)
