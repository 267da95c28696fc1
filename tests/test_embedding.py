"""The bot's numpy encoder gives sentence-transformers' vectors, so swapping it in changes no answer."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import SEED_DOC, TESTS, make_repo

from bot.build import build
from bot.chatbot import Chatbot
from bot.config import REPO_ROOT
from bot.embedding import Embedder, ReferenceEmbedder
from bot.evaluate import evaluate, read_questions

VARIED_TEXTS = [
    "Does ice help with back spasms?",
    "what triggers a SPASM in my lower back??",
    "Massage the affected area using few effective healing rubs.",
    SEED_DOC.read_text(encoding="utf-8")[:1500],  # far over 256 tokens: cut where sentence-transformers cuts
    "",
    "a",
    "Rückenschmerzen, café, naïve — résumé",
    "腰の筋肉のけいれん 背中",
    "🙂🔥 back pain!!! 😬",
    "1 2 3 4 5 6 7 8 9 10 mg/kg 3.5% @#$%^&*()",
    "   leading and trailing spaces   ",
    "Line one\nline two\ttabbed",
    "antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis",
]


@pytest.fixture(scope="module")
def reference(embedder: Embedder) -> ReferenceEmbedder:
    return ReferenceEmbedder(embedder.name)


def test_vectors_match_sentence_transformers_on_varied_texts(embedder: Embedder, reference: ReferenceEmbedder) -> None:
    ours = embedder.embed(VARIED_TEXTS, batch_size=4)  # several padded batches, texts reordered by length
    theirs = reference.embed(VARIED_TEXTS)
    cosines = (ours * theirs).sum(axis=1)
    assert cosines.min() >= 0.9999, dict(zip(VARIED_TEXTS, cosines.round(6), strict=True))
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_a_text_gets_the_same_vector_alone_and_in_a_padded_batch(embedder: Embedder) -> None:
    batch = embedder.embed(VARIED_TEXTS, batch_size=len(VARIED_TEXTS), max_padding=float("inf"))  # one batch
    alone = np.stack([embedder.embed_one(text) for text in VARIED_TEXTS])
    assert (batch * alone).sum(axis=1).min() >= 0.99999
    assert embedder.embed([]).shape == (0, embedder.dim)


def test_texts_are_batched_with_texts_of_about_their_length() -> None:
    from bot.embedding import _batches

    lengths = [99, 26, 27, 31, 60, 61, 100, 5, 5, 5]
    batches = _batches(lengths, size=2, max_padding=1.25)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))  # each text once
    assert [[lengths[i] for i in b] for b in batches] == [[5, 5], [5], [26, 27], [31], [60, 61], [99, 100]]


def test_dev_set_answers_do_not_change_with_the_encoder(tmp_path: Path, embedder: Embedder,
                                                         reference: ReferenceEmbedder) -> None:
    # Each encoder builds its own index and answers with it: the whole pipeline, end to end.
    rows = read_questions(TESTS / "data" / "dev.jsonl")
    reports = []
    for name, model in (("ours", embedder), ("sentence-transformers", reference)):
        settings = make_repo(tmp_path / name, SEED_DOC)
        build(settings, model)
        reports.append(evaluate(Chatbot.load(settings, embedder=model, rebuild=False), rows))
    ours, theirs = reports

    def outcome(report) -> list[tuple]:
        return [(r["abstained"], [(p["section"], p["quote"]) for p in r["retrieved"]]) for r in report.rows]

    assert outcome(ours) == outcome(theirs)
    timing = {"seconds_for_all_max"}
    assert {k: v for k, v in ours.metrics.items() if k not in timing} == \
        {k: v for k, v in theirs.metrics.items() if k not in timing}


def test_serving_the_bot_never_imports_torch(built_repo) -> None:
    # torch and sentence-transformers alone are ~450 MB and seconds of start-up: the answer path must not need them.
    code = (
        "import sys; from bot.chatbot import Chatbot; from bot.config import Settings; "
        "bot = Chatbot.load(Settings.from_env(), rebuild=False); bot.ask('Does ice help?'); "
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))"
    )
    env = {**os.environ, "BOT_CORPUS_DIR": str(built_repo.corpus_dir), "BOT_INDEX_DIR": str(built_repo.index_dir)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
