"""Chatbot.load(settings).ask(question): wires corpus, index, retrieval and answer together."""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from . import abstention, unmentioned
from .answer import Answer, Passage
from .companions import joining
from .config import Settings
from .embedding import Embedder
from .errors import DamagedIndexError, EmptyQuestionError, IndexNotBuiltError, StaleIndexError
from .fitting import untrained
from .followup import Resolved
from .index import StoredIndex, load_index
from .querymodel import QueryModel
from .retrieval import Retriever, Search
from .safety import notice_for, red_flags

log = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def search_in_conversation(retriever: Retriever, text: str, history: list[dict] | None,
                           k: int) -> tuple[Search, Resolved]:
    """Search for a question as asked in a conversation (follow-ups read with what came before)."""
    resolved = retriever.resolve(text, history)
    return retriever.run(resolved.text, k), resolved


def encodable(text: str) -> str:
    """The text as asked, with only what UTF-8 cannot carry (lone surrogates) replaced by "?"."""
    return text.encode("utf-8", "replace").decode("utf-8")


_MARKUP = re.compile(r"<[^<>]*>|\b(?:https?|ftp)://\S+|\bwww\.\S+", re.IGNORECASE)


def without_markup(text: str) -> str:
    """The question's words without HTML tags or links, which are not words a person asks with: a
    question pasted with markup is searched for what it says ("<b>lottery</b> numbers" → "lottery
    numbers"). Markup and nothing else is searched as typed (and refused like any other)."""
    words = " ".join(_MARKUP.sub(" ", text).split())
    return words or text


def clean_question(raw: str, max_chars: int) -> tuple[str, list[str]]:
    """Normalise a question as typed; return it and notes for the person (e.g. it was cut)."""
    notes: list[str] = []
    text = raw if isinstance(raw, str) else str(raw)
    # Lone surrogates (from broken clients) cannot be encoded; drop them rather than fail.
    text = encodable(text)
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub(" ", text)
    text = " ".join(text.split())
    if len(text) > max_chars:
        text = text[:max_chars].rsplit(" ", 1)[0] or text[:max_chars]
        notes.append(f"Your question was longer than {max_chars} characters, so only its beginning was read.")
    return text, notes


@dataclass
class Chatbot:
    """The loaded bot: one model and one index, shared by every conversation."""

    settings: Settings
    embedder: Embedder
    index: StoredIndex

    @classmethod
    def load(cls, settings: Settings, embedder: Embedder | None = None, rebuild: bool | None = None) -> Chatbot:
        """Load the index; with `rebuild`, build it first when it is missing, stale or damaged."""
        rebuild = settings.rebuild_stale if rebuild is None else rebuild
        try:
            index = load_index(settings)  # checked before the model loads, so errors come quickly
        except (IndexNotBuiltError, StaleIndexError, DamagedIndexError) as err:
            if not rebuild or not _writable(settings.index_dir):
                raise
            log.warning("%s Rebuilding it now.", err)
            embedder = embedder or Embedder(settings.model)
            from .build import build  # the build's fitting is needed only here

            build(settings, embedder)
            index = load_index(settings)
        return cls(settings, embedder or Embedder(settings.model), index)

    @cached_property
    def query_model(self) -> QueryModel:
        """What the index's build learned from the labelled questions."""
        return self.index.query_model or untrained(self.index)

    @cached_property
    def unlabelled_abstention(self) -> abstention.AbstentionModel:
        """The abstention model for documents without labelled questions (shipped, bot/data)."""
        return abstention.default_abstention()

    @cached_property
    def retriever(self) -> Retriever:
        return Retriever(self.index, self.embedder, self.query_model, self.settings)

    def with_query_model(self, model: QueryModel) -> Chatbot:
        """The same bot answering with another query model (cross-validation folds)."""
        bot = Chatbot(self.settings, self.embedder, self.index)
        bot.__dict__["query_model"] = model
        return bot

    @property
    def covered_topics(self) -> list[str]:
        """Section names in article order: what the corpus covers."""
        seen = Counter()
        for chunk in self.index.chunks:
            seen[chunk.section_label] += 1
        return [s for s in seen if s]

    def ask(self, question: str, history: list[dict] | None = None, k: int | None = None) -> Answer:
        """Answer one question (with the chat so far, for follow-ups) by quoting the corpus."""
        text, notes = clean_question(question, self.settings.max_question_chars)
        if not text:
            raise EmptyQuestionError()
        plain = without_markup(text)
        search, resolved = search_in_conversation(self.retriever, plain, history, k or self.settings.top_k)
        if resolved.follow_up_to:
            notes.append(f"Read as a follow-up to “{resolved.follow_up_to[:200]}”.")
        hits = search.hits
        # The best passage, and those that answer with it (bot/companions.py): they may rank below
        # the k shown, and are then shown too.
        joined = joining(search.scored, self.query_model.companions) if search.scored else hits[:1]
        hits = hits + [h for h in joined if h not in hits]
        passages = [Passage.from_hit(h) for h in hits]
        unlabelled = [h for h in search.hits if h.chunk.doc in self.retriever.unlabelled_docs]
        if unlabelled and search.hits[0] is unlabelled[0]:
            # The best passage is from a document no labelled question is about: the bank's signals
            # say nothing of it, so it is judged as a corpus without labelled questions would be.
            titles = self.index.section_vectors[list(self.retriever.sections.title_rows.values())]
            topic = float((titles @ search.vector).max()) if len(titles) and search.vector is not None else 0.0
            decision = self.unlabelled_abstention.decide(abstention.untrained_features(unlabelled, topic),
                                                         self.settings.high_confidence)
        else:
            decision = self.query_model.abstention.decide(abstention.features(search), self.settings.high_confidence)
        coverage, confidence, _ = decision
        if search.section_certain and coverage != "full":
            # Every word of the question is a heading's ("what are the symptoms?"): the corpus has
            # a section for exactly this, however low the similarity of a subject-less question.
            coverage, confidence = "full", "medium"
        abstained = coverage == "none" or not hits
        if abstained:
            quoted = []
        elif search.list_section:
            quoted = [p for p, h in zip(passages, hits, strict=True)
                      if (h.chunk.doc, h.chunk.section_label) == search.list_section]
        else:
            positions = {h.position for h in joined}
            quoted = sorted((p for p, h in zip(passages, hits, strict=True) if h.position in positions),
                            key=lambda p: (p.doc, p.start))
        flags = red_flags(text)
        partial = coverage == "partial" and not abstained
        return Answer(
            question=encodable(question), abstained=abstained, passages=passages, quoted=quoted,
            confidence=confidence, notes=notes, partial=partial,
            covered_topics=self.covered_topics if abstained else [],
            urgent=notice_for(flags), signs=tuple(flag.name for flag in flags),
            suggestions=self.suggestions(text, vector=search.vector) if abstained else [],
            unmentioned=self.unmentioned(plain) if abstained or partial else (),
        )

    def unmentioned(self, question: str) -> tuple[str, ...]:
        """What the question asks about that the corpus never mentions, in its own words (bot/unmentioned.py)."""
        speller = self.retriever.speller
        return unmentioned.model().name(question, speller.stems, speller, self.embedder)

    @cached_property
    def example_questions(self) -> list[str]:
        """Questions the corpus can answer: each document's `examples:` front matter list."""
        from .corpus import load_corpus

        examples = [q for document in load_corpus(self.settings.corpus_dir) for q in document.examples]
        if not examples:  # a corpus without examples still gets questions it can answer
            examples = [f"What does the article say about {s.lower()}?" for s in self.covered_topics]
        return examples

    @cached_property
    def _example_vectors(self) -> np.ndarray:
        return self.embedder.embed(self.example_questions)

    def suggestions(self, question: str, n: int = 3, vector: np.ndarray | None = None) -> list[str]:
        """`n` example questions the corpus answers, the closest to what was asked first."""
        examples = self.example_questions
        if len(examples) <= n:
            return list(examples)
        vector = self.embedder.embed_one(question) if vector is None else vector
        order = np.argsort(-(self._example_vectors @ vector))
        return [examples[i] for i in order[:n]]


def _writable(path) -> bool:
    target = path if path.exists() else path.parent
    return os.access(target, os.W_OK)
