"""The feedback log and the ledger of answers given: caps, rotation, and what counts as a vote.

The page-level path (a vote through the queue, forged votes, a flood from one session) is in
tests/test_hardening.py; these check the same code directly with small limits.
"""

from __future__ import annotations

import json
from pathlib import Path

from bot.config import Settings
from bot.ui.feedback import AnswerLedger, FeedbackLog, rating

LEDGER_ANSWERS, VOTES_PER_SESSION = Settings.ledger_answers, Settings.votes_per_session


def test_the_log_rotates_so_it_never_takes_more_than_twice_its_cap(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "feedback.jsonl", max_bytes=4_000)
    for i in range(200):
        assert log.record("like", f"question {i} " + "q" * 200, "answer " + "a" * 200, 1) is not None
    current, previous = log.path, tmp_path / "feedback.jsonl.1"
    assert current.stat().st_size <= 4_000 and previous.stat().st_size <= 4_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feedback.jsonl", "feedback.jsonl.1"]
    last = json.loads(current.read_text(encoding="utf-8").splitlines()[-1])
    assert last["question"].startswith("question 199 ")


def test_only_like_and_dislike_are_recorded(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "feedback.jsonl")
    assert [rating(v) for v in (True, False, None, "Like", "x" * 20, 1)] == ["like", "dislike", None, None, None, None]
    assert log.record("love it", "q", "a", 1) is None and not log.path.exists()


def test_the_ledger_finds_only_answers_given_in_that_session() -> None:
    ledger = AnswerLedger(capacity=10)
    ledger.record("alice", "Does ice help?", ["The article says: ice helps.", "Source [1]: Treatment"])
    assert ledger.find("alice", "Source [1]: Treatment").question == "Does ice help?"
    assert ledger.find("alice", "  The article   says: ice helps. ").answer.startswith("The article says")
    assert ledger.find("bob", "The article says: ice helps.") is None
    assert ledger.find("alice", "The article says: bleach helps.") is None


def test_the_ledger_keeps_the_last_answers_of_the_last_sessions() -> None:
    ledger = AnswerLedger(capacity=2)
    for i in range(LEDGER_ANSWERS + 3):
        ledger.record("alice", f"question {i}", [f"answer {i}"])
    assert ledger.find("alice", "answer 0") is None and ledger.find("alice", f"answer {LEDGER_ANSWERS + 2}")
    kept = [i for i in range(LEDGER_ANSWERS + 3) if ledger.find("alice", f"answer {i}")]
    assert len(kept) == LEDGER_ANSWERS
    ledger.record("bob", "q", ["b"])
    ledger.record("carol", "q", ["c"])
    assert ledger.find("alice", f"answer {LEDGER_ANSWERS + 2}") is None, "the least recently used session went"


def test_a_session_has_a_budget_of_votes_and_a_session_that_asked_nothing_has_none() -> None:
    ledger = AnswerLedger(capacity=10)
    assert ledger.take_vote("nobody") is False
    ledger.record("alice", "q", ["a"])
    assert sum(ledger.take_vote("alice") for _ in range(VOTES_PER_SESSION + 5)) == VOTES_PER_SESSION
