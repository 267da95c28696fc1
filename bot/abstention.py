"""Whether the corpus answers a question: a calibrated decision from several signals, not one cosine.

One similarity threshold cannot separate "how do I treat a migraine?" (close to the treatment
bullets) from "can ignoring it make things worse?" (far from every passage, yet answered). So the
decision combines what retrieval measured with what the question is *about*:

- fused, dense, sentence: the best passage's scores (bot.retrieval);
- topic: the question's cosine with the closest document title;
- coverage: the share of the question's content words that the corpus uses (stemmed);
- foreign: whether the question names a body part, condition or medicine (bot/data/health_terms.txt)
  that the corpus never mentions;
- lexical: the best raw BM25 score (log-scaled).

A logistic regression over these signals gives P(answerable). Its weights and the refusal threshold
come from `calibrate()`: k-fold cross-validation on labelled questions (`corpus/calibration/*.jsonl`),
choosing the threshold on out-of-fold probabilities, then refitting on all of them. The result is
stored in the index manifest, so it is rebuilt with the index and never tuned question by question.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from .retrieval import Retriever, Search, _stem, content_words, words

FEATURES = ("fused", "dense", "sentence", "topic", "coverage", "foreign", "lexical")
#: Refusing an answerable question costs this many wrongly answered off-topic ones when the
#: threshold is chosen: a health bot should rather say "not covered" than quote the wrong thing,
#: but must not stonewall the questions it can answer.
IN_SCOPE_REFUSAL_COST = 2.0
HIGH_CONFIDENCE = 0.9  # P(answerable) at or above this is shown as "high"


@lru_cache(maxsize=1)
def health_terms() -> tuple[frozenset[str], tuple[tuple[str, ...], ...]]:
    """Single-word terms (stemmed) and multi-word phrases (stemmed word tuples) of the lexicon."""
    lines = resources.files("bot").joinpath("data/health_terms.txt").read_text(encoding="utf-8").splitlines()
    terms = [line.strip().lower() for line in lines if line.strip() and not line.startswith("#")]
    singles = frozenset(_stem(t) for t in terms if " " not in t)
    phrases = tuple(tuple(_stem(w) for w in words(t)) for t in terms if " " in t)
    return singles, phrases


def features(search: Search, retriever: Retriever) -> np.ndarray:
    """The abstention signals for one search, in FEATURES order."""
    hits = search.hits
    top = max(hits, key=lambda h: h.score) if hits else None
    asked = [_stem(w) for w in content_words(search.query.search_text)]
    stems = retriever.corpus_stems
    coverage = sum(1 for w in asked if w in stems) / len(asked) if asked else 0.0
    return np.array([
        top.score if top else 0.0,
        max((h.dense for h in hits), default=0.0),
        max((h.sentence for h in hits), default=0.0),
        max((h.title for h in hits), default=0.0),
        coverage,
        float(bool(foreign_terms(search.query.search_text, stems))),
        math.log1p(max(search.lexical_top, 0.0)),
    ], dtype=np.float64)


def foreign_terms(text: str, corpus_stems: frozenset[str]) -> list[str]:
    """Body parts, conditions or medicines the question names and the corpus never mentions."""
    singles, phrases = health_terms()
    stemmed = [_stem(w) for w in words(text)]
    found = [w for w in stemmed if w in singles and w not in corpus_stems]
    for phrase in phrases:
        n = len(phrase)
        if any(tuple(stemmed[i : i + n]) == phrase for i in range(len(stemmed) - n + 1)):
            if not all(w in corpus_stems for w in phrase):
                found.append(" ".join(phrase))
    return found


@dataclass(frozen=True)
class AbstentionModel:
    """Logistic regression over standardised signals, with the refusal threshold it was calibrated to."""

    weights: tuple[float, ...]
    bias: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    threshold: float
    features: tuple[str, ...] = FEATURES

    def probability(self, x: np.ndarray) -> float:
        """P(the corpus answers the question)."""
        z = (np.asarray(x) - np.array(self.mean)) / np.array(self.scale)
        return float(1 / (1 + np.exp(-(z @ np.array(self.weights) + self.bias))))

    def decide(self, x: np.ndarray) -> tuple[bool, str, float]:
        """(abstain, confidence band, probability)."""
        p = self.probability(x)
        if p < self.threshold:
            return True, "low", p
        return False, "high" if p >= max(HIGH_CONFIDENCE, self.threshold) else "medium", p

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> AbstentionModel:
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1.0, threshold: float = 0.5) -> AbstentionModel:
    """Fit P(answerable) by Newton's method on standardised features with an L2 penalty."""
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    penalty = np.diag([l2] * (z.shape[1] - 1) + [0.0])
    for _ in range(50):
        p = 1 / (1 + np.exp(-(z @ w)))
        gradient = z.T @ (p - y) + penalty @ w
        hessian = (z * (p * (1 - p))[:, None]).T @ z + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return AbstentionModel(tuple(w[:-1]), float(w[-1]), tuple(mean), tuple(scale), threshold)


def choose_threshold(p: np.ndarray, y: np.ndarray) -> float:
    """The threshold with the lowest cost on out-of-fold probabilities (mid-point between cases)."""
    candidates = np.unique(np.concatenate([[0.0, 1.0], p]))
    best, best_cost = 0.5, math.inf
    for low, high in zip(candidates[:-1], candidates[1:]):
        t = (low + high) / 2
        refused_in = np.mean(p[y == 1] < t) if (y == 1).any() else 0.0
        answered_out = np.mean(p[y == 0] >= t) if (y == 0).any() else 0.0
        cost = IN_SCOPE_REFUSAL_COST * refused_in + answered_out
        if cost < best_cost - 1e-12:
            best, best_cost = t, cost
    return float(best)


def calibrate(x: np.ndarray, y: np.ndarray, folds: int = 5, seed: int = 0) -> tuple[AbstentionModel, dict]:
    """Cross-validated calibration: out-of-fold probabilities pick the threshold, then a refit on all."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y))
    fold_of = np.empty(len(y), dtype=int)
    fold_of[order] = np.arange(len(y)) % folds
    out_of_fold = np.empty(len(y))
    for fold in range(folds):
        train = fold_of != fold
        out_of_fold[~train] = [fit(x[train], y[train]).probability(row) for row in x[~train]]
    threshold = choose_threshold(out_of_fold, y)
    model = fit(x, y, threshold=threshold)
    report = {
        "questions": int(len(y)), "answerable": int(y.sum()), "folds": folds, "threshold": round(threshold, 4),
        "cv_refused_in_scope": round(float(np.mean(out_of_fold[y == 1] < threshold)), 4),
        "cv_refused_out_of_scope": round(float(np.mean(out_of_fold[y == 0] < threshold)), 4),
        "weights": dict(zip(FEATURES, (round(w, 3) for w in model.weights))),
    }
    return model, report
