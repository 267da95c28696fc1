"""Shared fixtures: the real model, loaded once; real indexes built in temporary folders."""

from __future__ import annotations

import os

# Set before anything imports huggingface_hub or gradio: an accidental download fails loudly,
# and no test phones home.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import json
import shutil
from pathlib import Path

import pytest

from bot.build import build
from bot.chatbot import Chatbot
from bot.config import DEFAULT_MODEL, REPO_ROOT, Settings
from bot.embedding import Embedder

TESTS = Path(__file__).resolve().parent
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


@pytest.fixture
def built_repo(tmp_path: Path, embedder: Embedder) -> Settings:
    """A fresh copy of the shipped corpus with its own freshly built index (safe to damage)."""
    settings = make_repo(tmp_path, SEED_DOC)
    build(settings, embedder)
    return settings


@pytest.fixture(scope="session")
def two_doc_bot(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Chatbot:
    """The shipped article and its labelled questions, plus a Markdown explainer (with no labelled
    questions) dropped into corpus/, built as `python -m bot build` builds: no code change."""
    settings = make_repo(tmp_path_factory.mktemp("two-docs"), SEED_DOC, SECOND_DOC)
    shutil.copytree(REPO_ROOT / "corpus" / "questions", settings.corpus_dir / "questions")
    build(settings, embedder)
    return Chatbot.load(settings, embedder=embedder, rebuild=False)


# --- A real page on loopback, and calls the way the browser makes them ------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def queue_call(url: str, fn_index: int, data: list, session_hash: str, *, event_data: object = None,
               trigger_id: int | None = None, timeout: float = 60) -> tuple[int, dict | str]:
    """One event through the queue, as the page sends it: (HTTP status of the join, final message or body).

    The final message is Gradio's `process_completed` dict (`success`, `output`), read from the
    session's event stream; a refused join returns its status and body text instead.
    """
    import httpx

    body = {"data": data, "fn_index": fn_index, "session_hash": session_hash, "event_data": event_data,
            "trigger_id": trigger_id}
    with httpx.Client(base_url=url, timeout=timeout) as http:
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
