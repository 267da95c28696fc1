"""Ranked hits → the answer a person reads: verbatim quotes, each with its source.

Nothing here writes new wording about the topic: the answer is a fixed lead sentence and quotes
copied from the article, or a fixed "the article does not cover this" with what it does cover.
"""

from __future__ import annotations

import html
import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only a type: importing retrieval would pull numpy into `import bot`
    from .retrieval import Hit

LEAD = "The article says:"
NOT_COVERED = "The article does not cover this."
#: The lead of a partial answer: the article talks about the subject but does not answer the
#: question as asked, so the closest quotes are shown as what they are, never as the answer.
PARTIAL = "The article does not answer this question as asked. The closest it comes:"
#: The same, naming what the question asks about that the article never mentions (bot/unmentioned.py).
PARTIAL_NAMED = "The article does not answer this question as asked: it does not mention {names}. The closest it comes:"
NOT_COVERED_NAMED = NOT_COVERED + " It does not mention {names}."
#: How much of a question the corpus answers: quoted as the answer, only near it, or not at all.
COVERAGE = ("full", "partial", "none")


@dataclass(frozen=True)
class Passage:
    """One retrieved passage, as returned by the CLI's JSON and the /search API."""

    text: str
    quote: str
    source: str  # "Article title › Section"
    section: str
    score: float
    doc: str
    start: int
    end: int
    quote_start: int
    quote_end: int
    title: str
    kind: str

    @classmethod
    def from_hit(cls, hit: Hit) -> Passage:
        chunk = hit.chunk
        return cls(
            text=chunk.text, quote=hit.quote, source=chunk.source, section=chunk.section_label,
            score=round(hit.score, 4), doc=chunk.doc, start=chunk.start, end=chunk.end,
            quote_start=hit.quote_spans[0][0], quote_end=hit.quote_spans[-1][1],
            title=chunk.title, kind=chunk.kind,
        )

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    """What the bot says to one question."""

    question: str
    abstained: bool
    passages: list[Passage]  # best first
    quoted: list[Passage]  # the passages quoted in the answer, in the order shown
    confidence: str  # "high", "medium" or "low"
    notes: list[str] = field(default_factory=list)  # e.g. "your question was cut to 1000 characters"
    covered_topics: list[str] = field(default_factory=list)  # sections, for "what the article covers"
    urgent: str | None = None  # a red-flag notice shown before any quote
    suggestions: list[str] = field(default_factory=list)  # questions the article can answer
    partial: bool = False  # quotes shown as the closest the article comes, not as the answer
    signs: tuple[str, ...] = ()  # names of the warning signs behind `urgent` (bot/safety.py)
    #: words of the question naming what it asks about that the corpus never mentions (bot/unmentioned.py);
    #: only for a partial or refused answer
    unmentioned: tuple[str, ...] = ()

    @property
    def coverage(self) -> str:
        """"none" when refused, "partial" when only the closest quotes are shown, else "full"."""
        return "none" if self.abstained else "partial" if self.partial else "full"

    @property
    def lead(self) -> str:
        """The sentence before the quotes: the article says, or (partial) it does not answer as asked."""
        if not self.partial:
            return LEAD
        if self.unmentioned:
            return PARTIAL_NAMED.format(names=quoted_names(self.unmentioned))
        return PARTIAL

    @property
    def refusal(self) -> str:
        """ "The article does not cover this.", with what it never mentions when that can be named."""
        return NOT_COVERED_NAMED.format(names=quoted_names(self.unmentioned)) if self.unmentioned else NOT_COVERED

    @property
    def markdown(self) -> str:
        """The answer as Markdown, every quoted or echoed text HTML-escaped."""
        parts = [f"> ⚠️ **{html.escape(self.urgent)}**"] if self.urgent else []
        parts += [f"_{html.escape(note)}_" for note in self.notes]
        if self.abstained:
            parts.append(html.escape(self.refusal))
            if self.covered_topics:
                topics = "; ".join(html.escape(t) for t in self.covered_topics)
                parts.append(f"It covers: {topics}.")
            if self.passages:
                closest = self.passages[0]
                parts.append(f"The closest passage ({html.escape(closest.source)}) may not answer your question:")
                parts.append(blockquote(closest.quote))
        else:
            parts.append(html.escape(self.lead))
            for number, passage in enumerate(self.quoted, start=1):
                parts.append(f"{blockquote(passage.quote)}\n>\n> — [{number}] {html.escape(passage.source)}")
        return "\n\n".join(parts)

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "abstained": self.abstained,
            "coverage": self.coverage,
            "answer": self.markdown,
            "confidence": self.confidence,
            "urgent": self.urgent,
            "signs": list(self.signs),
            "unmentioned": list(self.unmentioned),
            "notes": self.notes,
            "suggestions": self.suggestions,
            "passages": self.passage_records(),
        }

    def passage_records(self) -> list[dict]:
        """Every passage found, best first; `quoted`: the answer quotes it (none when refused).

        `ask --json` and `/search` share these, without `/search` rendering the answer's Markdown."""
        return [p.to_dict() | {"quoted": p in self.quoted} for p in self.passages]

    def to_json_line(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False)


def quoted_names(names: tuple[str, ...]) -> str:
    """ “A” or “A” or “B”: the person's own words, quoted (raw text: escape it before rendering)."""
    return " or ".join(f"“{n}”" for n in names)


def blockquote(text: str) -> str:
    """A Markdown block quote of `text`, HTML-escaped, keeping its line breaks (the page uses it too)."""
    return "\n".join(f"> {html.escape(line)}" if line.strip() else ">" for line in text.splitlines())
