"""Warning signs: a question that reports one gets a notice to get urgent help, before any quote.

The article is about ordinary back spasms. A few things that can come with back pain point to
something it does not cover and that cannot wait (nerve compression, infection, a fracture, cancer,
the heart or lungs): the NHS's reasons to get urgent help with back pain, listed with the ways
people write them in bot/safety_signs.py. The question is read the way people type
(bot/safety_text.py: shorthand, typos corrected to the signs' own words), sentence by sentence,
and a phrasing counts only where its clause reports the sign:

* denial: "I have no fever", "bladder fine" do not count (but "not sure if I have a fever" does);
* time: a sign placed in the distant past ("a car crash years ago", "as a child") or over ("a chest
  infection that has cleared up") does not count, unless the clause also places it recently; a
  history of cancer counts however long ago;
* whose: a sign counts in the person whose back the question is about ("my son's got a temperature
  and I've done my back in carrying him" is not a fever with back pain);
* for signs the article itself lists as ordinary causes (accidents, falls), a general question
  ("Can a car accident cause back spasms?") is not a report of one: it counts only when it is about
  someone ("I", "my mum", "he"), or anchored in time ("after a fall", "yesterday").

Where the phrasings have no words for a sign, a learned second opinion may name it
(bot/safety_classifier.py), in a sentence that speaks of the sign's subject where it counts.

It is about anyone the person asks for: "my mum has lost control of her bladder" gets the notice.
The notice names what it read ("You mention numbness around the groin…"), and for chest pain or
trouble breathing says to call the emergency number now. How well it reads phrasings written apart
from it, round by round: docs/safety.md.
"""

from __future__ import annotations

import dataclasses
import re
from functools import cache, lru_cache
from typing import TypeVar

from .safety_classifier import ADD, SignClassifier, classifier, sentences
from .safety_signs import FEVER, IMMUNE, SIGN_WORDS, SIGNS, Pair, Sign
from .safety_text import (
    CONTRAST,
    SENTENCE_BREAK,
    SignSpeller,
    about_someone,
    clause,
    denied,
    in_the_back_asked_about,
    long_past,
    named_not_reported,
    normalise,
    real_words,
    resolved,
)

__all__ = ["RED_FLAGS", "Sign", "conversation_notice", "notice_for", "red_flag_notice", "red_flags",
           "reading", "with_conversation_notice"]

_Answer = TypeVar("_Answer")

#: Every warning sign, in the order the notice names them (bot/safety_signs.py).
RED_FLAGS: tuple[Sign, ...] = SIGNS

URGENT = ("Get urgent medical help. You mention {signs}: with back pain, {these} a serious problem that this "
          "article does not cover. Contact a doctor or emergency services now rather than waiting.")
EMERGENCY = ("Call the emergency number now (999 in the UK, 911 in the US, 112 in most of Europe). You mention "
             "{signs}: with back pain, {these} an emergency that this article does not cover.")
_WORD_SPAN = re.compile(r"\S+")


def red_flag_notice(question: str) -> str | None:
    """The notice for the warning signs a question reports, or None."""
    return notice_for(red_flags(question))


def notice_for(signs: list[Sign]) -> str | None:
    """The notice naming `signs` in plain words (in RED_FLAGS order), or None when there are none."""
    if not signs:
        return None
    mentions = [sign.mention for sign in RED_FLAGS if sign in signs]
    listed = mentions[0] if len(mentions) == 1 else ", ".join(mentions[:-1]) + " and " + mentions[-1]
    these = "that can be a sign of" if len(mentions) == 1 else "these can be signs of"
    template = EMERGENCY if any(sign.emergency for sign in signs) else URGENT
    return template.format(signs=listed, these=these)


def red_flags(question: str) -> list[Sign]:
    """The warning signs a question reports, in RED_FLAGS order."""
    return list(_signs_of(str(question)))


@lru_cache(maxsize=1024)  # a conversation's earlier questions are read again on every answer
def _signs_of(question: str) -> tuple[Sign, ...]:
    return signs_in(reading(question), classifier())


def signs_in(text: str, model: SignClassifier, add: float = ADD) -> tuple[Sign, ...]:
    """The signs `text` (as `reading` returns it) reports: the phrasings in context, and `model`'s second opinion.

    The phrasings decide where they have words for a sign. The model names a sign they have no words
    for when a sentence reaches `add` and speaks of the sign's subject in a clause that counts
    (bot/safety_classifier.py).
    """
    read = [sign for sign in RED_FLAGS if _reported(sign, text)]
    spans = sentences(text)
    unread = [sign for sign in RED_FLAGS if sign not in read and sign.cues.search(text) and not _matched(sign, text)]
    askable = {span: [sign for sign in unread if any(_counts(sign, text, *m.span())
                                                     for m in sign.cues.finditer(text, *span))] for span in spans}
    # Only sentences that can change the answer are scored.
    opinion = {span: model.probabilities(text[span[0] : span[1]]) for span in spans if askable[span]}
    found = [sign for sign in RED_FLAGS
             if sign in read or any(sign in askable[span] and p[sign.name] >= add for span, p in opinion.items())]
    if IMMUNE in found and FEVER in found:
        found.remove(FEVER)  # named once, with what makes it urgent
    return tuple(found)


def _matched(sign: Sign, text: str) -> bool:
    """Whether any phrasing of `sign`, or both parts of a pair, occur in `text`, whatever their context says.

    A lasting state without the event it needs counts too ("could his osteoporosis have anything to do with
    it?"): the phrasings know the state alone is not the sign, and the model, reading words, would weigh it
    as if it were.
    """
    return any(p.search(text) for p in sign.compiled) or any(
        first.search(text) and (second.search(text) or pair.lasting_first)
        for first, second, pair in ((*pair.compiled, pair) for pair in sign.pairs))


def reading(question: str) -> str:
    """The question as the signs' phrasings are matched against: normalised, typos corrected."""
    return _speller().correct(normalise(question))


def conversation_notice(question: str, earlier_questions: list[str]) -> str | None:
    """The notice for a question asked in a conversation: its own signs and those raised earlier in it.

    Once someone has said their back pain comes with a warning sign, every later answer in the
    same conversation repeats the notice first ("and what about heat?" is still about that back).
    """
    return notice_for(_conversation_signs(question, earlier_questions))


def with_conversation_notice(answer: _Answer, history: list[dict] | None) -> _Answer:
    """`answer` (a bot.answer.Answer) with the conversation's notice, when an earlier question raised one.

    `history` is the conversation so far as {"role", "content"} turns; the answer's own notice stays
    as it is when no earlier question mentioned a warning sign.
    """
    earlier = [turn["content"] for turn in history or []
               if turn.get("role") == "user" and isinstance(turn.get("content"), str)]
    if not any(red_flags(text) for text in earlier):
        return answer
    signs = _conversation_signs(answer.question, earlier)  # type: ignore[attr-defined]
    return dataclasses.replace(answer, urgent=notice_for(signs),  # type: ignore[type-var]
                               signs=tuple(sign.name for sign in signs))


def _conversation_signs(question: str, earlier_questions: list[str]) -> list[Sign]:
    """The signs of a question and of the questions before it, in RED_FLAGS order."""
    signs = {sign for text in [*earlier_questions, question] for sign in red_flags(text)}
    if IMMUNE in signs:
        signs.discard(FEVER)
    return [sign for sign in RED_FLAGS if sign in signs]


@cache
def _speller() -> SignSpeller:
    return SignSpeller(SIGN_WORDS, real_words())


def _reported(sign: Sign, text: str) -> bool:
    """Whether `text` reports `sign`: a phrasing, or both parts of a pair, in clauses that count."""
    for pattern in sign.compiled:
        if any(_counts(sign, text, m.start(), m.end()) for m in pattern.finditer(text)):
            return True
    return any(_pair_reported(sign, pair, text) for pair in sign.pairs)


def _pair_reported(sign: Sign, pair: Pair, text: str) -> bool:
    first, second = pair.compiled
    firsts = list(first.finditer(text))
    if not firsts:
        return False
    seconds = [m.span() for m in second.finditer(text)]
    for a in firsts if seconds else ():
        if not _counts(sign, text, a.start(), a.end(), lasting=pair.lasting_first):
            continue
        for b in seconds:
            if _near(pair, text, a.span(), b) and (not pair.check_second or _counts(sign, text, *b, since=a.end())):
                return True
    return False


def _near(pair: Pair, text: str, a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether two parts lie within the pair's window, in one sentence with no turn between (if it asks)."""
    left, right = sorted([a, b])
    between = text[left[1] : right[0]] if left[1] < right[0] else ""
    if len(_WORD_SPAN.findall(between)) > pair.window:
        return False
    return not pair.same_sentence or not (SENTENCE_BREAK.search(between) or CONTRAST.search(between))


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence around text[start:end]."""
    breaks = list(SENTENCE_BREAK.finditer(text, 0, start))
    stop = SENTENCE_BREAK.search(text, end)
    return text[breaks[-1].end() if breaks else 0 : stop.start() if stop else len(text)]


def _counts(sign: Sign, text: str, start: int, end: int, since: int = 0, lasting: bool = False) -> bool:
    """Whether a phrasing matched at text[start:end] is reported: not denied, not long past (unless it is a
    `lasting` state, such as osteoporosis found years ago), about someone."""
    if denied(text, start, end, since) or named_not_reported(text, start, end):
        return False
    if sign.unless and sign.unless.search(_sentence(text, start, end)):
        return False
    if sign.not_after:
        before = " ".join(clause(text, start, end)[0].split()[-6:])
        if re.search(sign.not_after, before):
            return False
    if not sign.past_counts and not lasting and (long_past(text, start, end, sign.acute) or resolved(text, start, end)):
        return False
    if not in_the_back_asked_about(text, start, end):
        return False
    return sign.general_counts or about_someone(text, start, end)

