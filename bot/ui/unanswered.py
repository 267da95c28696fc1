"""Questions the page could not fully answer, kept for the owner's review (opt-in, off by default).

With `Settings.log_unanswered` on (env BOT_LOG_UNANSWERED=1), each question the bot refused or
answered only partially is appended to `unanswered.jsonl` in the vote log's folder: the question,
its coverage and the day, nothing about the visitor (no address, no session, no time of day that
could be matched with a server's access log). It is written by the vote log's own writer
(`FeedbackLog.append`: the same rotation at `feedback_log_bytes`, the same cut at `feedback_chars`),
and one session adds at most `votes_per_session` lines, as it may cast at most that many votes.
The page says so in one line (`page_note`). `python -m bot review` reads it (bot/review.py).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..config import Settings
from .feedback import FeedbackLog, fingerprint

log = logging.getLogger(__name__)

#: The line the page shows under its header while the log is on.
NOTE = "Questions the bot cannot fully answer are stored, without anything about you, to improve it."


@dataclass
class UnansweredLog:
    """Refused and partly answered questions, one JSON line each, in a log capped like the votes'."""

    file: FeedbackLog
    per_session: int = Settings.votes_per_session
    sessions: int = Settings.session_capacity  # sessions whose count is kept (the least recently used go first)
    _counts: OrderedDict[str, int] = field(default_factory=OrderedDict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, session: str | None, question: str, coverage: str) -> dict | None:
        """Log `question` if its answer's coverage was "none" or "partial"; the line written, or None."""
        if coverage not in ("none", "partial") or not question.strip() or not self._take(session or ""):
            return None
        day = datetime.now(timezone.utc).date().isoformat()
        return self.file.append({"date": day, "coverage": coverage, "question": self.file.shorten(question)})

    def _take(self, session: str) -> bool:
        # Keyed by a fingerprint: a session id of any length costs the same few bytes.
        key = fingerprint(session)
        with self._lock:
            used = self._counts.pop(key, 0)
            self._counts[key] = min(used + 1, self.per_session)
            while len(self._counts) > self.sessions:
                self._counts.popitem(last=False)
            return used < self.per_session


def unanswered_log(settings: Settings) -> UnansweredLog | None:
    """The page's log of unanswered questions, or None when it is off (or there is no feedback log to sit beside)."""
    if not settings.log_unanswered:
        return None
    if settings.unanswered_log is None:
        log.warning("BOT_LOG_UNANSWERED is on but the feedback log is off (BOT_FEEDBACK_LOG is empty), and the "
                    "unanswered questions are kept beside it: none are kept. Set BOT_FEEDBACK_LOG to a file.")
        return None
    file = FeedbackLog(Path(settings.unanswered_log), max_bytes=settings.feedback_log_bytes,
                       chars=settings.feedback_chars)
    return UnansweredLog(file, per_session=settings.votes_per_session, sessions=settings.session_capacity)


def page_note() -> str:
    """The page's line saying the log is on, styled as the header's lines are (bot/ui/page.py)."""
    return f'<div class="page-header"><p class="unanswered-note">{NOTE}</p></div>'
