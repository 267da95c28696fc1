"""Question → ranked passages, each with the sentences that best answer it.

The question's vector goes through the query adapter learned from the labelled question bank
(bot/adapter.py), then every candidate passage is described by a few signals (CHUNK_FEATURES):
- dense: the adapted question's cosine with the passage, embedded with its heading;
- sentence: its best cosine with one of the passage's sentences;
- raw_dense: the model's own cosine, before the adapter (questions unlike any in the bank);
- neighbours: the cosine of the closest bank question that this passage answers;
- lexical: BM25 over the passage and its heading (stemmed), relative to the best passage;
- section: the adapted cosine with the passage's section heading.
Their weights (`QueryModel.ranker`) are fitted at build time on the bank, out-of-fold
(bot/fitting.py). A question made of a heading's words ("what are the symptoms?"), or whose closest
bank question asks for a whole section, gets that section in article order.

Before scoring, misspelt words are corrected against the corpus's own vocabulary
("sympotms" → "symptoms"), so both the model and BM25 see a word the article uses.
"""

from __future__ import annotations

import difflib
import logging
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from .adapter import unit
from .chunking import LEAD_SECTION, Chunk
from .embedding import Embedder
from .followup import Resolved, resolve
from .index import StoredIndex, context_label, section_keys
from .querymodel import QueryModel
from .text import _WORD, _stemmer, content_words, words
from .text import covered as _covered
from .text import stem as _stem

CHUNK_FEATURES = ("dense", "sentence", "raw_dense", "neighbours", "lexical", "section")


@dataclass(frozen=True)
class Hit:
    """A chunk found for a question, with its score, the signals behind it and its best sentences."""

    chunk: Chunk
    position: int  # the chunk's row in the index
    score: float
    features: tuple[float, ...]  # in CHUNK_FEATURES order
    quote_spans: tuple[tuple[int, int], ...]  # absolute offsets of the quoted sentences

    @property
    def quote(self) -> str:
        first, last = self.quote_spans[0][0], self.quote_spans[-1][1]
        return self.chunk.text[first - self.chunk.start : last - self.chunk.start]

    def feature(self, name: str) -> float:
        return self.features[CHUNK_FEATURES.index(name)]


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
    vector: np.ndarray | None = None  # the question's embedding (before the adapter), for reuse
    topic: float = 0.0  # adapted cosine with the closest document title
    neighbour_answerable: float = 0.0  # cosine of the closest answerable bank question
    neighbour_off_topic: float = 0.0  # cosine of the closest off-topic bank question
    in_scope: float = 0.5  # P(answerable) from the question's own vector (QueryModel.in_scope)
    scored: tuple[Hit, ...] = ()  # every candidate scored, best first (what the ranker is fitted on)
    section_certain: bool = False  # every word of the question is its section heading's or the title's


class Retriever:
    """Searches one loaded index with one embedder and the query model fitted to it."""

    def __init__(self, index: StoredIndex, embedder: Embedder, model: QueryModel, candidates: int = 40,
                 max_quote_chars: int = 250, list_neighbour_cosine: float = 0.8,
                 quote_neighbour_weight: float = 0.5) -> None:
        self.index = index
        self.embedder = embedder
        self.model = model
        self.candidates = candidates
        self.max_quote_chars = max_quote_chars
        self.list_neighbour_cosine = list_neighbour_cosine
        self.quote_neighbour_weight = quote_neighbour_weight

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

    def resolve(self, question: str, history: list[dict] | None = None) -> Resolved:
        """The text to search for a question asked in a conversation (bot/followup.py)."""
        titles = self._titles.values()
        subject = next(iter(titles)) if len(set(titles)) == 1 else None
        return resolve(question, history, self.subject_words, subject)

    @cached_property
    def _stems(self) -> frozenset[str]:
        return frozenset(_stem(w) for w in self.vocabulary)

    def lexical_scores(self, text: str) -> np.ndarray:
        import bm25s

        tokens = bm25s.tokenize([text], stopwords="en", stemmer=_stemmer(), show_progress=False)
        if not tokens.vocab:
            return np.zeros(len(self.index.chunks), dtype=np.float32)
        inverse = {v: k for k, v in tokens.vocab.items()}
        return np.asarray(self._bm25.get_scores([inverse[i] for i in tokens.ids[0]]), dtype=np.float32)

    def adapt(self, vector: np.ndarray) -> np.ndarray:
        """The question's vector moved by the learned adapter, unit length."""
        return unit(self.model.adapter @ vector).astype(np.float32)

    @cached_property
    def _bank_sentence_links(self) -> tuple[np.ndarray, np.ndarray]:
        """(bank row, sentence row) for every sentence holding a labelled answer's evidence."""
        return _links(self.model.bank_sentences, len(self.index.sentence_vectors))

    @cached_property
    def _bank_links(self) -> tuple[np.ndarray, np.ndarray]:
        """(bank row, chunk position) for every labelled answer: neighbour votes in one numpy call."""
        return _links(self.model.bank_positives, len(self.index.chunks))

    def run(self, question: str, k: int = 5, query_vector: np.ndarray | None = None) -> Search:
        """Score the corpus for a question; keep the k best hits and the signals behind them."""
        index = self.index
        query = self.prepare(question)
        if not index.chunks:
            return Search(query, [], None)
        raw = self.embedder.embed_one(query.search_text) if query_vector is None else query_vector
        vector = self.adapt(raw)
        n = min(len(index.chunks), max(self.candidates, k))
        dense_scores, ids = index.search(vector[None, :], n)
        candidates = {int(i) for i in ids[0] if i != -1}
        if self._unlabelled_docs:  # their passages are scored with the model's own vector: search with it too
            candidates |= {int(i) for i in index.search(raw[None, :], n)[1][0] if i != -1}
        lexical_all = self.lexical_scores(query.search_text)
        lexical_top = float(lexical_all.max()) if lexical_all.size else 0.0
        if lexical_top > 0:  # strong lexical matches the dense pass missed are candidates too
            candidates |= {int(p) for p in np.argsort(-lexical_all)[:k] if lexical_all[p] > 0}
        neighbours = np.zeros(len(index.chunks), dtype=np.float32)
        # Per sentence: the closest bank question whose evidence it holds (helps choose the quote).
        sentence_neighbours = np.zeros(len(index.sentence_vectors), dtype=np.float32)
        answerable = off_topic = 0.0
        if len(self.model.bank_vectors):
            similarity = self.model.bank_vectors @ vector
            rows, chunk_ids = self._bank_links
            np.maximum.at(neighbours, chunk_ids, similarity[rows])
            sentence_rows, sentence_ids = self._bank_sentence_links
            np.maximum.at(sentence_neighbours, sentence_ids, similarity[sentence_rows])
            is_answerable = self.model.answerable_rows
            answerable = float(similarity[is_answerable].max(initial=0.0))
            off_topic = float(similarity[~is_answerable].max(initial=0.0))
            candidates |= {int(c) for c in np.argsort(-neighbours)[:k] if neighbours[c] > 0}
        section_scores = index.section_vectors @ vector
        neighbours = (neighbours, sentence_neighbours)
        hits = [self._hit(p, vector, raw, lexical_all, lexical_top, neighbours, section_scores, query)
                for p in sorted(candidates)]
        hits.sort(key=lambda h: -h.score)
        list_section, certain = self._list_section(query, section_scores)
        if list_section is None:
            list_section = self._neighbour_section(vector)
        topic = float(max((section_scores[row] for row in self._title_row.values()), default=0.0))
        search = Search(query, hits[:k], list_section, raw, topic, answerable, off_topic,
                        self.model.in_scope(raw), tuple(hits), certain)
        if list_section:
            ordered = self._section_first(list_section, hits, vector, raw, lexical_all, lexical_top, neighbours,
                                          section_scores, query, k)
            search = replace(search, hits=ordered)
        return search

    @cached_property
    def _unlabelled_docs(self) -> frozenset[str]:
        """Documents none of whose passages answers a bank question (when the bank has any)."""
        if not self.model.bank_positives:
            return frozenset()
        chunks = self.index.chunks
        labelled = {chunks[c].doc for p in self.model.bank_positives for c in p if c < len(chunks)}
        return frozenset(c.doc for c in self.index.chunks) - labelled

    def _hit(self, position: int, vector: np.ndarray, raw: np.ndarray, lexical_all: np.ndarray, lexical_top: float,
             neighbours: tuple[np.ndarray, np.ndarray], section_scores: np.ndarray, query: Query) -> Hit:
        """One candidate scored; `neighbours` is (per chunk, per sentence) bank-question evidence."""
        neighbours, sentence_neighbours = neighbours
        chunk = self.index.chunks[position]
        chunk_vector = self.index.chunk_vector(position)
        rows = self.index.sentence_rows(position)
        unlabelled = chunk.doc in self._unlabelled_docs
        # A document dropped in without labelled questions: the adapter never learned its wording,
        # so its passages are scored with the model's own vector, and their neighbour signal (no
        # bank question can name them) is estimated by their own cosine.
        own = raw if unlabelled else vector
        sentence_scores = self.index.sentence_vectors[rows.start : rows.stop] @ own
        dense = float(chunk_vector @ own)
        section_vector = self.index.section_vectors[self.index.section_of_chunk[position]]
        features = (
            dense,
            float(sentence_scores.max()) if len(sentence_scores) else dense,
            float(chunk_vector @ raw),
            dense if unlabelled else float(neighbours[position]),
            float(lexical_all[position]) / lexical_top if lexical_top > 0 else 0.0,
            float(section_vector @ own),
        )
        score = float(np.dot(self.model.ranker, features))
        quote_scores = sentence_scores + self.quote_neighbour_weight * sentence_neighbours[rows.start : rows.stop]
        return Hit(chunk, position, score, features, self._quote(chunk, quote_scores, query.search_text))

    @cached_property
    def _title_row(self) -> dict[str, int]:
        keys, _ = self._sections
        return {doc: row for row, (doc, label) in enumerate(keys) if label == ""}

    def _list_section(self, query: Query, section_scores: np.ndarray) -> tuple[tuple[str, str] | None, bool]:
        """The section a question asks for as a whole ("what are the symptoms?"), if it does, and
        whether that is certain.

        It does when the question names the closest heading (a heading word that is not merely the
        article's subject) and nothing else the corpus talks about: its other words are the title's
        or words the corpus never uses ("which symptoms does the article list?"), so they cannot
        point at one passage. It is certain when every word is the heading's or the title's.
        """
        keys, _ = self._sections
        ranked = [int(i) for i in np.argsort(-section_scores) if keys[int(i)][1] not in ("", LEAD_SECTION)]
        if not ranked:
            return None, False
        doc, heading = keys[ranked[0]]
        heading_stems = {_stem(w) for w in words(heading)}
        title_stems = {_stem(w) for w in words(self._titles[doc])}
        asked = {_stem(w) for w in content_words(query.search_text)}
        if not any(_covered(w, heading_stems - title_stems) for w in asked):
            return None, False
        named = heading_stems | title_stems
        others = {w for w in asked if not _covered(w, named)}
        if any(w in self._stems for w in others):
            return None, False
        return (doc, heading), not others

    def _neighbour_section(self, vector: np.ndarray) -> tuple[str, str] | None:
        """The section the closest bank question asked for as a whole, when it is close enough.

        A bank question asks for a section when its labelled answers are three or more passages of
        one section ("what can I do about it at home?" → the treatment bullets).
        """
        if not len(self.model.bank_vectors):
            return None
        similarity = self.model.bank_vectors @ vector
        best = int(np.argmax(similarity))
        if similarity[best] < self.list_neighbour_cosine:
            return None
        return self._bank_sections[best]

    @cached_property
    def _bank_sections(self) -> list[tuple[str, str] | None]:
        chunks = self.index.chunks
        sections = []
        for positives in self.model.bank_positives:
            keys = {(chunks[c].doc, chunks[c].section_label) for c in positives if c < len(chunks)}
            whole = len(keys) == 1 and len(positives) >= 3 and next(iter(keys))[1] != LEAD_SECTION
            sections.append(next(iter(keys)) if whole else None)
        return sections

    @cached_property
    def _sections(self):
        return section_keys(self.index.chunks)

    @cached_property
    def _titles(self) -> dict[str, str]:
        return {c.doc: c.title for c in self.index.chunks}

    def _section_first(self, section: tuple[str, str], hits: list[Hit], vector, raw, lexical_all, lexical_top,
                       neighbours, section_scores, query: Query, k: int) -> list[Hit]:
        """The whole section in article order, then the other hits."""
        members = [p for p, c in enumerate(self.index.chunks) if (c.doc, c.section_label) == section]
        by_position = {h.position: h for h in hits}
        ordered = [by_position.get(p) or self._hit(p, vector, raw, lexical_all, lexical_top, neighbours,
                                                   section_scores, query)
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


def _links(groups: tuple[tuple[int, ...], ...], limit: int) -> tuple[np.ndarray, np.ndarray]:
    """(bank row, target) for every target below `limit` that a bank row names, as two arrays."""
    array = np.array([(b, t) for b, targets in enumerate(groups) for t in targets if t < limit],
                     dtype=np.int64).reshape(-1, 2)
    return array[:, 0], array[:, 1]
