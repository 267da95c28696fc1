"""BM25 over the passages: the signal for a question that shares the article's exact words.

Each passage is indexed with its headings (not the document title: the title's words, the
article's subject, would favour the lead), stemmed and without English stopwords. bm25s is
imported only here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .chunking import Chunk
from .text import stemmer


@dataclass(frozen=True, eq=False)
class LexicalIndex:
    """BM25 scores of every passage for a text; the index is built on first use."""

    chunks: Sequence[Chunk]

    @cached_property
    def _bm25(self):
        import bm25s  # deferred: only a search needs it, not `python -m bot --help`

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG
        corpus = [" ".join([*c.section, c.text]) for c in self.chunks]
        retriever = bm25s.BM25()
        retriever.index(bm25s.tokenize(corpus, stopwords="en", stemmer=stemmer(), show_progress=False),
                        show_progress=False)
        return retriever

    def scores(self, text: str) -> np.ndarray:
        """One BM25 score per passage, in index order; all zero when the text has no indexable word."""
        import bm25s

        tokens = bm25s.tokenize([text], stopwords="en", stemmer=stemmer(), show_progress=False)
        if not tokens.vocab:
            return np.zeros(len(self.chunks), dtype=np.float32)
        inverse = {v: k for k, v in tokens.vocab.items()}
        return np.asarray(self._bm25.get_scores([inverse[i] for i in tokens.ids[0]]), dtype=np.float32)
