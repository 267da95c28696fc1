"""Like/dislike votes, recorded against the answers the server actually gave.

The browser's like event says which message was voted on (its index) and carries the message
text, but anything in it can be made up. So the page keeps a small ledger per session of the
answers it gave (`AnswerLedger`, filled by the chat function), and a vote is recorded only when
the message at that index in the session's own history is one of them: the question and answer
written to the log are the server's, never the client's. The log is capped per session and in
total, rotating to one `.1` file, so votes cannot fill the disk.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: How much of a question and of an answer one vote records.
FEEDBACK_CHARS = 1500
#: Answers per session a vote can refer to (older ones drop out of the ledger).
LEDGER_ANSWERS = 10
#: Votes one session may record; a person votes on a handful of answers, a script on thousands.
VOTES_PER_SESSION = 40
#: Size of the log before it is rotated to `<name>.1` (the previous `.1` is replaced): at most twice this on disk.
LOG_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class GivenAnswer:
    """One answer the server gave in a session: what was asked, and the answer's text."""

    question: str
    answer: str


def fingerprint(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode("utf-8", "replace")).hexdigest()[:32]


@dataclass
class AnswerLedger:
    """Per session, the last LEDGER_ANSWERS answers given, by the fingerprint of each message shown."""

    capacity: int
    _sessions: OrderedDict[str, OrderedDict[str, GivenAnswer]] = field(default_factory=OrderedDict, repr=False)
    _votes: dict[str, int] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, session: str | None, question: str, messages: list[str]) -> None:
        """Remember that this session was shown `messages` (the answer's texts) for `question`."""
        if not session or not messages:
            return
        given = GivenAnswer(question[:FEEDBACK_CHARS], "\n\n".join(messages)[:FEEDBACK_CHARS])
        with self._lock:
            answers = self._sessions.pop(session, None) or OrderedDict()
            self._sessions[session] = answers
            for text in messages:
                answers.pop(fingerprint(text), None)
                answers[fingerprint(text)] = given
            while len({id(a) for a in answers.values()}) > LEDGER_ANSWERS:
                answers.popitem(last=False)
            while len(self._sessions) > self.capacity:
                evicted, _ = self._sessions.popitem(last=False)
                self._votes.pop(evicted, None)

    def find(self, session: str | None, text: str) -> GivenAnswer | None:
        """The answer this session was given whose message reads `text`, if any."""
        with self._lock:
            return (self._sessions.get(session or "") or {}).get(fingerprint(text))

    def take_vote(self, session: str) -> bool:
        """Count one vote for the session; False once it has used up VOTES_PER_SESSION."""
        with self._lock:
            used = self._votes.get(session, 0)
            if used >= VOTES_PER_SESSION or session not in self._sessions:
                return False
            self._votes[session] = used + 1
            return True


@dataclass
class FeedbackLog:
    """Like/dislike votes appended to a JSON-lines file, one object per vote, rotated at LOG_BYTES."""

    path: Path
    max_bytes: int = LOG_BYTES
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, rating: str, question: str, answer: str, index: Any) -> dict | None:
        """Append one vote; returns it, or None (with a warning in the log) when it cannot be written."""
        if rating not in ("like", "dislike"):
            return None
        entry = {
            "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "rating": rating, "question": _shorten(question), "answer": _shorten(answer),
            "index": index if isinstance(index, int) or _is_int_pair(index) else None,
        }
        line = json.dumps(entry, ensure_ascii=False).encode("utf-8", "replace").decode("utf-8") + "\n"
        try:
            with self._lock:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                if self.path.exists() and self.path.stat().st_size + len(line.encode()) > self.max_bytes:
                    self.path.replace(self.path.with_name(self.path.name + ".1"))
                with self.path.open("a", encoding="utf-8") as handle:
                    handle.write(line)
        except OSError as err:  # a read-only checkout still answers; the vote is lost, and the log says so
            log.warning("Could not record feedback in %s: %s", self.path, err)
            return None
        return entry


def _shorten(text: Any) -> str:
    text = text if isinstance(text, str) else "" if text is None else str(text)
    return text if len(text) <= FEEDBACK_CHARS else text[:FEEDBACK_CHARS] + "…"


def _is_int_pair(index: Any) -> bool:
    return isinstance(index, (list, tuple)) and len(index) == 2 and all(isinstance(i, int) for i in index)


def rating(liked: Any) -> str | None:
    """"like" or "dislike" for the like event's value; None for anything else (removed, made up)."""
    return "like" if liked is True else "dislike" if liked is False else None
