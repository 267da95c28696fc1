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

from bot.chatbot import Chatbot, build
from bot.config import DEFAULT_MODEL, REPO_ROOT, Settings
from bot.embedding import Embedder
from bot.index import build_index

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
    build_index(settings, embedder)
    return settings


@pytest.fixture(scope="session")
def two_doc_bot(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Chatbot:
    """The shipped article and its labelled questions, plus a Markdown explainer (with no labelled
    questions) dropped into corpus/, built as `python -m bot build` builds: no code change."""
    settings = make_repo(tmp_path_factory.mktemp("two-docs"), SEED_DOC, SECOND_DOC)
    shutil.copytree(REPO_ROOT / "corpus" / "questions", settings.corpus_dir / "questions")
    build(settings, embedder)
    return Chatbot.load(settings, embedder=embedder, rebuild=False)
