"""Follow-up questions without an LLM: "and how is it treated?" after "what causes back spasms?".

A question is a follow-up when it says so ("and …", "what about …", "is that …") or is too bare to
stand alone ("why?", "how long?"). It is then searched together with the subject of the previous
question (the words it shares with the document titles: "back spasms"), or, when it has no words
of its own, with the whole previous question. A self-contained question is left exactly as asked,
and a lone "it" needs no history: it refers to the article's subject.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .text import content_words, words

_CONTINUATION = re.compile(
    r"^\s*(and|but|also|so|then|ok(ay)?|what about|how about|what if|and if|same for|what else|anything else)\b",
    re.IGNORECASE,
)
_BACK_REFERENCE = frozenset({"that", "this", "those", "these", "them", "they", "there", "else", "instead", "more"})
#: Words that ask rather than name a topic; a question made only of these cannot stand alone.
_BARE = frozenset("""how long often much many why when where who which what whether should could would
    can does do is are safe ok okay right true work works help helps better best worse good bad
    bit more else instead again too also really""".split())


@dataclass(frozen=True)
class Resolved:
    """The text to search for a question asked in a conversation."""

    text: str
    follow_up_to: str | None  # the earlier question it was read with, if any


def previous_questions(history: Iterable[dict] | None) -> list[str]:
    """The user's earlier questions, oldest first, from a Gradio/OpenAI-style message list."""
    questions = []
    for message in history or []:
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str) and content.strip():
                questions.append(content.strip())
    return questions


def is_follow_up(question: str) -> bool:
    if _CONTINUATION.match(question):
        return True
    tokens = words(question)
    if any(t in _BACK_REFERENCE for t in tokens):
        return True
    return not [w for w in content_words(question) if w not in _BARE]


def resolve(question: str, history: Iterable[dict] | None, subject_words: frozenset[str],
            subject: str | None = None) -> Resolved:
    """The question to search, with the earlier question's subject when it is a follow-up.

    `subject` (the article's title, when the corpus has one article) stands in for a lone "it"
    in a question that names no subject of its own: "can ignoring it make things worse?".
    """
    earlier = previous_questions(history)
    names_subject = any(w in subject_words for w in content_words(question))
    if earlier and is_follow_up(question):
        previous = earlier[-1]
        own = [w for w in content_words(question) if w not in _BARE]
        if own:
            context = [w for w in content_words(previous) if w in subject_words and w not in own]
            if not context and not names_subject:
                context = [w for w in content_words(previous) if w not in own]
            text = " ".join([question, *dict.fromkeys(context)])
        else:
            text = f"{question} {previous}"
        return Resolved(text, previous)
    if subject and not names_subject and "it" in words(question):
        return Resolved(f"{question} ({subject})", None)
    return Resolved(question, None)
