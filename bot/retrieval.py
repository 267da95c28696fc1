"""Question → ranked passages, each with the sentences that best answer it.

Every chunk is scored from four signals measured in one pass (weights in `Weights`, chosen on the
labelled question sets with `python -m bot eval`; docs/quality.md has the figures):
- dense: the question's cosine with the chunk, embedded with its heading,
- sentence: the best cosine of the question with one of the chunk's sentences,
- lexical: BM25 over the chunk text and heading (stemmed), relative to the best chunk,
- section: the question's cosine with the chunk's section heading alone, so "what are the
  symptoms?" lands in the Symptoms section rather than on a lead sentence that names symptoms.

Before scoring, misspelt words are corrected against the corpus's own vocabulary
("sympotms" → "symptoms"), so both the model and BM25 see a word the article uses.
"""

from __future__ import annotations

import difflib
import logging
import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .chunking import LEAD_SECTION, Chunk
from .embedding import Embedder
from .index import StoredIndex, context_label, section_keys

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
    thing things anything something way ways much many lot lots kind sort one ones may might must shall
    article say says said""".split()
)


def words(text: str) -> list[str]:
    """Lower-case word tokens."""
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOPWORDS and not w.isdigit()]


@dataclass(frozen=True)
class Weights:
    dense: float = 0.6
    sentence: float = 0.2
    lexical: float = 0.1
    section: float = 0.2
    title: float = 0.4


@dataclass(frozen=True)
class Hit:
    """A chunk found for a question, with its score, the signals behind it and its best sentences."""

    chunk: Chunk
    position: int  # the chunk's row in the index
    score: float
    dense: float
    sentence: float
    lexical: float
    section: float
    title: float
    quote_spans: tuple[tuple[int, int], ...]  # absolute offsets of the quoted sentences

    @property
    def quote(self) -> str:
        first, last = self.quote_spans[0][0], self.quote_spans[-1][1]
        return self.chunk.text[first - self.chunk.start : last - self.chunk.start]


@dataclass(frozen=True)
class Query:
    """A question prepared for search."""

    text: str  # as asked (cleaned)
    search_text: str  # with misspellings corrected against the corpus vocabulary
    corrections: dict[str, str]


@dataclass(frozen=True)
class Search:
    """Everything one search measured: the ranked hits and the signals abstention looks at."""

    query: Query
    hits: list[Hit]
    list_section: tuple[str, str] | None  # (doc, heading) when the question asks for a whole section
    lexical_top: float  # raw BM25 score of the best chunk
    vector: np.ndarray | None = None  # the question's embedding, for reuse (suggestions)


class Retriever:
    """Searches one loaded index with one embedder."""

    def __init__(self, index: StoredIndex, embedder: Embedder, weights: Weights = Weights(),
                 candidates: int = 40, max_quote_chars: int = 250) -> None:
        self.index = index
        self.embedder = embedder
        self.weights = weights
        self.candidates = candidates
        self.max_quote_chars = max_quote_chars

    @cached_property
    def _bm25(self):
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG
        # Headings, not the title: the title's words (the article's subject) would favour the lead.
        corpus = [" ".join([*c.section, c.text]) for c in self.index.chunks]
        retriever = bm25s.BM25()
        retriever.index(bm25s.tokenize(corpus, stopwords="en", stemmer=_stemmer(), show_progress=False),
                        show_progress=False)
        return retriever

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        """Every word of the indexed text and headings."""
        return frozenset(w for c in self.index.chunks for w in words(f"{context_label(c)} {c.text}"))

    @cached_property
    def _spelling_candidates(self) -> list[str]:
        return sorted(w for w in self.vocabulary if len(w) >= 4 and w.isalpha())

    def prepare(self, question: str) -> Query:
        """Correct words the corpus does not use but nearly spells ("sympotms" → "symptoms")."""
        corrections: dict[str, str] = {}
        for word in set(content_words(question)):
            if len(word) < 5 or not word.isalpha() or word in self.vocabulary:
                continue
            stem = _stem(word)
            if stem in self._stems or (len(stem) >= 5 and any(s.startswith(stem) for s in self._stems)):
                continue  # an inflection of a corpus word ("treated" ~ "treatment"), not a typo
            match = difflib.get_close_matches(word, self._spelling_candidates, n=1, cutoff=0.8)
            if match:
                corrections[word] = match[0]
        text = question
        if corrections:
            text = _WORD.sub(lambda m: corrections.get(m.group(0).lower(), m.group(0)), question)
        return Query(question, text, corrections)

    @cached_property
    def subject_words(self) -> frozenset[str]:
        """Words of the document titles, and their forms in the questions: what the corpus is about."""
        title_words = {w for c in self.index.chunks for w in content_words(c.title)}
        stems = {_stem(w) for w in title_words}
        return frozenset(title_words | {w for w in self.vocabulary if _stem(w) in stems})

    @property
    def corpus_stems(self) -> frozenset[str]:
        """Stems of every word the corpus uses."""
        return self._stems

    @cached_property
    def _stems(self) -> frozenset[str]:
        return frozenset(_stem(w) for w in self.vocabulary)

    @cached_property
    def _chunk_stems(self) -> list[frozenset[str]]:
        return [frozenset(_stem(w) for w in content_words(" ".join([*c.section, c.text]))) for c in self.index.chunks]

    @cached_property
    def _idf(self) -> dict[str, float]:
        n = len(self._chunk_stems)
        df: dict[str, int] = {}
        for stems in self._chunk_stems:
            for stem in stems:
                df[stem] = df.get(stem, 0) + 1
        return {stem: float(np.log(1 + (n - d + 0.5) / (d + 0.5))) for stem, d in df.items()}

    def idf_coverage(self, text: str) -> np.ndarray:
        """Per chunk: the share of the question's IDF mass whose words the chunk contains."""
        asked = {_stem(w) for w in content_words(text)}
        rare = max(self._idf.values(), default=1.0)
        weights = {w: self._idf.get(w, rare) for w in asked}  # unknown words weigh like the rarest
        total = sum(weights.values())
        if not total:
            return np.zeros(len(self._chunk_stems), dtype=np.float32)
        return np.array([sum(v for w, v in weights.items() if w in stems) / total for stems in self._chunk_stems],
                        dtype=np.float32)

    def lexical_scores(self, text: str) -> np.ndarray:
        import bm25s

        tokens = bm25s.tokenize([text], stopwords="en", stemmer=_stemmer(), show_progress=False)
        if not tokens.vocab:
            return np.zeros(len(self.index.chunks), dtype=np.float32)
        inverse = {v: k for k, v in tokens.vocab.items()}
        return np.asarray(self._bm25.get_scores([inverse[i] for i in tokens.ids[0]]), dtype=np.float32)

    def search(self, question: str, k: int = 5) -> list[Hit]:
        """The k best passages for the question, best first."""
        return self.run(question, k).hits

    def run(self, question: str, k: int = 5, query_vector: np.ndarray | None = None) -> Search:
        """Score the corpus for a question; keep the k best hits and the signals behind them."""
        index = self.index
        query = self.prepare(question)
        if not index.chunks:
            return Search(query, [], None, 0.0)
        vector = self.embedder.embed_one(query.search_text) if query_vector is None else query_vector
        n = min(len(index.chunks), max(self.candidates, k))
        dense_scores, ids = index.search(vector[None, :], n)
        dense = {int(i): float(s) for i, s in zip(ids[0], dense_scores[0]) if i != -1}
        lexical_all = self.lexical_scores(query.search_text)
        lexical_top = float(lexical_all.max()) if lexical_all.size else 0.0
        if lexical_top > 0:  # strong lexical matches the dense pass missed are candidates too
            for p in np.argsort(-lexical_all)[:k]:
                if lexical_all[p] > 0 and int(p) not in dense:
                    dense[int(p)] = float(index.chunk_vector(int(p)) @ vector)
        section_scores = index.section_vectors @ vector
        hits = [self._hit(p, d, vector, lexical_all, lexical_top, section_scores, query) for p, d in dense.items()]
        hits.sort(key=lambda h: -h.score)
        list_section = self._list_section(query, section_scores)
        if list_section:
            hits = self._section_first(list_section, hits, vector, lexical_all, lexical_top, section_scores, query, k)
        return Search(query, hits[: max(k, len(hits) if list_section else 0)] if list_section else hits[:k],
                      list_section, lexical_top, vector)

    def _hit(self, position: int, dense: float, vector: np.ndarray, lexical_all: np.ndarray, lexical_top: float,
             section_scores: np.ndarray, query: Query) -> Hit:
        chunk = self.index.chunks[position]
        rows = self.index.sentence_rows(position)
        sentence_scores = self.index.sentence_vectors[rows.start : rows.stop] @ vector
        best_sentence = float(sentence_scores.max()) if len(sentence_scores) else dense
        lexical = float(lexical_all[position]) / lexical_top if lexical_top > 0 else 0.0
        section = float(section_scores[self.index.section_of_chunk[position]])
        title = float(section_scores[self._title_row[chunk.doc]])
        w = self.weights
        score = (w.dense * dense + w.sentence * best_sentence + w.lexical * lexical + w.section * section
                 + w.title * title)
        spans = self._quote(chunk, sentence_scores, query.search_text)
        return Hit(chunk, position, score, dense, best_sentence, lexical, section, title, spans)

    @cached_property
    def _title_row(self) -> dict[str, int]:
        keys, _ = self._sections
        return {doc: row for row, (doc, label) in enumerate(keys) if label == ""}

    def _list_section(self, query: Query, section_scores: np.ndarray) -> tuple[str, str] | None:
        """The section a question asks for as a whole ("what are the symptoms?"), if it does.

        It does when every content word of the question is a word of the closest heading or of its
        document's title, and at least one is a heading word (not merely the article's subject).
        """
        keys, _ = self._sections
        ranked = [int(i) for i in np.argsort(-section_scores) if keys[int(i)][1] not in ("", LEAD_SECTION)]
        if not ranked:
            return None
        doc, heading = keys[ranked[0]]
        heading_stems = {_stem(w) for w in words(heading)}
        title_stems = {_stem(w) for w in words(self._titles[doc])}
        asked = {_stem(w) for w in content_words(query.search_text)}
        if not asked or not all(_covered(w, heading_stems | title_stems) for w in asked):
            return None
        if not any(_covered(w, heading_stems - title_stems) for w in asked):
            return None
        return doc, heading

    @cached_property
    def _sections(self):
        return section_keys(self.index.chunks)

    @cached_property
    def _titles(self) -> dict[str, str]:
        return {c.doc: c.title for c in self.index.chunks}

    def _section_first(self, section: tuple[str, str], hits: list[Hit], vector, lexical_all, lexical_top,
                       section_scores, query: Query, k: int) -> list[Hit]:
        """The whole section in article order, then the other hits."""
        members = [p for p, c in enumerate(self.index.chunks) if (c.doc, c.section_label) == section]
        by_position = {h.position: h for h in hits}
        ordered = [by_position.get(p) or self._hit(p, float(self.index.chunk_vector(p) @ vector), vector,
                                                   lexical_all, lexical_top, section_scores, query)
                   for p in members]
        rest = [h for h in hits if h.position not in set(members)]
        return ordered + rest[: max(0, k - len(ordered))]

    def _quote(self, chunk: Chunk, sentence_scores: np.ndarray, question: str) -> tuple[tuple[int, int], ...]:
        """The run of sentences that best answers: the whole chunk when it is short enough to read
        as one quote, else the best sentence grown with its neighbours while they score nearly as well."""
        sentences = chunk.sentences
        if len(sentences) == 1 or chunk.end - chunk.start <= self.max_quote_chars:
            return sentences
        asked = {_stem(w) for w in content_words(question)}
        overlap = np.array([
            len(asked & {_stem(w) for w in content_words(chunk.text[s - chunk.start : e - chunk.start])})
            / max(len(asked), 1)
            for s, e in sentences
        ])
        combined = sentence_scores + 0.15 * overlap
        best = int(np.argmax(combined))
        first = last = best
        while True:
            options = [i for i in (first - 1, last + 1) if 0 <= i < len(sentences)
                       and combined[i] >= combined[best] - 0.15
                       and max(sentences[last][1], sentences[i][1]) - min(sentences[first][0], sentences[i][0])
                       <= self.max_quote_chars]
            if not options:
                break
            pick = max(options, key=lambda i: combined[i])
            first, last = min(first, pick), max(last, pick)
        return tuple(sentences[first : last + 1])


_STEMMER = None


def _stemmer():
    global _STEMMER
    if _STEMMER is None:
        import Stemmer  # PyStemmer: Snowball stemmers in C, no data download

        _STEMMER = Stemmer.Stemmer("english")
    return _STEMMER


def _stem(word: str) -> str:
    return _stemmer().stemWord(word)


def _covered(stem: str, stems: set[str]) -> bool:
    """Whether a stemmed word is among `stems`, counting "treat" as covered by "treatment"."""
    return stem in stems or (len(stem) >= 4 and any(s.startswith(stem) or stem.startswith(s) for s in stems if len(s) >= 4))
