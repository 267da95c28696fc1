"""Questions that ask for a whole section ("what are the symptoms?"), answered with it in article order.

A question asks for one in two ways: it names the closest heading and nothing else the corpus
talks about, or its closest labelled bank question asked for a whole section (its answers were
three or more passages of one section, "what can I do about it at home?" → the treatment bullets).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .chunking import LEAD_SECTION, Chunk
from .index import section_keys
from .text import content_words, covered, stem, words

Section = tuple[str, str]  # (document, section label)

#: A bank question asks for a whole section when its labelled answers are at least this many
#: passages, all of one section.
_MIN_SECTION_ANSWERS = 3


@dataclass(frozen=True, eq=False)
class Sections:
    """The corpus's sections, and which one a question asks for as a whole."""

    chunks: Sequence[Chunk]
    corpus_stems: frozenset[str]  # stems of every word the corpus uses
    bank_positives: tuple[tuple[int, ...], ...]  # per bank question, the chunk positions answering it
    neighbour_cosine: float  # how close the closest bank question must be to lend its section

    @cached_property
    def keys(self) -> list[Section]:
        """One (document, label) per row of the index's section vectors; a document's title row has label ""."""
        return section_keys(self.chunks)[0]

    @cached_property
    def titles(self) -> dict[str, str]:
        """Each document's title."""
        return {c.doc: c.title for c in self.chunks}

    @cached_property
    def title_rows(self) -> dict[str, int]:
        """Each document's title row among the section vectors."""
        return {doc: row for row, (doc, label) in enumerate(self.keys) if label == ""}

    def members(self, section: Section) -> list[int]:
        """The section's chunk positions, in article order."""
        return [p for p, c in enumerate(self.chunks) if (c.doc, c.section_label) == section]

    def asked_for(self, question: str, section_scores: np.ndarray,
                  bank_similarity: np.ndarray) -> tuple[Section | None, bool]:
        """The section the question asks for as a whole, if any, and whether that is certain.

        `section_scores` is the question's adapted cosine with each section row, `bank_similarity`
        with each bank question. Only the question's own words can make it certain.
        """
        section, certain = self._named(question, section_scores)
        if section is None:
            section = self._asked_by_neighbour(bank_similarity)
        return section, certain

    def _named(self, question: str, section_scores: np.ndarray) -> tuple[Section | None, bool]:
        """The closest heading, when the question names it and nothing else the corpus talks about.

        Its other words are then the title's or words the corpus never uses ("which symptoms does
        the article list?"), so they cannot point at one passage. It is certain when every word is
        the heading's or the title's.
        """
        ranked = [int(i) for i in np.argsort(-section_scores) if self.keys[int(i)][1] not in ("", LEAD_SECTION)]
        if not ranked:
            return None, False
        doc, heading = self.keys[ranked[0]]
        heading_stems = {stem(w) for w in words(heading)}
        title_stems = {stem(w) for w in words(self.titles[doc])}
        asked = {stem(w) for w in content_words(question)}
        if not any(covered(w, heading_stems - title_stems) for w in asked):
            return None, False
        named = heading_stems | title_stems
        others = {w for w in asked if not covered(w, named)}
        if any(w in self.corpus_stems for w in others):
            return None, False
        return (doc, heading), not others

    def _asked_by_neighbour(self, bank_similarity: np.ndarray) -> Section | None:
        """The section the closest bank question asked for as a whole, when it is close enough."""
        if not len(bank_similarity):
            return None
        best = int(np.argmax(bank_similarity))
        if bank_similarity[best] < self.neighbour_cosine:
            return None
        return self._bank_sections[best]

    @cached_property
    def _bank_sections(self) -> list[Section | None]:
        """Per bank question, the section it asked for as a whole, or None."""
        chunks = self.chunks
        sections = []
        for positives in self.bank_positives:
            keys = {(chunks[c].doc, chunks[c].section_label) for c in positives if c < len(chunks)}
            whole = (len(keys) == 1 and len(positives) >= _MIN_SECTION_ANSWERS
                     and next(iter(keys))[1] != LEAD_SECTION)
            sections.append(next(iter(keys)) if whole else None)
        return sections
