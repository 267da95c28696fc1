"""An `Answer` → the chat messages a person reads, with every outside text made inert.

A red-flag notice comes first. Then the answer card: a label in plain words for how closely the
article matches the question, the lead, and the quotes, each with its numbered citation; quotes
from one section share one source line, and several items of one list read as a compact list.
Then, only for a quote cut from a longer passage, a collapsed block with the whole passage and the
quote highlighted in it. Gradio sanitises HTML only in the browser and its API returns raw
strings, so every string that comes from the person or from the article is `html.escape`d here,
before Gradio sees it.
"""

from __future__ import annotations

import html
import math
from itertools import groupby
from typing import Any

import gradio as gr

from ..answer import Answer, Passage
from ..chatbot import clean_question
from ..config import Settings

EMPTY_PROMPT = "Please type a question about the article, in your own words. For example:"
#: How closely the article matches the question, in words a person reads at a glance. Never green
#: and never "high" for a partial answer: a label is about the match, not an endorsement.
MATCH_WORDS = {
    "high": "Close match to your question",
    "medium": "Fair match to your question",
    "low": "Weak match: check that it answers your question",
}
PARTIAL_WORDS = "Not a direct answer"
SUGGESTIONS_LEAD = "Questions it can answer:"
_NUMBER_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve").split()


def render_answer(answer: Answer, echo_chars: int = Settings.echo_chars) -> list[gr.ChatMessage]:
    """The chat messages for one answer: urgent notice, the answer card (or "not covered"), passages.

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
        messages.append(gr.ChatMessage(content=not_covered_markdown(answer, echo_chars)))
        return messages
    messages.append(gr.ChatMessage(content=quotes_markdown(answer)))
    for number, passage in enumerate(answer.quoted, start=1):
        if holds_more_than_the_quote(passage):
            messages.append(gr.ChatMessage(
                content=highlight(passage),
                metadata={"title": f"The whole passage around [{number}]", "status": "done"},
            ))
    return messages


def empty_prompt(examples: list[str]) -> gr.ChatMessage:
    """The friendly reply to an empty question: ask again, with questions to click."""
    return gr.ChatMessage(content=f"{EMPTY_PROMPT}\n\n{suggestions_html(examples[:3])}")


def starting_message(seconds_left: float) -> gr.ChatMessage:
    """What a question gets while the bot is still loading: how long it should take, and that it waits."""
    if seconds_left >= 1:
        state = f"The bot is starting (about {math.ceil(seconds_left)} s)…"
    else:
        state = "The bot is still starting; it is taking longer than usual…"
    return gr.ChatMessage(content=f'<div class="starting">{state} Your question will be answered as soon as '
                                  "it is ready.</div>")


def suggestions_html(questions: list[str]) -> str:
    """Questions to ask, as a list inside the message that offers them (bot/data/page.js makes each a
    button). In the message, not Gradio's option chips: chips vanish at the next question and leave
    their lead dangling, in the page and in a copied conversation."""
    items = "".join(f"<li>{inert(q)}</li>" for q in questions)
    return f'<ul class="suggestions">{items}</ul>' if questions else ""


def urgent_markdown(notice: str) -> str:
    """The red-flag notice, its first sentence in bold."""
    head, _, rest = notice.partition(". ")
    body = (f"<strong>{html.escape(head)}.</strong> {html.escape(rest)}" if rest
            else f"<strong>{html.escape(notice)}</strong>")
    return f'<div class="urgent">⚠️ {body}</div>'


def quotes_markdown(answer: Answer) -> str:
    """The label, any notes, the lead, then the quotes grouped by section, each group with one source line."""
    parts = [_label(answer)] + _notes(answer) + [html.escape(answer.lead)]
    numbered = list(enumerate(answer.quoted, start=1))
    for source, group in groupby(numbered, key=lambda item: item[1].source):
        parts.append(_quote_group(source, list(group)))
    return "\n\n".join(parts)


def _quote_group(source: str, group: list[tuple[int, Passage]]) -> str:
    """One section's quotes as one block quote: a compact list for several list items, else the quotes;
    the source line once, after them (before them for a list, as its heading)."""
    line = f'<span class="source-line">— {html.escape(source)}</span>'
    if len(group) > 1 and all(p.kind in ("bullet", "numbered") for _, p in group):
        count = _NUMBER_WORDS[len(group)] if len(group) < len(_NUMBER_WORDS) else str(len(group))
        items = [f"> - {_one_line(p.quote)} **[{n}]**" for n, p in group]
        intro = f'<span class="list-intro">{count.capitalize()} points from {html.escape(source)}:</span>'
        return "\n".join([f"> {intro}", ">", *items])
    quotes = [_quote_lines(p.quote, n) for n, p in group]
    return "\n>\n".join([*quotes, f"> {line}"])


def _quote_lines(text: str, number: int) -> str:
    """A quote as block-quote lines (its line breaks kept), the citation at its end."""
    lines = [f"> {html.escape(line)}" if line.strip() else ">" for line in text.splitlines()]
    lines[-1] += f" **[{number}]**"
    return "\n".join(lines)


def _one_line(text: str) -> str:
    return html.escape(" ".join(text.split()))


def holds_more_than_the_quote(passage: Passage) -> bool:
    """Whether the passage says more than its quote (only then is a block with the whole passage shown)."""
    return " ".join(passage.text.split()) != " ".join(passage.quote.split())


def not_covered_markdown(answer: Answer, echo_chars: int = Settings.echo_chars) -> str:
    """The fixed "not covered" text, the question as read, what the article covers, and suggestions.

    No match label: "weak match" above "does not cover this" would contradict it.
    """
    parts = _notes(answer) + [f"**{html.escape(answer.refusal)}**"]
    # The question as the bot read it: no control or bidi-override characters, no lone surrogates.
    asked, _ = clean_question(answer.question, max_chars=len(answer.question))
    parts.append(f'<div class="asked">You asked: “{inert(_shorten(asked, echo_chars))}”</div>')
    if answer.covered_topics:
        parts.append("It covers: " + "; ".join(html.escape(t) for t in answer.covered_topics) + ".")
    if answer.suggestions:
        parts += [SUGGESTIONS_LEAD, suggestions_html(answer.suggestions)]
    return "\n\n".join(parts)


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


def _label(answer: Answer) -> str:
    """How closely the article matches, as a visible label (no tooltip: touch and keyboard users see it too)."""
    if answer.partial:
        return f'<span class="band band-partial">{PARTIAL_WORDS}</span>'
    level = answer.confidence if answer.confidence in MATCH_WORDS else "low"
    return f'<span class="band band-{level}">{MATCH_WORDS[level]}</span>'


def _notes(answer: Answer) -> list[str]:
    # A note can quote an earlier question ("Read as a follow-up to …"): the same clean, inert
    # path as "You asked", in an HTML block so Markdown (links, autolinks, images) stays text.
    return [f'<div class="note">{inert(clean_question(note, max_chars=len(note))[0])}</div>' for note in answer.notes]


def _shorten(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
