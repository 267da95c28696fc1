"""Red flags: warning signs get a "get urgent medical help" notice first; ordinary questions never do."""

import pytest

from bot.chatbot import Chatbot
from bot.safety import RED_FLAGS, red_flag_notice, red_flags

URGENT = {
    "Loss of bladder or bowel control": [
        "My back spasms and I have lost control of my bladder",
        "back pain and loss of bowel control, what should I do?",
        "I can't control my bladder since the spasm started",
        "lower back pain with incontinence",
        "I wet myself during a back spasm",
    ],
    "Numbness between the legs or in the groin": [
        "numbness between my legs after back pain",
        "My groin feels numb and my back hurts",
        "tingling in the groin with a back spasm",
        "is saddle numbness a symptom of back spasms?",
    ],
    "New weakness in the legs": [
        "My back spasms and now my legs feel weak",
        "sudden weakness in my left leg with back pain",
        "back pain and my leg keeps giving way",
        "I can't lift my foot since the back spasm",
    ],
    "Back pain with fever": [
        "back spasms with a fever",
        "I have a high temperature and lower back pain",
        "Can back spasms cause a fever?",
    ],
    "Back pain after a major fall or accident": [
        "back pain after a car accident",
        "My back spasms after a fall on ice?",
        "I fell off a ladder and my back is in spasm",
        "spasms since the crash last week",
        "back pain following a bad fall down the stairs",
    ],
    "Unexplained weight loss": [
        "back pain and unexplained weight loss",
        "I'm losing weight without trying and my back hurts",
        "back spasms and sudden weight loss",
    ],
    "Chest pain": [
        "back spasm with chest pain",
        "pain in my chest and upper back",
        "my chest feels tight when my back spasms",
    ],
}

ORDINARY = [
    "Can a sports injury cause back spasms?",
    "What can trigger a back spasm?",
    "What are the symptoms of back spasms?",
    "Is ice or heat better for a spasm?",
    "Should I stay in bed during a spasm?",
    "Can accidents or an old injury cause repeated spasms?",
    "Does losing weight help with back pain?",
    "Is it normal to feel a pull in the muscle?",
    "Can I exercise with back spasms?",
    "Why does my lower back hurt when I bend down?",
    "I can't stand up straight during a spasm",
    "Can pregnancy cause back spasms?",
    "Does calcium or vitamin D deficiency matter?",
    "How do I stretch my back after a workout?",
    "Does massage help?",
    "What is lumbago?",
    "Can a fall cause back spasms?",
    "I have no fever, why do my spasms keep coming back?",
    "I don't have chest pain but my upper back spasms",
    "My legs are not weak, just my back hurts",
    "",
]


@pytest.mark.parametrize("sign, question", [(s, q) for s, qs in URGENT.items() for q in qs])
def test_a_question_naming_a_warning_sign_gets_the_urgent_notice(sign: str, question: str) -> None:
    assert [flag.name for flag in red_flags(question)] == [sign]
    notice = red_flag_notice(question)
    assert notice is not None and notice.startswith("Get urgent medical help.")
    assert sign in notice


@pytest.mark.parametrize("question", ORDINARY)
def test_an_ordinary_back_spasm_question_never_gets_it(question: str) -> None:
    assert red_flag_notice(question) is None


def test_every_red_flag_in_the_issue_has_a_rule_and_an_example() -> None:
    assert {flag.name for flag in RED_FLAGS} == set(URGENT)


def test_two_signs_are_named_together_in_one_short_notice() -> None:
    notice = red_flag_notice("back pain with a fever and chest pain")
    assert notice is not None
    assert "Back pain with fever and chest pain can be a sign" in notice
    assert len(notice) < 250


def test_typographic_apostrophes_and_capitals_are_read_like_plain_ones() -> None:
    assert red_flag_notice("I CAN’T CONTROL MY BLADDER") is not None


def test_the_notice_reaches_the_answer_before_any_quote(repo_bot: Chatbot) -> None:
    urgent = repo_bot.ask("I have back spasms and numbness in my groin")
    assert urgent.urgent and urgent.urgent.startswith("Get urgent medical help.")
    assert urgent.markdown.index("Get urgent medical help") < urgent.markdown.index(">", 1) + 50
    assert repo_bot.ask("Does ice help with back spasms?").urgent is None
