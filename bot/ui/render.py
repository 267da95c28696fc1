"""An `Answer` → the chat messages a person reads, with every outside text made inert.

A red-flag notice comes first, then the quotes with numbered citations, then one collapsed source
block per quoted passage with the quote highlighted in it. Gradio sanitises HTML only in the
browser and its API returns raw strings, so every string that comes from the person or from the
article is `html.escape`d here, before Gradio sees it.
"""

from __future__ import annotations

import html
from typing import Any

import gradio as gr

from ..answer import LEAD, NOT_COVERED, PARTIAL, Answer, Passage, blockquote
from ..chatbot import clean_question
from ..config import Settings

EMPTY_PROMPT = "Please type a question about the article, in your own words. For example:"
BAND_HINT = "How closely the article's wording matches your question"


def render_answer(answer: Answer, echo_chars: int = Settings.echo_chars) -> list[gr.ChatMessage]:
    """The chat messages for one answer: urgent notice, quotes (or "not covered"), source blocks.

    When the article has nothing to quote for a question that raised the urgent notice, the notice
    is the whole reply: "does not cover", what it covers, notes on how the question was read and
    self-care suggestions would only bury it.
    """
    messages: list[gr.ChatMessage] = []
    if answer.urgent:
        messages.append(gr.ChatMessage(content=urgent_markdown(answer.urgent)))
        if answer.abstained:
            return messages
    if answer.abstained:
        messages.append(gr.ChatMessage(content=not_covered_markdown(answer, echo_chars),
                                       options=_options(answer.suggestions)))
        return messages
    messages.append(gr.ChatMessage(content=quotes_markdown(answer)))
    for number, passage in enumerate(answer.quoted, start=1):
        messages.append(gr.ChatMessage(
            content=source_markdown(passage),
            metadata={"title": f"Source [{number}]: {html.escape(passage.source)}", "status": "done"},
        ))
    return messages


def empty_prompt(examples: list[str]) -> gr.ChatMessage:
    """The friendly reply to an empty question: ask again, with questions to click."""
    return gr.ChatMessage(content=EMPTY_PROMPT, options=_options(examples[:3]))


def _options(questions: list[str]) -> list[dict]:
    return [{"value": q, "label": q} for q in questions]


def urgent_markdown(notice: str) -> str:
    """The red-flag notice, its first sentence in bold."""
    head, _, rest = notice.partition(". ")
    body = (f"<strong>{html.escape(head)}.</strong> {html.escape(rest)}" if rest
            else f"<strong>{html.escape(notice)}</strong>")
    return f'<div class="urgent">⚠️ {body}</div>'


def quotes_markdown(answer: Answer) -> str:
    """The lead, then each quote as a block quote with its numbered citation and source line."""
    parts = [_band(answer.confidence)] + _notes(answer) + [PARTIAL if answer.partial else LEAD]
    for number, passage in enumerate(answer.quoted, start=1):
        parts.append(f"{blockquote(passage.quote)}\n>\n> — **[{number}]** {html.escape(passage.source)}")
    return "\n\n".join(parts)


def not_covered_markdown(answer: Answer, echo_chars: int = Settings.echo_chars) -> str:
    """The fixed "not covered" text, the question as read, what the article covers, and suggestions."""
    parts = [_band(answer.confidence)] + _notes(answer) + [f"**{NOT_COVERED}**"]
    # The question as the bot read it: no control or bidi-override characters, no lone surrogates.
    asked, _ = clean_question(answer.question, max_chars=len(answer.question))
    parts.append(f'<div class="asked">You asked: “{inert(_shorten(asked, echo_chars))}”</div>')
    if answer.covered_topics:
        parts.append("It covers: " + "; ".join(html.escape(t) for t in answer.covered_topics) + ".")
    if answer.suggestions:
        parts.append("Questions it can answer:")
    return "\n\n".join(parts)


def source_markdown(passage: Passage) -> str:
    """The whole passage, with the quoted sentences inside <mark>, and where it comes from."""
    return f"{highlight(passage)}\n\n<span class=\"source-line\">{html.escape(passage.source)}</span>"


def highlight(passage: Passage) -> str:
    """The passage text escaped, the quote wrapped in <mark> line by line (a mark must not span paragraphs)."""
    text = passage.text
    first = max(0, min(len(text), passage.quote_start - passage.start))
    last = max(first, min(len(text), passage.quote_end - passage.start))
    lines, offset = [], 0
    for line in text.split("\n"):
        start, end = offset, offset + len(line)
        lo, hi = max(start, first), min(end, last)
        if lo < hi:
            lines.append(html.escape(text[start:lo]) + "<mark>" + html.escape(text[lo:hi]) + "</mark>"
                         + html.escape(text[hi:end]))
        else:
            lines.append(html.escape(line))
        offset = end + 1
    return "\n".join(lines)


# Text typed by a person is shown inside an HTML block (a <div> alone in its paragraph): Markdown
# is not applied there, so links, images and autolinks in it stay text, and html.escape does the rest.
_TYPED_OPEN, _TYPED_CLOSE = '<div class="typed">', "</div>"


def inert(text: str) -> str:
    """Text typed by a person, made inert for HTML and Markdown alike.

    HTML-escaped, and square brackets as character references, so neither the page nor an API
    client that renders the raw string as Markdown can turn it into a link or a remote image.
    """
    return html.escape(text).replace("[", "&#91;").replace("]", "&#93;")


def as_typed(text: str, limit: int | None = None) -> str:
    """A person's message shown exactly as typed; reversible with `from_typed`, and idempotent.

    With `limit`, the text is cut until its shown form (escaped and wrapped) fits in `limit` characters.
    """
    if is_typed(text):
        return text
    shown = _TYPED_OPEN + inert(text).replace("\n", "<br>\n") + _TYPED_CLOSE
    while limit is not None and len(shown) > limit and text:
        text = text[: min(len(text) - 1, len(text) * limit // len(shown))]
        shown = _TYPED_OPEN + inert(text).replace("\n", "<br>\n") + _TYPED_CLOSE
    return shown


def from_typed(text: str) -> str:
    """The message as typed, from its `as_typed` form (other text is returned unchanged)."""
    if not is_typed(text):
        return text
    return html.unescape(text[len(_TYPED_OPEN) : -len(_TYPED_CLOSE)].replace("<br>\n", "\n"))


def is_typed(text: Any) -> bool:
    return isinstance(text, str) and text.startswith(_TYPED_OPEN) and text.endswith(_TYPED_CLOSE)


def _band(confidence: str) -> str:
    level = confidence if confidence in ("high", "medium", "low") else "low"
    return f'<span class="band band-{level}" title="{BAND_HINT}">Match: {level}</span>'


def _notes(answer: Answer) -> list[str]:
    # A note can quote an earlier question ("Read as a follow-up to …"): the same clean, inert
    # path as "You asked", in an HTML block so Markdown (links, autolinks, images) stays text.
    return [f'<div class="note">{inert(clean_question(note, max_chars=len(note))[0])}</div>' for note in answer.notes]


def _shorten(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
