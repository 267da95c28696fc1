"""Like/dislike votes, recorded against the answers the server actually gave.

The browser's like event says which message was voted on (its index) and carries the message
text, but anything in it can be made up. So the page keeps a small ledger per session of the
answers it gave (`AnswerLedger`, filled by the chat function), and a vote is recorded only when
the message at that index in the session's own history is one of them: the question and answer
written to the log are the server's, never the client's. Votes are capped per session and per
client (an address: a new session hash costs nothing to make), a vote's index must name a message
a session can hold, and the log rotates to one `.1` file, so votes cannot fill the disk (caps:
Settings' "Page" block). `record_votes` hooks both onto the page's like button.
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

import gradio as gr

from ..clients import LOCAL, client_key
from ..config import Settings
from .session import plain_text

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GivenAnswer:
    """One answer the server gave in a session: what was asked, and the answer's text."""

    question: str
    answer: str


def fingerprint(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode("utf-8", "replace")).hexdigest()[:32]


@dataclass
class AnswerLedger:
    """Per session, the last `answers` answers given, by the fingerprint of each message shown; and the
    votes each session and each client (the `clients` seen last) has used."""

    capacity: int  # sessions
    answers: int = Settings.ledger_answers
    votes: int = Settings.votes_per_session
    chars: int = Settings.feedback_chars
    client_votes: int = Settings.votes_per_client
    clients: int = Settings.clients_tracked
    _sessions: OrderedDict[str, OrderedDict[str, GivenAnswer]] = field(default_factory=OrderedDict, repr=False)
    _votes: dict[str, int] = field(default_factory=dict, repr=False)
    _clients: OrderedDict[str, int] = field(default_factory=OrderedDict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, session: str | None, question: str, messages: list[str]) -> None:
        """Remember that this session was shown `messages` (the answer's texts) for `question`."""
        if not session or not messages:
            return
        given = GivenAnswer(question[: self.chars], "\n\n".join(messages)[: self.chars])
        with self._lock:
            answers = self._sessions.pop(session, None) or OrderedDict()
            self._sessions[session] = answers
            for text in messages:
                answers.pop(fingerprint(text), None)
                answers[fingerprint(text)] = given
            while len({id(a) for a in answers.values()}) > self.answers:
                answers.popitem(last=False)
            while len(self._sessions) > self.capacity:
                evicted, _ = self._sessions.popitem(last=False)
                self._votes.pop(evicted, None)

    def find(self, session: str | None, text: str) -> GivenAnswer | None:
        """The answer this session was given whose message reads `text`, if any."""
        with self._lock:
            return (self._sessions.get(session or "") or {}).get(fingerprint(text))

    def take_vote(self, session: str, client: str = LOCAL) -> bool:
        """Count one vote for the session and its client; False once either has used up its budget
        (`votes`, `client_votes`; the machine's own traffic has no client budget, bot/clients.py)."""
        with self._lock:
            used = self._votes.get(session, 0)
            if used >= self.votes or session not in self._sessions:
                return False
            by_client = self._clients.pop(client, 0)
            if client != LOCAL:
                self._clients[client] = by_client  # the most recently seen
                if by_client >= self.client_votes:
                    return False
                self._clients[client] = by_client + 1
                while len(self._clients) > self.clients:
                    self._clients.popitem(last=False)
            self._votes[session] = used + 1
            return True


@dataclass
class FeedbackLog:
    """Like/dislike votes appended to a JSON-lines file, one object per vote, rotated at `max_bytes`."""

    path: Path
    max_bytes: int = Settings.feedback_log_bytes
    chars: int = Settings.feedback_chars
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, rating: str, question: str, answer: str, index: Any) -> dict | None:
        """Append one vote; returns it, or None (with a warning in the log) when it cannot be written."""
        if rating not in ("like", "dislike"):
            return None
        entry = {
            "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "rating": rating, "question": self.shorten(question), "answer": self.shorten(answer),
            "index": index if isinstance(index, int) or _is_int_pair(index) else None,
        }
        return self.append(entry)

    def append(self, entry: dict) -> dict | None:
        """Append one JSON object as a line, rotating first at `max_bytes`; returns it, or None (with a
        warning in the log) when it cannot be written. The unanswered-questions log writes with it too
        (bot/ui/unanswered.py), so both logs are capped and rotated alike."""
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

    def shorten(self, text: Any) -> str:
        """The text cut to `chars` (with "…" when cut), as every line of the log keeps it."""
        text = text if isinstance(text, str) else "" if text is None else str(text)
        return text if len(text) <= self.chars else text[: self.chars] + "…"


def _is_int_pair(index: Any) -> bool:
    return isinstance(index, (list, tuple)) and len(index) == 2 and all(isinstance(i, int) for i in index)


def rating(liked: Any) -> str | None:
    """"like" or "dislike" for the like event's value; None for anything else (removed, made up)."""
    return "like" if liked is True else "dislike" if liked is False else None


def record_votes(chat: gr.Chatbot, history: gr.State, ledger: AnswerLedger, feedback: FeedbackLog) -> None:
    """Record the like/dislike votes cast on `chat` in `feedback`; call inside the page's `with` block.

    A vote counts only for an answer this session was given (`ledger`), found by its index in the
    session's own `history`; the log gets the server's question and answer, never the client's.
    """
    most = Settings.max_history_messages  # no index of a message, or of a part of one, reaches it

    def on_like(history: list[dict], vote: gr.LikeData, request: gr.Request) -> None:
        index = list(vote.index) if isinstance(vote.index, (list, tuple)) else [vote.index]
        if not 1 <= len(index) <= 2 or any(type(i) is not int or not 0 <= i < most for i in index):
            return  # not a message of a history, however long a number it is
        position = index[0]
        if position >= len(history or []):
            return
        session = getattr(request, "session_hash", None) or ""
        client = client_key(getattr(request.client, "host", None), request.headers.get("x-forwarded-for"))
        message = history[position]
        content = message.get("content") if isinstance(message, dict) else getattr(message, "content", None)
        given = ledger.find(session, plain_text(content))
        if given is None or rating(vote.liked) is None or not ledger.take_vote(session, client):
            return
        feedback.record(rating(vote.liked), given.question, given.answer, vote.index)

    chat.like(on_like, [history], None, api_visibility="private", concurrency_limit=1)
