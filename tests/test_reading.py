"""A question read as its sentences: the ones that ask are told apart from the story around them."""

import pytest

from bot.reading import asking_part, is_asking, sentences


def test_a_story_then_a_question_is_searched_by_its_question_too() -> None:
    question = ("I work in a warehouse lifting crates all day. Last week my lower back started seizing up. "
                "Should I get it looked at?")
    assert asking_part(question) == "Should I get it looked at?"


def test_two_questions_after_a_story_are_both_the_ask() -> None:
    question = "My back tightens up every night in bed. Is that a spasm? And what can I do about it?"
    assert asking_part(question) == "Is that a spasm? And what can I do about it?"


@pytest.mark.parametrize("question", [
    "Does ice help with back spasms?",
    "Is it a spasm? How do I treat it?",  # every sentence asks: nothing to set aside
    "back spasm after deadlifts",  # one sentence, no mark at all
])
def test_a_question_that_is_all_ask_is_searched_as_it_is(question: str) -> None:
    assert asking_part(question) is None


def test_without_a_question_mark_the_request_or_the_last_sentence_is_the_ask() -> None:
    assert asking_part("Pulled something at the gym today. I was wondering if heat would help") == (
        "I was wondering if heat would help")
    assert asking_part("Back went this morning. It hurts to stand. what do i do") == "what do i do"
    assert asking_part("My back has been sore for days. It hurts when I bend.") == "It hurts when I bend."


@pytest.mark.parametrize("sentence, asks", [
    ("so what should I do now", True),
    ("Any tips appreciated.", True),
    ("I was wondering if massage is a good idea.", True),
    ("I was lifting boxes at work.", False),
    ("I have two kids.", False),
])
def test_a_sentence_asks_by_its_mark_its_opening_or_a_request(sentence: str, asks: bool) -> None:
    assert is_asking(sentence) is asks


def test_sentences_keep_their_words_and_marks() -> None:
    text = "34 weeks!! Back is killing me... is this normal?\nany advice"
    assert sentences(text) == ["34 weeks!!", "Back is killing me...", "is this normal?", "any advice"]
