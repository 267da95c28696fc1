"""Red flags: warning signs get a "get urgent medical help" notice first; ordinary questions never do."""

import json

import pytest
from conftest import TESTS, read_jsonl

from bot.chatbot import Chatbot
from bot.config import REPO_ROOT
from bot.safety import RED_FLAGS, conversation_notice, red_flag_notice, red_flags, with_conversation_notice

LABELLED = json.loads((TESTS / "data" / "red_flags.json").read_text(encoding="utf-8"))
URGENT: dict[str, list[str]] = LABELLED["urgent"]
ORDINARY: list[str] = LABELLED["ordinary"]
HELD_OUT = json.loads((TESTS / "data" / "red_flags_heldout.json").read_text(encoding="utf-8"))
BANK_LABELS = json.loads((TESTS / "data" / "red_flags_bank.json").read_text(encoding="utf-8"))
BANK = {row["id"]: row["question"] for path in [*sorted((REPO_ROOT / "corpus" / "questions").glob("*.jsonl")),
                                                  TESTS / "data" / "dev.jsonl"] for row in read_jsonl(path)}


@pytest.mark.parametrize("sign, question", [(s, q) for s, qs in URGENT.items() for q in qs])
def test_a_question_naming_a_warning_sign_gets_the_urgent_notice(sign: str, question: str) -> None:
    assert sign in [flag.name for flag in red_flags(question)]
    notice = red_flag_notice(question)
    assert notice is not None and notice.startswith("Get urgent medical help.")
    assert sign.lower() in notice.lower()


@pytest.mark.parametrize("question", ORDINARY)
def test_an_ordinary_back_spasm_question_never_gets_it(question: str) -> None:
    assert red_flag_notice(question) is None


def test_every_red_flag_in_the_issue_has_a_rule_and_an_example() -> None:
    assert {flag.name for flag in RED_FLAGS} == set(URGENT)


def test_two_signs_are_named_together_in_one_short_notice() -> None:
    notice = red_flag_notice("back pain with a fever and chest pain")
    assert notice is not None
    assert "Back pain with fever and chest pain or trouble breathing can be a sign" in notice
    assert len(notice) < 250


def test_typographic_apostrophes_and_capitals_are_read_like_plain_ones() -> None:
    assert red_flag_notice("I CAN’T CONTROL MY BLADDER") is not None


def test_the_notice_reaches_the_answer_before_any_quote(repo_bot: Chatbot) -> None:
    urgent = repo_bot.ask("I have back spasms and numbness in my groin")
    assert urgent.urgent and urgent.urgent.startswith("Get urgent medical help.")
    assert urgent.signs == ("Numbness between the legs or in the groin",)
    assert urgent.markdown.index("Get urgent medical help") < urgent.markdown.index(">", 1) + 50
    assert repo_bot.ask("Does ice help with back spasms?").urgent is None


def test_the_corpus_question_bank_gets_it_exactly_where_a_sign_is_reported() -> None:
    """The ~800 questions of corpus/questions and the dev set: what people ask this article, labelled by hand."""
    assert len(BANK) >= 750 and set(BANK_LABELS["red_flag"]) <= set(BANK)
    flagged = {qid for qid, question in BANK.items() if red_flag_notice(question)}
    assert {qid: BANK[qid] for qid in set(BANK_LABELS["red_flag"]) - flagged} == {}, "missed"
    assert {qid: BANK[qid] for qid in flagged - set(BANK_LABELS["red_flag"]) - set(BANK_LABELS["either"])} == {}


@pytest.mark.parametrize("round_, urgent, ordinary, caught_at_least, false_alarms_at_most", [
    # Rounds 1 and 2 were held out at first (25 of 32 caught, 1 of 30 false alarms; 26 of 30, 1 of 30),
    # then used to tune the rules: now they must stay where tuning left them.
    ("1", "urgent", "ordinary", 31, 1),
    ("2", "urgent_2", "ordinary_2", 29, 1),
    # Round 3 is held out: its first run, 23 of 30 caught and 0 of 30 false alarms, is the measure.
    ("3", "urgent_3", "ordinary_3", 23, 0),
])
def test_phrasings_written_apart_from_the_rules_are_caught_at_the_measured_rate(
        round_: str, urgent: str, ordinary: str, caught_at_least: int, false_alarms_at_most: int) -> None:
    """Phrasings written in rounds, each measured once before it could shape the rules."""
    caught = [q for sign, q in HELD_OUT[urgent] if sign in [flag.name for flag in red_flags(q)]]
    false_alarms = [q for q in HELD_OUT[ordinary] if red_flag_notice(q)]
    assert len(HELD_OUT[urgent]) >= 30 and len(HELD_OUT[ordinary]) == 30
    assert len(caught) >= caught_at_least, f"round {round_}: caught {len(caught)} of {len(HELD_OUT[urgent])}"
    assert len(false_alarms) <= false_alarms_at_most, false_alarms


@pytest.mark.parametrize("question", [
    "can an old car crash still cause spasms today?",
    "I had a car accident years ago, can that cause spasms now?",
    "I had a fever last year, is that linked to my back spasms?",
])
def test_a_sign_long_in_the_past_is_not_a_red_flag(question: str) -> None:
    assert red_flags(question) == []


def test_a_sign_in_the_past_and_again_recently_is() -> None:
    assert red_flag_notice("I had a bad fall years ago and fell off a ladder again yesterday")
    assert red_flag_notice("my old injury flared up after I fell down the stairs last week")


@pytest.mark.parametrize("question, flagged", [
    ("I have no fever", False), ("I don't have chest pain or a fever", False),
    ("there is no weakness in my legs", False),
    ("I'm not sure if I have a fever", True), ("no fever, but my legs feel weak", True),
    ("I have no idea why I have a fever", True),
])
def test_denial_reaches_only_its_own_clause_and_doubt_is_not_denial(question: str, flagged: bool) -> None:
    assert bool(red_flag_notice(question)) is flagged


def test_a_general_question_about_a_cause_the_article_lists_is_not_a_report_of_one() -> None:
    assert red_flag_notice("Could a car accident lead to back spasms?") is None
    assert red_flag_notice("my sister was in a car accident and now her back spasms") is not None


def test_a_warning_raised_earlier_in_a_conversation_is_repeated_on_later_questions() -> None:
    earlier = ["Does ice help?", "I can't control my bladder since my back went into spasm"]
    notice = conversation_notice("and what about heat?", earlier)
    assert notice is not None and "Loss of bladder or bowel control" in notice
    both = conversation_notice("I also have a fever", earlier)
    assert both is not None and "Loss of bladder or bowel control and back pain with fever" in both
    assert conversation_notice("and what about heat?", ["Does ice help?"]) is None


def test_an_answer_carries_the_notice_of_the_conversation_only_after_a_warning(repo_bot: Chatbot) -> None:
    answer = repo_bot.ask("and what about heat?", history=[{"role": "user", "content": "Does ice help?"}])
    assert with_conversation_notice(answer, [{"role": "user", "content": "Does ice help?"}]) is answer
    warned = [{"role": "user", "content": "I can't control my bladder"}, {"role": "assistant", "content": "…"}]
    carried = with_conversation_notice(answer, warned)
    assert carried.urgent and "Loss of bladder or bowel control" in carried.urgent
    assert carried.signs == ("Loss of bladder or bowel control",)
    assert carried.quoted == answer.quoted
