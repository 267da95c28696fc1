"""Question → ranked passages, each with the sentences that best answer it.

The question's vector goes through the query adapter learned from the labelled question bank
(bot/adapter.py), then every candidate passage is described by a few signals (CHUNK_FEATURES):
- dense: the adapted question's cosine with the passage, embedded with its heading;
- sentence: its best cosine with one of the passage's sentences;
- raw_dense: the model's own cosine, before the adapter (questions unlike any in the bank);
- neighbours: the cosine of the closest bank question that this passage answers;
- lexical: BM25 over the passage and its heading (stemmed), relative to the best passage;
- section: the adapted cosine with the passage's section heading;
- ask_dense, ask_sentence, ask_neighbours: dense, sentence and neighbours again for the sentences
  of the question that ask, when it also tells a story (bot/reading.py); for a question that is all
  ask, the whole question's cosines, and no second count of its bank evidence (0);
- neighbour_vote, ask_neighbour_vote: the passage's share of a vote of the bank's closest questions
  (each weighted by closeness, as the answerable vote is): "neighbours" hears only the closest
  question that names the passage, so one medicines question worded near "What to do when back
  seizes up?" made the medicines bullet its first answer; the vote hears the ten closest, and the
  passages most of them name win (lay hit@1 0.852 → 0.914, shared real held out 0.805 → 0.829, three fold seeds).
Their weights (`QueryModel.ranker`; `unlabelled_ranker` for a document no bank question is about)
are fitted at build time on the bank, out-of-fold (bot/fitting.py).

The pipeline, one module a step: the question's misspelt words are corrected against the corpus
(bot/spelling.py); candidates come from FAISS, BM25 (bot/lexical.py) and the bank; each is scored
here; a question asking for a whole section gets it in article order (bot/sections.py); each hit
quotes its best sentences (bot/quotes.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from .adapter import unit
from .chunking import Chunk
from .config import Settings
from .embedding import Embedder
from .followup import Resolved, resolve
from .index import StoredIndex, context_label
from .lexical import LexicalIndex
from .querymodel import QueryModel
from .quotes import quote_spans
from .reading import asking_part
from .sections import Section, Sections
from .spelling import Speller, speller_for
from .text import content_words, stem, words

#: The bank's vote on whether a question is answered: its closest questions, weighted by closeness.
_VOTERS = 10
_VOTE_TEMPERATURE = 0.05

CHUNK_FEATURES = ("dense", "sentence", "raw_dense", "neighbours", "lexical", "section", "ask_dense", "ask_sentence",
                  "ask_neighbours", "neighbour_vote", "ask_neighbour_vote")


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
    ask_text: str | None = None  # the sentences of search_text that ask, when it also tells (bot/reading.py)


@dataclass(frozen=True)
class Search:
    """Everything one search measured: the ranked hits and the signals abstention looks at."""

    query: Query
    hits: list[Hit]
    list_section: Section | None  # (doc, heading) when the question asks for a whole section
    vector: np.ndarray | None = None  # the question's embedding (before the adapter), for reuse
    topic: float = 0.0  # adapted cosine with the closest document title
    neighbour_answerable: float = 0.0  # cosine of the closest answerable bank question
    neighbour_off_topic: float = 0.0  # cosine of the closest off-topic bank question
    in_scope: float = 0.5  # P(answerable) from the question's own vector (QueryModel.in_scope)
    scored: tuple[Hit, ...] = ()  # every candidate scored, best first (what the ranker is fitted on)
    section_certain: bool = False  # every word of the question is its section heading's or the title's
    # The neighbour and scope signals of the asking sentences alone (the same when the question is all ask).
    ask_neighbour_answerable: float = 0.0
    ask_neighbour_off_topic: float = 0.0
    ask_in_scope: float = 0.5
    vote: float = 0.5  # share of answerable questions among the bank's closest, weighted by closeness
    ask_vote: float = 0.5


@dataclass(frozen=True)
class _BankEvidence:
    """What the labelled question bank says of one question vector."""

    similarity: np.ndarray  # cosine with each bank question
    neighbours: np.ndarray  # per chunk: cosine of the closest bank question it answers
    sentence_neighbours: np.ndarray  # per sentence: cosine of the closest bank question whose evidence it holds
    answerable: float  # cosine of the closest answerable bank question
    off_topic: float  # cosine of the closest off-topic bank question
    vote: float  # share of answerable questions among the closest, weighted by closeness
    chunk_votes: np.ndarray  # per chunk: share of the closest questions it answers, weighted


@dataclass(frozen=True)
class _Signals:
    """What one question measured over the whole corpus, from which each candidate is scored."""

    vector: np.ndarray  # the question's adapted vector
    raw: np.ndarray  # its vector before the adapter
    ask_vector: np.ndarray  # the asking sentences' adapted vector (the question's when it is all ask)
    ask_raw: np.ndarray  # …before the adapter
    lexical: np.ndarray  # BM25 per chunk
    lexical_top: float  # the best BM25 score (0 when no word matched)
    neighbours: np.ndarray  # per chunk: cosine of the closest bank question it answers
    ask_neighbours: np.ndarray  # the same, from the asking sentences
    sentence_neighbours: np.ndarray  # per sentence: cosine of the closest bank question whose evidence it holds
    section_scores: np.ndarray  # adapted cosine with each section row
    search_text: str  # the question as searched (spell-corrected), for the quote's word overlap
    votes: np.ndarray  # per chunk: the bank's closest questions' weighted vote for it
    ask_votes: np.ndarray  # the same, from the asking sentences


class Retriever:
    """Searches one loaded index with one embedder and the query model fitted to it.

    It takes the whole `Settings`, as the chat and the build's fitting both do: the query model is
    fitted by searching exactly as the chat will, so the retrieval tunables are part of the index's
    settings (`Settings.index_settings`), and changing one makes the index stale and refitted.
    """

    def __init__(self, index: StoredIndex, embedder: Embedder, model: QueryModel, settings: Settings) -> None:
        self.index = index
        self.embedder = embedder
        self.model = model
        self.settings = settings

    # The question: corrected, resolved in its conversation, embedded and adapted.

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        """Every word of the indexed text and headings."""
        return frozenset(w for c in self.index.chunks for w in words(f"{context_label(c)} {c.text}"))

    @cached_property
    def speller(self) -> Speller:
        return speller_for(self.vocabulary, self.settings.spelling_min_word_chars, self.settings.spelling_cutoff)

    def prepare(self, question: str) -> Query:
        """Correct words the corpus does not use but nearly spells ("sympotms" → "symptoms"), and find
        the sentences that ask."""
        text, corrections = self.speller.correct(question)
        return Query(question, text, corrections, asking_part(text))

    def embed(self, query: Query) -> tuple[np.ndarray, np.ndarray]:
        """The question's vector and its asking sentences' (the same vector when it is all ask), in one batch."""
        if query.ask_text is None:
            raw = self.embedder.embed_one(query.search_text)
            return raw, raw
        both = self.embedder.embed([query.search_text, query.ask_text])
        return both[0], both[1]

    @cached_property
    def subject_words(self) -> frozenset[str]:
        """Words of the document titles, and their forms in the questions: what the corpus is about."""
        title_words = {w for c in self.index.chunks for w in content_words(c.title)}
        stems = {stem(w) for w in title_words}
        return frozenset(title_words | {w for w in self.vocabulary if stem(w) in stems})

    def resolve(self, question: str, history: list[dict] | None = None) -> Resolved:
        """The text to search for a question asked in a conversation (bot/followup.py)."""
        titles = self.sections.titles.values()
        subject = next(iter(titles)) if len(set(titles)) == 1 else None
        return resolve(question, history, self.subject_words, subject)

    def adapt(self, vector: np.ndarray) -> np.ndarray:
        """The question's vector moved by the learned adapter, unit length."""
        return unit(self.model.adapter @ vector).astype(np.float32)

    # What the corpus and the bank offer each question, built on first use.

    @cached_property
    def lexical(self) -> LexicalIndex:
        return LexicalIndex(self.index.chunks)

    @cached_property
    def sections(self) -> Sections:
        return Sections(self.index.chunks, self.speller.stems, self.model.bank_positives,
                        self.settings.list_neighbour_cosine)

    @cached_property
    def _bank_sentence_links(self) -> tuple[np.ndarray, np.ndarray]:
        """(bank row, sentence row) for every sentence holding a labelled answer's evidence."""
        return _links(self.model.bank_sentences, len(self.index.sentence_vectors))

    @cached_property
    def _bank_links(self) -> tuple[np.ndarray, np.ndarray]:
        """(bank row, chunk position) for every labelled answer: neighbour votes in one numpy call."""
        return _links(self.model.bank_positives, len(self.index.chunks))

    @cached_property
    def unlabelled_docs(self) -> frozenset[str]:
        """Documents none of whose passages answers a bank question (all of them when there is no bank)."""
        chunks = self.index.chunks
        labelled = {chunks[c].doc for p in self.model.bank_positives for c in p if c < len(chunks)}
        return frozenset(c.doc for c in self.index.chunks) - labelled

    # The search.

    def run(self, question: str, k: int = 5, vectors: tuple[np.ndarray, np.ndarray] | None = None) -> Search:
        """Score the corpus for a question; keep the k best hits and the signals behind them.

        `vectors` are the question's and its asking sentences' embeddings (`embed`), when already made.
        """
        index = self.index
        query = self.prepare(question)
        if not index.chunks:
            return Search(query, [], None)
        raw, ask_raw = self.embed(query) if vectors is None else vectors
        vector = self.adapt(raw)
        ask_vector = vector if ask_raw is raw else self.adapt(ask_raw)
        n = min(len(index.chunks), max(self.settings.candidates, k))
        searched = [vector, raw] if self.unlabelled_docs and self.model.bank_positives else [vector]
        # (a document without labelled questions is scored with the model's own vector: searched with
        # it too; with no bank the adapter is the identity, and that search is the one already made)
        if ask_raw is not raw:
            searched += [ask_vector, ask_raw] if len(searched) == 2 else [ask_vector]
        _, ids = index.search(np.stack(searched), n)
        candidates = {int(i) for i in ids.ravel() if i != -1}
        lexical_all = self.lexical.scores(query.search_text)
        lexical_top = float(lexical_all.max()) if lexical_all.size else 0.0
        if lexical_top > 0:  # strong lexical matches the dense pass missed are candidates too
            candidates |= {int(p) for p in np.argsort(-lexical_all)[:k] if lexical_all[p] > 0}
        bank = self._bank_evidence(vector, self.model.bank_vectors)
        # What the question asks, beside what the bank's questions asked (their stories set aside too).
        ask_bank = self._bank_evidence(ask_vector, self.model.asks)
        for found in (bank, ask_bank):
            candidates |= {int(c) for c in np.argsort(-found.neighbours)[:k] if found.neighbours[c] > 0}
        section_scores = index.section_vectors @ vector
        ordered = sorted(candidates)
        votes, ask_votes = bank.chunk_votes, ask_bank.chunk_votes
        unlabelled = np.array([index.chunks[p].doc in self.unlabelled_docs for p in ordered])
        if unlabelled.any():  # no bank question names these: their own cosines vote instead (see _own_votes)
            candidate_vectors = np.stack([index.chunk_vector(p) for p in ordered])
            chosen = np.array(ordered)[unlabelled]
            votes = _own_votes(votes, chosen, unlabelled, candidate_vectors @ raw)
            if ask_raw is not raw:
                ask_votes = _own_votes(ask_votes, chosen, unlabelled, candidate_vectors @ ask_raw)
        signals = _Signals(vector, raw, ask_vector, ask_raw, lexical_all, lexical_top, bank.neighbours,
                           ask_bank.neighbours, bank.sentence_neighbours, section_scores, query.search_text,
                           votes, ask_votes)
        hits = [self._hit(p, signals) for p in ordered]
        hits.sort(key=lambda h: -h.score)
        # A question asks for a whole section when it, or its asking sentences, reword a bank question that did.
        similarity = np.maximum(bank.similarity, ask_bank.similarity)
        list_section, certain = self.sections.asked_for(query.search_text, section_scores, similarity)
        topic = float(max((section_scores[row] for row in self.sections.title_rows.values()), default=0.0))
        in_scope = self.model.in_scope(raw)
        search = Search(query, hits[:k], list_section, raw, topic, bank.answerable, bank.off_topic, in_scope,
                        tuple(hits), certain, ask_bank.answerable, ask_bank.off_topic,
                        in_scope if ask_raw is raw else self.model.in_scope(ask_raw), bank.vote, ask_bank.vote)
        if list_section:
            search = replace(search, hits=self._section_first(list_section, hits, signals, k))
        return search

    def _bank_evidence(self, vector: np.ndarray, bank: np.ndarray) -> _BankEvidence:
        """What the labelled bank (`bank`: its questions' or their asks' vectors) says of an adapted
        question vector (all zeros with no bank)."""
        index = self.index
        neighbours = np.zeros(len(index.chunks), dtype=np.float32)
        # Per sentence: the closest bank question whose evidence it holds (helps choose the quote).
        sentence_neighbours = np.zeros(len(index.sentence_vectors), dtype=np.float32)
        if not len(bank):
            return _BankEvidence(np.zeros(0, dtype=np.float32), neighbours, sentence_neighbours, 0.0, 0.0, 0.5,
                                 np.zeros(len(index.chunks), dtype=np.float32))
        similarity = bank @ vector
        rows, chunk_ids = self._bank_links
        np.maximum.at(neighbours, chunk_ids, similarity[rows])
        sentence_rows, sentence_ids = self._bank_sentence_links
        np.maximum.at(sentence_neighbours, sentence_ids, similarity[sentence_rows])
        is_answerable = self.model.answerable_rows
        closest = np.argsort(-similarity)[:_VOTERS]
        weights = np.exp((similarity[closest] - similarity[closest[0]]) / _VOTE_TEMPERATURE)
        shares = weights / weights.sum()
        row_weight = np.zeros(len(bank), dtype=np.float32)
        row_weight[closest] = shares
        chunk_votes = passage_votes(row_weight, rows, chunk_ids, len(index.chunks))
        return _BankEvidence(similarity, neighbours, sentence_neighbours,
                             float(similarity[is_answerable].max(initial=0.0)),
                             float(similarity[~is_answerable].max(initial=0.0)),
                             float(shares @ is_answerable[closest]), chunk_votes)

    def _hit(self, position: int, signals: _Signals) -> Hit:
        """One candidate scored, with its quote."""
        chunk = self.index.chunks[position]
        chunk_vector = self.index.chunk_vector(position)
        rows = self.index.sentence_rows(position)
        unlabelled = chunk.doc in self.unlabelled_docs
        # A document dropped in without labelled questions: the adapter never learned its wording,
        # so its passages are scored with the model's own vector, their neighbour signal (no bank
        # question can name them) is estimated by their own cosine, and the weights are those fitted
        # for signals of that kind (QueryModel.unlabelled_ranker).
        own = signals.raw if unlabelled else signals.vector
        own_ask = signals.ask_raw if unlabelled else signals.ask_vector
        sentence_vectors = self.index.sentence_vectors[rows.start : rows.stop]
        sentence_scores = sentence_vectors @ own
        dense = float(chunk_vector @ own)
        best_sentence = float(sentence_scores.max()) if len(sentence_scores) else dense
        if own_ask is own:
            ask_dense, ask_sentence = dense, best_sentence
        else:
            ask_dense = float(chunk_vector @ own_ask)
            ask_sentence = float((sentence_vectors @ own_ask).max()) if len(sentence_scores) else ask_dense
        section_vector = self.index.section_vectors[self.index.section_of_chunk[position]]
        features = (
            dense,
            best_sentence,
            float(chunk_vector @ signals.raw),
            dense if unlabelled else float(signals.neighbours[position]),
            float(signals.lexical[position]) / signals.lexical_top if signals.lexical_top > 0 else 0.0,
            float(section_vector @ own),
            ask_dense,
            ask_sentence,
            # a question that is all ask already has its bank evidence above: not counted twice
            0.0 if own_ask is own else ask_dense if unlabelled else float(signals.ask_neighbours[position]),
            float(signals.votes[position]),
            0.0 if own_ask is own else float(signals.ask_votes[position]),
        )
        score = float(np.dot(self.model.unlabelled_ranker if unlabelled else self.model.ranker, features))
        quote_scores = (sentence_scores
                        + self.settings.quote_neighbour_weight * signals.sentence_neighbours[rows.start : rows.stop])
        spans = quote_spans(chunk, quote_scores, signals.search_text, max_chars=self.settings.max_quote_chars,
                            word_overlap_weight=self.settings.quote_word_overlap_weight,
                            growth_margin=self.settings.quote_growth_margin)
        return Hit(chunk, position, score, features, spans)

    def _section_first(self, section: Section, hits: list[Hit], signals: _Signals, k: int) -> list[Hit]:
        """The whole section in article order, then the other hits."""
        members = self.sections.members(section)
        by_position = {h.position: h for h in hits}
        ordered = [by_position.get(p) or self._hit(p, signals) for p in members]
        rest = [h for h in hits if h.position not in set(members)]
        return ordered + rest[: max(0, k - len(ordered))]


def passage_votes(row_weight: np.ndarray, rows: np.ndarray, chunk_ids: np.ndarray, n: int) -> np.ndarray:
    """Per passage: the summed weight of the bank questions it answers (`rows`, `chunk_ids`: the links)."""
    votes = np.zeros(n, dtype=np.float32)
    np.add.at(votes, chunk_ids, row_weight[rows])
    return votes


def _own_votes(votes: np.ndarray, chosen: np.ndarray, unlabelled: np.ndarray, cosines: np.ndarray) -> np.ndarray:
    """`votes` with the unlabelled passages' entries (`chosen`, their positions) replaced by their share
    of a vote of own cosines (`cosines`: the model's own, of every candidate; `unlabelled`: which).

    A passage of a document without labelled questions has no bank question to vote for it. What it
    would get is stood in for by a vote in which every candidate passage stands for itself: its
    cosine's softmax over all the candidates, at the bank vote's temperature (the unlabelled ranker
    is fitted on exactly these). A labelled passage much closer to the question takes the share.
    """
    votes = votes.copy()
    cosines = cosines.astype(np.float64)
    weights = np.exp((cosines - cosines.max()) / _VOTE_TEMPERATURE)
    votes[chosen] = (weights / weights.sum())[unlabelled]
    return votes


def _links(groups: tuple[tuple[int, ...], ...], limit: int) -> tuple[np.ndarray, np.ndarray]:
    """(bank row, target) for every target below `limit` that a bank row names, as two arrays."""
    array = np.array([(b, t) for b, targets in enumerate(groups) for t in targets if t < limit],
                     dtype=np.int64).reshape(-1, 2)
    return array[:, 0], array[:, 1]
