"""Question → ranked passages, each with the sentences that best answer it.

Dense retrieval (the sentence-transformers model over FAISS) finds candidate chunks; each
candidate is then scored from three signals measured in the same pass:
- the cosine of the question with the chunk (embedded with its section heading),
- the best cosine of the question with one of the chunk's sentences (a precise hit inside a
  longer passage),
- BM25 over the chunk text and its section heading (exact terms the small model can miss).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .chunking import Chunk
from .embedding import Embedder
from .index import StoredIndex

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
STOPWORDS = frozenset(
    """a about above after again against all am an and any are aren't as at be because been before being
    below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down
    during each few for from further had hadn't has hasn't have haven't having he her here hers herself him
    himself his how i if in into is isn't it it's its itself just let's me more most my myself no nor not
    of off on once only or other ought our ours ourselves out over own same she should shouldn't so some
    such than that that's the their theirs them themselves then there there's these they this those through
    to too under until up very was wasn't we were weren't what what's when where which while who whom why
    will with won't would wouldn't you your yours yourself yourselves also get got tell know please really
    thing things anything something way ways much many lot lots kind sort one ones may might must shall""".split()
)


def words(text: str) -> list[str]:
    """Lower-case word tokens."""
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOPWORDS and not w.isdigit()]


@dataclass(frozen=True)
class Hit:
    """A chunk found for a question, with its score and its best sentences."""

    chunk: Chunk
    score: float
    dense: float
    sentence: float
    lexical: float
    quote_spans: tuple[tuple[int, int], ...]  # absolute offsets of the quoted sentences

    @property
    def quote(self) -> str:
        first, last = self.quote_spans[0][0], self.quote_spans[-1][1]
        return self.chunk.text[first - self.chunk.start : last - self.chunk.start]


@dataclass
class Retriever:
    """Searches one loaded index with one embedder."""

    index: StoredIndex
    embedder: Embedder
    candidates: int = 40
    weights: dict = field(default_factory=lambda: {"dense": 0.45, "sentence": 0.4, "lexical": 0.15})
    max_quote_chars: int = 250

    @cached_property
    def _bm25(self):
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG

        corpus = [f"{c.section_label} {c.text}" for c in self.index.chunks]
        retriever = bm25s.BM25()
        retriever.index(bm25s.tokenize(corpus, stopwords="en", stemmer=_stemmer(), show_progress=False),
                        show_progress=False)
        return retriever

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        """Every word of the indexed text, for telling covered topics from foreign ones."""
        return frozenset(w for c in self.index.chunks for w in words(f"{c.section_label} {c.text}"))

    def lexical_scores(self, question: str) -> np.ndarray:
        import bm25s

        tokens = bm25s.tokenize([question], stopwords="en", stemmer=_stemmer(), show_progress=False)
        if not tokens.vocab:
            return np.zeros(len(self.index.chunks), dtype=np.float32)
        scores = self._bm25.get_scores(_query_terms(tokens))
        return np.asarray(scores, dtype=np.float32)

    def search(self, question: str, k: int = 5, query_vector: np.ndarray | None = None) -> list[Hit]:
        """The k best passages for the question, best first."""
        chunks = self.index.chunks
        if not chunks:
            return []
        vector = self.embedder.embed_one(question) if query_vector is None else query_vector
        n = min(len(chunks), max(self.candidates, k))
        dense_scores, ids = self.index.search(vector[None, :], n)
        positions = [int(i) for i in ids[0] if i != -1]
        dense = {p: float(s) for p, s in zip(positions, dense_scores[0])}
        lexical_all = self.lexical_scores(question)
        top_lexical = float(lexical_all.max()) if lexical_all.size else 0.0
        # Lexical hits the dense pass missed are candidates too.
        if top_lexical > 0:
            for p in np.argsort(-lexical_all)[:k]:
                if lexical_all[p] > 0 and int(p) not in dense:
                    dense[int(p)] = float(self.index.chunk_vector(int(p)) @ vector)
        hits = []
        for p, dense_score in dense.items():
            rows = self.index.sentence_rows(p)
            sentence_scores = self.index.sentence_vectors[rows.start : rows.stop] @ vector
            lexical = float(lexical_all[p]) / top_lexical if top_lexical > 0 else 0.0
            best_sentence = float(sentence_scores.max()) if len(sentence_scores) else dense_score
            score = (self.weights["dense"] * dense_score + self.weights["sentence"] * best_sentence
                     + self.weights["lexical"] * lexical)
            spans = self._quote(chunks[p], sentence_scores, question)
            hits.append(Hit(chunks[p], score, dense_score, best_sentence, lexical, spans))
        hits.sort(key=lambda h: -h.score)
        return hits[:k]

    def _quote(self, chunk: Chunk, sentence_scores: np.ndarray, question: str) -> tuple[tuple[int, int], ...]:
        """The sentence of the chunk that best answers, plus its neighbour when that one scores as well."""
        if len(chunk.sentences) == 1:
            return chunk.sentences
        question_words = set(content_words(question))
        overlap = np.array([
            len(question_words & set(content_words(chunk.text[s - chunk.start : e - chunk.start])))
            / max(len(question_words), 1)
            for s, e in chunk.sentences
        ])
        combined = sentence_scores + 0.15 * overlap
        best = int(np.argmax(combined))
        spans = [chunk.sentences[best]]
        for neighbour in (best + 1, best - 1):
            if 0 <= neighbour < len(chunk.sentences):
                span = chunk.sentences[neighbour]
                merged = (min(span[0], spans[0][0]), max(span[1], spans[-1][1]))
                if (combined[neighbour] >= combined[best] - 0.05 and merged[1] - merged[0] <= self.max_quote_chars):
                    spans = sorted(spans + [span])
                    break
        return tuple(spans)


def _query_terms(tokens) -> list[str]:
    inverse = {v: k for k, v in tokens.vocab.items()}
    return [inverse[i] for i in tokens.ids[0]]


_STEMMER = None


def _stemmer():
    global _STEMMER
    if _STEMMER is None:
        import Stemmer

        _STEMMER = Stemmer.Stemmer("english")
    return _STEMMER
