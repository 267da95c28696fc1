"""Fit the query model (adapter, bank, ranker weights, abstention) on the labelled question bank.

Everything that is fitted is measured out-of-fold first. The bank is split into folds that keep
near-paraphrases together (bot/questions.py); for each fold an adapter and a neighbour bank are
fitted on the other folds, and the fold's questions are searched with them, exactly as the chat
searches. The ranker weights and the abstention model are then fitted on those out-of-fold
signals (stacking), so they learn how the signals behave on questions the adapter has never
seen, which is what a visitor's question is. Finally the adapter and the bank are refitted on
every question.

`cross_validate` wraps the whole procedure in an outer split, for `python -m bot eval --cv K`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from . import abstention, companions
from .adapter import AdapterSettings, fit_linear_ranker, train_adapter, unit
from .config import Settings
from .embedding import Embedder
from .index import StoredIndex
from .querymodel import QueryModel
from .questions import Labelled, paraphrase_folds
from .retrieval import CHUNK_FEATURES, Retriever, Search

log = logging.getLogger(__name__)

FOLDS = 5


@dataclass(frozen=True)
class Prepared:
    """Bank questions as the chat would search them: resolved, spell-corrected and embedded once."""

    questions: list[Labelled]
    texts: list[str]
    vectors: np.ndarray  # raw model vectors of `texts`
    ask_vectors: np.ndarray  # raw model vectors of their asking sentences (bot/reading.py), else of `texts`

    def query_vectors(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """(question, asking sentences) vectors of row i, as `Retriever.run` takes them: one array when all ask."""
        raw = self.vectors[i]
        return raw, (raw if np.array_equal(self.ask_vectors[i], raw) else self.ask_vectors[i])

    def subset(self, rows: Sequence[int]) -> Prepared:
        rows = list(rows)
        return Prepared([self.questions[i] for i in rows], [self.texts[i] for i in rows], self.vectors[rows],
                        self.ask_vectors[rows])


def prepare(index: StoredIndex, embedder: Embedder, questions: Sequence[Labelled], settings: Settings) -> Prepared:
    plain = Retriever(index, embedder, untrained(index), settings)
    queries = [plain.prepare(plain.resolve(q.question).text) for q in questions]
    texts = [q.search_text for q in queries]
    asks = [(i, q.ask_text) for i, q in enumerate(queries) if q.ask_text is not None]
    vectors = embedder.embed(texts + [a for _, a in asks]) if texts else np.zeros((0, index.dim), np.float32)
    ask_vectors = vectors[: len(texts)].copy()
    for row, (i, _) in enumerate(asks):
        ask_vectors[i] = vectors[len(texts) + row]
    return Prepared(list(questions), texts, vectors[: len(texts)], ask_vectors)


def untrained(index: StoredIndex) -> QueryModel:
    return QueryModel.untrained(index.dim, abstention.default_abstention(), len(CHUNK_FEATURES))


def _passages(index: StoredIndex) -> np.ndarray:
    return np.stack([index.chunk_vector(i) for i in range(len(index.chunks))]).astype(np.float32)


def _positive_mask(questions: Sequence[Labelled], n_chunks: int) -> np.ndarray:
    mask = np.zeros((len(questions), n_chunks), dtype=np.float32)
    for row, q in enumerate(questions):
        mask[row, list(q.positives)] = 1
    return mask


def _labelled_docs(index: StoredIndex, questions: Sequence[Labelled]) -> set[str]:
    """The documents some of these questions are answered from."""
    return {index.chunks[c].doc for q in questions for c in q.positives}


def _partial_model(index: StoredIndex, prepared: Prepared, rows: np.ndarray, ranker: tuple[float, ...],
                   passages: np.ndarray, settings: AdapterSettings) -> QueryModel:
    """Adapter and bank from the given rows only (ranker and abstention supplied or default).

    The adapter contrasts passages of the documents the questions are about, only: a document with
    no labelled questions must not be learned as "never the answer".
    """
    questions = [prepared.questions[i] for i in rows]
    answerable = np.array([q.answerable for q in questions], dtype=bool)
    vectors = prepared.vectors[rows]
    labelled_docs = _labelled_docs(index, questions)
    columns = [i for i, c in enumerate(index.chunks) if c.doc in labelled_docs]
    mask = _positive_mask(questions, len(passages))[:, columns]
    adapter = train_adapter(vectors[answerable], mask[answerable], passages[columns], settings)
    # The scope classifier reads a question's asking sentences too (bot/reading.py): learned on both.
    asks = prepared.ask_vectors[rows]
    told = np.any(asks != vectors, axis=1)
    coef, bias = fit_scope(np.concatenate([vectors, asks[told]]), np.concatenate([answerable, answerable[told]]))
    base = untrained(index)
    return QueryModel(adapter, unit(vectors @ adapter.T).astype(np.float32), tuple(q.positives for q in questions),
                      tuple(q.sentences for q in questions), coef, bias, ranker, ranker, base.abstention,
                      bank_ask_vectors=unit(asks @ adapter.T).astype(np.float32))


#: Inverse L2 strength of the scope classifier: 10 of (0.3, 1, 3, 10), by 5-fold CV of the stacked
#: abstention on the bank (docs/quality.md).
SCOPE_C = 10.0


def fit_scope(vectors: np.ndarray, answerable: np.ndarray) -> tuple[np.ndarray, float]:
    """Logistic regression on raw question vectors: answerable (1) or off-topic (0)."""
    from sklearn.linear_model import LogisticRegression

    if len(set(answerable.tolist())) < 2:
        return np.zeros(vectors.shape[1], np.float32), 0.0
    model = LogisticRegression(C=SCOPE_C, max_iter=2000).fit(vectors, answerable.astype(int))
    return model.coef_[0].astype(np.float32), float(model.intercept_[0])


def _without_unknown_off_topic(index: StoredIndex, prepared: Prepared) -> Prepared:
    """Drop off-topic questions that a document without labelled questions may answer.

    "Off-topic" was said of the documents there were when the question was labelled: a question
    closer to a passage of a document that has no labelled questions than to any labelled document's
    passage ("can stress give me a headache?" once a headache explainer is dropped in) is unknown,
    not off-topic. With every document labelled, nothing is dropped.
    """
    labelled_docs = _labelled_docs(index, prepared.questions)
    if not labelled_docs or labelled_docs == {c.doc for c in index.chunks}:
        return prepared
    passages = _passages(index)
    in_labelled = np.array([c.doc in labelled_docs for c in index.chunks])
    similarity = prepared.vectors @ passages.T
    closer_elsewhere = similarity[:, ~in_labelled].max(axis=1) > similarity[:, in_labelled].max(axis=1)
    keep = [i for i, q in enumerate(prepared.questions) if q.answerable or not closer_elsewhere[i]]
    if len(keep) < len(prepared.questions):
        log.info("%d off-topic questions are closer to documents without labelled questions; not used.",
                 len(prepared.questions) - len(keep))
    return prepared.subset(keep)


def _search_all(index: StoredIndex, embedder: Embedder, model: QueryModel, prepared: Prepared, rows: np.ndarray,
                settings: Settings) -> list[Search]:
    """The rows' questions searched as the chat searches them, top_k passages each."""
    retriever = Retriever(index, embedder, model, settings)
    return [retriever.run(prepared.texts[i], settings.top_k, vectors=prepared.query_vectors(i)) for i in rows]


def fit_query_model(index: StoredIndex, embedder: Embedder, prepared: Prepared, settings: Settings,
                    folds: int = FOLDS, adapter_settings: AdapterSettings | None = None, seed: int = 0) -> QueryModel:
    """The query model for this index, fitted on `prepared` (stacked out-of-fold, then refitted on all)."""
    adapter_settings = adapter_settings or AdapterSettings()
    prepared = _without_unknown_off_topic(index, prepared)
    questions = prepared.questions
    labels = np.array([q.answerable for q in questions], dtype=int)
    if len(questions) < folds or len(set(labels.tolist())) < 2:
        log.warning("Too few labelled questions (%d; both answerable and off-topic are needed): the bot "
                    "uses the untrained query model and the shipped default abstention.", len(questions))
        return untrained(index)
    passages = _passages(index)
    fold_of = paraphrase_folds(prepared.vectors, folds, seed)
    default_ranker = untrained(index).ranker
    fold_models = {}
    searches: list[Search | None] = [None] * len(questions)
    for fold in range(folds):
        train, held = np.flatnonzero(fold_of != fold), np.flatnonzero(fold_of == fold)
        fold_models[fold] = _partial_model(index, prepared, train, default_ranker, passages, adapter_settings)
        searched = _search_all(index, embedder, fold_models[fold], prepared, held, settings)
        for i, search in zip(held, searched, strict=True):
            searches[i] = search
    features, targets = [], []
    for q, search in zip(questions, searches, strict=True):
        if q.answerable:
            features.append(np.array([h.features for h in search.scored]))
            targets.append(np.array([h.position in q.positives for h in search.scored], dtype=float))
    ranker = tuple(float(w) for w in fit_linear_ranker(features, targets))
    unlabelled_ranker, unlabelled_report = _fit_unlabelled_ranker(index, embedder, prepared, settings, fold_of, ranker)
    # Second pass with the fitted ranker: the abstention signals as the chat will measure them.
    x = np.zeros((len(questions), len(abstention.FEATURES)))
    top_hits = np.zeros(len(questions), dtype=bool)
    joins, joined = [], []  # the passages after the best one, and whether they answer too
    for fold in range(folds):
        held = np.flatnonzero(fold_of == fold)
        model = replace(fold_models[fold], ranker=ranker, unlabelled_ranker=unlabelled_ranker)
        searched = _search_all(index, embedder, model, prepared, held, settings)
        for i, search in zip(held, searched, strict=True):
            x[i] = abstention.features(search)
            top_hits[i] = bool(search.hits) and search.hits[0].position in questions[i].positives
            if top_hits[i]:  # what joins a right first passage (a wrong one is not quoted with confidence)
                joins.append(companions.features(search.scored))
                joined += [h.position in questions[i].positives for h in search.scored[1 : companions.CONSIDERED + 1]]
    abstain_model, abstain_report = abstention.calibrate(x, labels, fold_of,
                                                         np.array([q.partly_covered for q in questions]))
    companion_weights = companions.fit(np.concatenate(joins) if joins else np.zeros((0, len(companions.FEATURES))),
                                       np.array(joined, dtype=int))
    final = _partial_model(index, prepared, np.arange(len(questions)), ranker, passages, adapter_settings)
    report = {
        "questions": len(questions), "answerable": int(labels.sum()), "folds": folds,
        "sources": sorted({q.source for q in questions}),
        "cv_hit_at_1": round(float(top_hits[labels == 1].mean()), 4),
        "ranker": dict(zip(CHUNK_FEATURES, (round(w, 3) for w in ranker), strict=True)),
        "adapter": {"temperature": adapter_settings.temperature, "l2": adapter_settings.l2,
                    "steps": adapter_settings.steps, "learning_rate": adapter_settings.learning_rate,
                    "distance_from_identity": round(float(np.linalg.norm(final.adapter - np.eye(index.dim))), 3)},
        "abstention": abstain_report,
        "unlabelled_ranker": unlabelled_report,
        "companions": dict(zip((*companions.FEATURES, "bias"), (round(w, 3) for w in companion_weights),
                               strict=False)),
    }
    return replace(final, unlabelled_ranker=unlabelled_ranker, abstention=abstain_model, report=report,
                   companions=companion_weights)


def _fit_unlabelled_ranker(index: StoredIndex, embedder: Embedder, prepared: Prepared, settings: Settings,
                           fold_of: np.ndarray, ranker: tuple[float, ...]) -> tuple[tuple[float, ...], dict]:
    """Ranker weights for the passages of a document no bank question is about.

    Such a passage is scored on the question's own vector, with its own cosine standing in for the
    neighbour evidence it cannot have (bot/retrieval.py); the labelled ranker never saw signals of
    that kind, and on them it leans on the adapted cosine where the best sentence and the words
    matter more. The bank's answerable questions searched with the untrained model, which treats
    every document so, give those signals for the passages of their answer's document. Nothing in them was
    fitted (no adapter, no bank), so they need no out-of-fold search; the weights are checked
    out-of-fold over the same paraphrase folds, and kept only when they order better there than the
    labelled ranker does on the same signals (else that ranker serves both kinds of passage).
    """
    if _labelled_docs(index, prepared.questions) == {c.doc for c in index.chunks}:
        # Every document has labelled questions: no passage will be scored this way in this index
        # (a document added later makes it stale, and its rebuild fits these weights).
        return ranker, {"chosen": "labelled ranker", "reason": "every document has labelled questions"}
    rows = np.flatnonzero([q.answerable for q in prepared.questions])
    searches = _search_all(index, embedder, untrained(index), prepared, rows, settings)
    features, targets = [], []
    for i, search in zip(rows, searches, strict=True):
        # The lists are the answer's own document: these weights order the passages of one document
        # (the labelled documents' passages are scored by the other ranker beside them).
        docs = {index.chunks[c].doc for c in prepared.questions[i].positives}
        hits = [h for h in search.scored if h.chunk.doc in docs]
        features.append(np.array([h.features for h in hits]).reshape(len(hits), len(CHUNK_FEATURES)))
        targets.append(np.array([h.position in prepared.questions[i].positives for h in hits], dtype=float))

    def top_is_right(weights: np.ndarray, j: int) -> bool:
        return len(features[j]) > 0 and bool(targets[j][int(np.argmax(features[j] @ weights))])

    out_of_fold = []
    for fold in np.unique(fold_of[rows]):
        train = [j for j, i in enumerate(rows) if fold_of[i] != fold]
        weights = fit_linear_ranker([features[j] for j in train], [targets[j] for j in train])
        out_of_fold += [top_is_right(weights, j) for j, i in enumerate(rows) if fold_of[i] == fold]
    fitted = tuple(float(w) for w in fit_linear_ranker(features, targets))
    cv_hit = float(np.mean(out_of_fold)) if out_of_fold else 0.0
    labelled_hit = float(np.mean([top_is_right(np.array(ranker), j) for j in range(len(rows))])) if len(rows) else 0.0
    chosen = fitted if cv_hit > labelled_hit else ranker  # kept only where it orders better out-of-fold
    return chosen, {
        "weights": dict(zip(CHUNK_FEATURES, (round(w, 3) for w in chosen), strict=True)),
        "cv_hit_at_1": round(cv_hit, 4), "labelled_ranker_hit_at_1": round(labelled_hit, 4),
        "chosen": "fitted" if chosen is fitted else "labelled ranker",
    }


def cross_validate(index: StoredIndex, embedder: Embedder, bank: Sequence[Labelled], asked: Sequence[str],
                   answer: Callable[[QueryModel, list[int]], None], settings: Settings, folds: int = FOLDS,
                   seed: int = 1) -> np.ndarray:
    """Outer K-fold over the bank plus the `asked` questions: each fold's model is fitted without the
    fold's bank questions, and `answer(model, positions)` answers the `asked` questions of that fold.

    `asked` questions that reword a bank question (cosine ≥ 0.8) fall in its fold, so none is answered
    by a model fitted on itself or its paraphrase. Returns the fold of each asked question.
    """
    plain = Retriever(index, embedder, untrained(index), settings)
    asked_texts = [plain.prepare(plain.resolve(q).text).search_text for q in asked]
    prepared = prepare(index, embedder, bank, settings)
    asked_vectors = embedder.embed(asked_texts) if asked_texts else np.zeros((0, index.dim), np.float32)
    everything = np.concatenate([prepared.vectors, asked_vectors]) if len(asked_vectors) else prepared.vectors
    fold_of = paraphrase_folds(everything, folds, seed)
    bank_fold, asked_fold = fold_of[: len(bank)], fold_of[len(bank) :]
    for fold in range(folds):
        model = fit_query_model(index, embedder, prepared.subset(np.flatnonzero(bank_fold != fold)), settings)
        answer(model, [int(i) for i in np.flatnonzero(asked_fold == fold)])
    return asked_fold


def fit_untrained_abstention(index: StoredIndex, embedder: Embedder, prepared: Prepared, settings: Settings,
                             seed: int = 0) -> tuple[abstention.AbstentionModel, dict]:
    """The abstention model for corpora without labelled questions (bot/data/abstention_default.json).

    Fitted on this bank's questions searched with the untrained query model (identity adapter, no
    neighbours), so its signals are those such a corpus will measure. Regenerate with:
    `python -c "from bot.fitting import write_default_abstention; write_default_abstention()"`.
    """
    model = untrained(index)
    rows = np.arange(len(prepared.questions))
    x = np.stack([abstention.features(s) for s in _search_all(index, embedder, model, prepared, rows, settings)])
    y = np.array([q.answerable for q in prepared.questions], dtype=int)
    return abstention.calibrate(x, y, paraphrase_folds(prepared.vectors, FOLDS, seed))


def write_default_abstention() -> None:
    import json
    from importlib import resources

    from .index import load_index
    from .questions import load_bank

    settings = Settings.for_repo()
    index = load_index(settings)
    embedder = Embedder(settings.model)
    model, report = fit_untrained_abstention(index, embedder, prepare(index, embedder, load_bank(
        settings.corpus_dir, index.chunks), settings), settings)
    path = resources.files("bot").joinpath("data/abstention_default.json")
    Path(str(path)).write_text(json.dumps(model.to_dict(), indent=1) + "\n", encoding="utf-8")
    log.warning("Wrote %s: %s", path, report)
