"""The scorer's verbatim check reads the document file, so a quote that is not in it is counted."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import read_jsonl

from bot.answer import Answer, Passage
from bot.chatbot import Chatbot
from bot.config import REPO_ROOT
from bot.corpus import read_document
from bot.evaluate import document_texts, is_verbatim, score

QUESTIONS = read_jsonl(REPO_ROOT / "tests" / "data" / "dev.jsonl")[:8]


@pytest.fixture(scope="module")
def answered(repo_bot: Chatbot) -> tuple[list[dict], list[Answer], dict[str, str]]:
    return QUESTIONS, [repo_bot.ask(row["question"]) for row in QUESTIONS], document_texts(repo_bot.settings.corpus_dir)


def _tampered(answers: list[Answer], change) -> list[Answer]:
    """The answers with the first passage of the first answer that has one changed by `change`."""
    index = next(i for i, a in enumerate(answers) if a.passages)
    first = answers[index]
    changed = replace(first, passages=[change(first.passages[0]), *first.passages[1:]])
    return [*answers[:index], changed, *answers[index + 1 :]]


def test_the_bot_quotes_the_file_verbatim(answered) -> None:
    rows, answers, documents = answered
    assert sum(len(a.passages) for a in answers) > 0
    assert score(rows, answers, documents).metrics["quotes_not_verbatim_max"] == 0


def test_offsets_count_from_the_start_of_the_file_front_matter_included(answered) -> None:
    _, answers, documents = answered
    passage = next(p for a in answers for p in a.passages)
    document = read_document(REPO_ROOT / "corpus" / passage.doc, REPO_ROOT / "corpus")
    assert document.body_start > 0  # the seed article has front matter, so the two readings differ
    assert documents[passage.doc][passage.start : passage.end] == passage.text
    assert document.body[passage.start : passage.end] != passage.text


@pytest.mark.parametrize("change", [
    pytest.param(lambda p: replace(p, quote=p.quote.replace("a", "e", 1)), id="a word changed"),
    pytest.param(lambda p: replace(p, quote=p.quote.swapcase()), id="case changed"),
    pytest.param(lambda p: replace(p, quote=p.quote[1:]), id="offsets no longer match"),
    pytest.param(lambda p: replace(p, quote_start=p.quote_start + 1, quote_end=p.quote_end + 1), id="moved"),
    pytest.param(lambda p: replace(p, text=p.text + " Always.", end=p.end + 8), id="passage grown"),
    pytest.param(lambda p: replace(p, doc="elsewhere.txt"), id="unknown document"),
])
def test_a_tampered_quote_is_counted_as_not_verbatim(answered, change) -> None:
    rows, answers, documents = answered
    tampered = _tampered(answers, change)
    passage = next(a for a in tampered if a.passages).passages[0]
    assert not is_verbatim(passage, documents)
    assert score(rows, tampered, documents).metrics["quotes_not_verbatim_max"] == 1


def test_a_set_with_no_off_topic_question_is_not_short_of_refusing_them() -> None:
    text = "Ice therapy can also prove to be a good treatment."
    passage = Passage(text, text, "A › Treatment", "Treatment", 0.9, "a.txt", 0, len(text), 0, len(text), "A", "bullet")
    row = {"id": "rv-1", "question": "does ice help", "abstain": False, "evidence": ["Ice therapy"]}
    answer = Answer("does ice help", False, [passage], [passage], "high")
    report = score([row], [answer], {"a.txt": text})
    assert report.metrics["hit_at_1"] == 1.0 and report.metrics["out_of_scope"] == 0
    assert report.short_of_targets() == [], "no off-topic question to refuse: not a miss"
    assert score([{**row, "abstain": True}], [answer], {"a.txt": text}).short_of_targets() == ["refused_out_of_scope"]
