"""What the bot learned from its labelled question bank, stored with the index it was fitted to.

- `adapter`: d×d matrix applied to a question's vector (bot/adapter.py);
- `bank_vectors` / `bank_positives` / `bank_sentences`: the bank's questions (adapted, unit length),
  the chunk positions that answer each (none for an off-topic one) and the sentences holding the
  evidence: nearest-neighbour evidence at serving time, for passages and for the quote;
- `scope_coef` / `scope_bias`: a logistic regression on the question's own vector, fitted on the
  bank's answerable and off-topic questions: how much a question looks like those the corpus answers;
- `ranker`: weights of the per-passage signals (retrieval.CHUNK_FEATURES);
- `unlabelled_ranker`: the weights for passages of a document no bank question is about, whose
  signals come from the model's own vector and have no neighbour evidence (bot/fitting.py);
- `abstention`: when to say "the article does not cover this" (bot/abstention.py);
- `companions`: which passages ranked after the best one are quoted with it (bot/companions.py).

A corpus with no labelled questions gets `QueryModel.untrained`: the identity adapter, no bank,
ranking by the adapted cosine alone, and the shipped default abstention model; the build logs it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np

from .abstention import UNTRAINED_DENSE_WEIGHT, AbstentionModel


@dataclass(frozen=True, eq=False)
class QueryModel:
    adapter: np.ndarray  # (d, d) float32
    bank_vectors: np.ndarray  # (B, d) float32, adapted unit vectors of the bank's questions
    bank_positives: tuple[tuple[int, ...], ...]  # chunk positions answering each; () when off-topic
    bank_sentences: tuple[tuple[int, ...], ...]  # sentence rows holding each one's evidence
    scope_coef: np.ndarray  # (d,) float32
    scope_bias: float
    ranker: tuple[float, ...]
    unlabelled_ranker: tuple[float, ...]
    abstention: AbstentionModel
    report: dict = field(default_factory=dict)
    companions: tuple[float, ...] = ()  # (weights…, bias); () quotes the best passage alone
    # (B, d) float32: the bank questions' asking sentences, adapted (bot/reading.py; the question's own
    # vector when it is all ask), for comparing what a question asks with what the bank's asked.
    bank_ask_vectors: np.ndarray | None = None

    @property
    def asks(self) -> np.ndarray:
        return self.bank_vectors if self.bank_ask_vectors is None else self.bank_ask_vectors

    @classmethod
    def untrained(cls, dim: int, abstention: AbstentionModel, n_features: int) -> QueryModel:
        ranker = (UNTRAINED_DENSE_WEIGHT,) + (0.0,) * (n_features - 1)
        return cls(np.eye(dim, dtype=np.float32), np.zeros((0, dim), np.float32), (), (),
                   np.zeros(dim, np.float32), 0.0, ranker, ranker, abstention,
                   {"source": "untrained: no labelled questions in corpus/questions/"})

    def in_scope(self, raw: np.ndarray) -> float:
        """P(answerable) from the question's own vector alone (0.5 when untrained)."""
        return float(1 / (1 + np.exp(-(float(self.scope_coef @ raw) + self.scope_bias))))

    @property
    def answerable_rows(self) -> np.ndarray:
        return np.array([bool(p) for p in self.bank_positives], dtype=bool)

    def to_bytes(self) -> bytes:
        """The arrays, as an .npz (no pickle); the small parts go in the manifest (`manifest_entry`)."""
        lengths, flat = _ragged(self.bank_positives)
        sentence_lengths, sentence_flat = _ragged(self.bank_sentences)
        buffer = io.BytesIO()
        np.savez(buffer, adapter=self.adapter.astype(np.float32), bank_vectors=self.bank_vectors.astype(np.float32),
                 positive_lengths=lengths, positives=flat, sentence_lengths=sentence_lengths,
                 sentences=sentence_flat, scope_coef=self.scope_coef.astype(np.float32),
                 bank_ask_vectors=self.asks.astype(np.float32))
        return buffer.getvalue()

    def manifest_entry(self) -> dict:
        return {"ranker": list(self.ranker), "unlabelled_ranker": list(self.unlabelled_ranker),
                "scope_bias": self.scope_bias, "abstention": self.abstention.to_dict(),
                "companions": list(self.companions), "report": self.report}

    @classmethod
    def from_parts(cls, data: bytes, entry: dict) -> QueryModel:
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            positives = _unragged(arrays["positive_lengths"], arrays["positives"])
            sentences = _unragged(arrays["sentence_lengths"], arrays["sentences"])
            return cls(arrays["adapter"].astype(np.float32), arrays["bank_vectors"].astype(np.float32), positives,
                       sentences,
                       arrays["scope_coef"].astype(np.float32), float(entry["scope_bias"]),
                       tuple(float(w) for w in entry["ranker"]),
                       tuple(float(w) for w in entry["unlabelled_ranker"]),
                       AbstentionModel.from_dict(entry["abstention"]),
                       entry.get("report", {}), tuple(float(w) for w in entry["companions"]),
                       arrays["bank_ask_vectors"].astype(np.float32))


def _ragged(rows: tuple[tuple[int, ...], ...]) -> tuple[np.ndarray, np.ndarray]:
    return (np.array([len(r) for r in rows], dtype=np.int64),
            np.array([i for r in rows for i in r], dtype=np.int64))


def _unragged(lengths: np.ndarray, flat: np.ndarray) -> tuple[tuple[int, ...], ...]:
    values = flat.tolist()
    starts = np.concatenate([[0], np.cumsum(lengths)]).astype(int).tolist()
    return tuple(tuple(values[starts[i] : starts[i + 1]]) for i in range(len(lengths)))
