"""Misspelt question words corrected against the corpus's own vocabulary ("sympotms" → "symptoms").

Only words the corpus does not use are corrected, and only to a word it does use, so both the
model and BM25 then see a word the article uses. A word whose stem the corpus has, or that starts
a corpus stem, is an inflection ("treated" ~ "treatment"), not a typo, and is left alone.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cached_property, lru_cache

from .text import WORD, content_words, stem

#: Corpus words shorter than this are never offered as corrections: too many short words lie close
#: to any misspelling.
_MIN_CORRECTION_CHARS = 4
#: A question word's stem at least this long that starts a corpus stem is an inflection of it.
_MIN_PREFIX_STEM_CHARS = 5
#: Words remembered with their correction; a visitor's made-up words must not grow it without end.
_MAX_KNOWN = 20_000
_UNSEEN = object()


@dataclass(frozen=True, eq=False)
class Speller:
    """Corrections against one corpus's vocabulary."""

    vocabulary: frozenset[str]  # every word of the indexed text and headings
    min_word_chars: int  # shorter question words are never corrected
    cutoff: float  # difflib ratio a correction needs

    @cached_property
    def stems(self) -> frozenset[str]:
        """The vocabulary's stems: what counts as a word the corpus uses."""
        return frozenset(stem(w) for w in self.vocabulary)

    @cached_property
    def _candidates_by_length(self) -> dict[int, list[str]]:
        """The words that may be offered as corrections, by length."""
        by_length: dict[int, list[str]] = {}
        for w in sorted(self.vocabulary):
            if len(w) >= _MIN_CORRECTION_CHARS and w.isalpha():
                by_length.setdefault(len(w), []).append(w)
        return by_length

    def _candidates(self, word: str) -> list[str]:
        """The candidates whose length alone does not rule them out: difflib's first test
        (`real_quick_ratio`, the ratio if every letter of the shorter word matched), made per length
        rather than per word. The match is the same; the look-up was the build's costliest step."""
        n = len(word)
        return [w for length, group in self._candidates_by_length.items()
                if 2.0 * min(n, length) / (n + length) >= self.cutoff for w in group]

    @cached_property
    def _known(self) -> dict[str, str | None]:
        """Words already looked at, with their correction (None: left alone). The build's fitting
        searches every bank question ten times; difflib once per word is what a search costs most."""
        return {}

    def correction(self, word: str) -> str | None:
        """The corpus word a (lower-case) question word misspells, or None."""
        known = self._known
        found = known.get(word, _UNSEEN)
        if found is not _UNSEEN:
            return found  # type: ignore[return-value]
        found = self._look_up(word)
        if len(known) >= _MAX_KNOWN:
            known.clear()
        known[word] = found
        return found

    def _look_up(self, word: str) -> str | None:
        if len(word) < self.min_word_chars or not word.isalpha() or word in self.vocabulary:
            return None
        word_stem = stem(word)
        if word_stem in self.stems or (len(word_stem) >= _MIN_PREFIX_STEM_CHARS
                                       and any(s.startswith(word_stem) for s in self.stems)):
            return None  # an inflection of a corpus word ("treated" ~ "treatment"), not a typo
        match = difflib.get_close_matches(word, self._candidates(word), n=1, cutoff=self.cutoff)
        return match[0] if match else None

    def correct(self, question: str) -> tuple[str, dict[str, str]]:
        """The question with its misspelt words replaced, and the corrections made (word → correction)."""
        corrections: dict[str, str] = {}
        for word in dict.fromkeys(content_words(question)):  # each word once, in the question's order
            if (match := self.correction(word)) is not None:
                corrections[word] = match
        text = question
        if corrections:
            text = WORD.sub(lambda m: corrections.get(m.group(0).lower(), m.group(0)), question)
        return text, corrections


@lru_cache(maxsize=8)
def speller_for(vocabulary: frozenset[str], min_word_chars: int, cutoff: float) -> Speller:
    """One speller per vocabulary, shared by the retrievers of one index (the fitting makes a dozen)."""
    return Speller(vocabulary, min_word_chars, cutoff)
