"""A partial or refused answer names, in the person's own words, what the article never mentions."""

from __future__ import annotations

import pytest
from conftest import read_jsonl

from benchmarks.unmentioned_words import LABELS, fingerprint, labelled
from bot.answer import NOT_COVERED, PARTIAL_NAMED
from bot.chatbot import Chatbot
from bot.config import REPO_ROOT as ROOT
from bot.text import words
from bot.unmentioned import candidates, model


@pytest.mark.parametrize("question, named", [
    ("Should I see a chiropractor for back spasms?", "chiropractor"),
    ("my GP gave me diazepam for my back spasm, is it addictive?", "diazepam"),
    ("Can I have an epidural in labour if I've had back spasms my whole pregnancy?", "epidural"),
])
def test_a_refused_question_names_the_thing_the_article_never_mentions(repo_bot: Chatbot, question: str,
                                                                         named: str) -> None:
    answer = repo_bot.ask(question)
    assert answer.coverage == "none"
    assert answer.unmentioned == (named,)
    assert answer.to_json()["unmentioned"] == [named]
    assert f"{NOT_COVERED} It does not mention “{named}”." in answer.markdown


def test_the_thing_is_named_as_the_person_wrote_it(repo_bot: Chatbot) -> None:
    answer = repo_bot.ask("Can I take Nurofen for a back spasm?")
    assert answer.coverage != "full"
    assert answer.unmentioned == ("Nurofen",)  # capital and all


def test_adjacent_words_the_article_never_uses_are_named_as_one_thing(repo_bot: Chatbot) -> None:
    assert repo_bot.ask("Is an inversion table good for back spasms?").unmentioned == ("inversion table",)


def test_a_partial_answer_says_what_is_missing_before_the_closest_quotes(repo_bot: Chatbot) -> None:
    answer = repo_bot.ask("My dad is 74 and keeps getting back spasms. Could his osteoporosis have anything to do "
                          "with it?")
    assert answer.coverage == "partial"
    assert answer.unmentioned == ("osteoporosis",)
    lead = PARTIAL_NAMED.format(names="“osteoporosis”")
    assert answer.markdown.index(lead) < answer.markdown.index("Degenerative diseases, like osteoarthritis")


def test_the_story_around_the_question_is_not_named(repo_bot: Chatbot) -> None:
    answer = repo_bot.ask("I was at my mum's on Thursday lifting boxes and my back went. Can I take nurofen for it?")
    assert answer.coverage != "full"
    assert answer.unmentioned == ("nurofen",)  # not "Thursday", not "boxes"


def test_a_question_the_article_answers_names_nothing(repo_bot: Chatbot) -> None:
    answer = repo_bot.ask("Does ice help with back spasms?")
    assert answer.coverage == "full" and answer.unmentioned == ()
    assert answer.to_json()["unmentioned"] == []


def test_a_misspelt_article_word_is_never_named(repo_bot: Chatbot) -> None:
    speller = repo_bot.retriever.speller
    found = [c.word for c in candidates("Can strechting or massge help a back spasm, or is a theragun better?",
                                        speller.stems, speller)]
    assert "theragun" in found
    assert "strechting" not in found and "massge" not in found  # the speller reads them as the article's words


def test_whatever_is_named_is_absent_from_the_article(repo_bot: Chatbot) -> None:
    # "It does not mention X" must be true: checked on every labelled question and the shared real ones.
    article = repo_bot.retriever.vocabulary  # every word of the indexed text and its headings
    real = read_jsonl(ROOT / "corpus" / "questions" / "real.jsonl")
    questions = [r["question"] for r in labelled()] + [r["question"] for r in real]
    named = [name for q in questions for name in repo_bot.unmentioned(q)]
    assert len(named) > 100, "the check must see names"
    assert not [n for n in named if set(words(n)) & article]


def test_the_shipped_model_was_fitted_on_the_labels_as_they_are() -> None:
    # Refit with `python -m benchmarks.unmentioned_words --fit` after changing tests/data/unmentioned_words.jsonl.
    assert model().fingerprint == fingerprint(labelled()), f"{LABELS.name} changed since the model was fitted"
