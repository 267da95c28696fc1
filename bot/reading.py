"""A question read as its sentences: the ones that ask, apart from the ones that tell a story.

People write a story first (the job, the lift, the weeks of pregnancy, what they tried), then ask,
often two things at once. Retrieval tuned on short questions lets the story win: "…lugging boxes
all day… Should I get this checked out or is it just a muscle spasm?" finds the passage about
lifting, not the one about getting it checked. Research on verbose queries says the same and
suggests the simplest fix: search with the sentences that carry the request as well as with the
whole text (shared/rag-notes.md, "Long questions").

This module only splits; what the asking part is worth beside the whole question is learned from
the labelled questions (bot/fitting.py), so nothing here decides an answer. A sentence asks when
it ends with a question mark or opens the way English questions and requests open; with no such
sentence, the last one is taken as the ask (a story usually ends on its point).
"""

from __future__ import annotations

import re

from .text import words

# Sentence ends: . ! ? … (repeated or mixed), or a line break; the mark stays with its sentence.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)]*\s+|\n+")
# How English questions and requests open: interrogatives and auxiliaries (first word, after a filler).
_OPENERS = frozenset("""
    how what what's whats why when where which who whose whom wat y
    is isnt isn't are arent aren't was were do does doesnt doesn't did didnt didn't can cant can't could couldnt
    should shouldnt shouldn't would will wont won't shall may might must am has have had
    any anyone anybody someone somebody pls plz please
""".split())
# Words that make any sentence a request: "I was wondering if…", "Any advice appreciated".
_REQUESTS = frozenset("wondering wonder advice advise tips recommend recommendations suggestions suggest ideas".split())
# Words a question may open with before its interrogative: "so what should I do", "ok how long".
_FILLERS = frozenset("so and but ok okay well also then now anyway basically hi hello hey".split())


def sentences(text: str) -> list[str]:
    """The text's sentences, in order, each with its end mark (nothing between them is lost but spaces)."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def is_asking(sentence: str) -> bool:
    """Whether a sentence asks: a question mark, a question's opening word, or a request."""
    if sentence.rstrip().rstrip("\"'”’)").endswith("?"):
        return True
    tokens = words(sentence)
    opener = next((t for t in tokens[:3] if t not in _FILLERS), None)
    return opener in _OPENERS or any(t in _REQUESTS for t in tokens)


def asking_part(text: str) -> str | None:
    """The sentences of `text` that ask, joined; None when that is the whole text (nothing to tell apart).

    A question of one sentence, or one whose every sentence asks, has no story to set aside: it
    is searched as it is. Otherwise the asking sentences (or, when none asks, the last sentence)
    are searched beside the whole text.
    """
    parts = sentences(text)
    if len(parts) < 2:
        return None
    asking = [s for s in parts if is_asking(s)] or parts[-1:]
    if len(asking) == len(parts):
        return None
    return " ".join(asking)
