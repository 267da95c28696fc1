"""Whether the corpus answers a question: a calibrated decision from several signals, not one cosine.

One similarity threshold cannot separate "how do I treat a migraine?" (close to the treatment
bullets) from "can ignoring it make things worse?" (far from every passage, yet answered). The
decision combines what retrieval measured (bot.retrieval.Search), none of it a count of the
question's words the article happens to use, so a person's own vocabulary is never held against them:

- score, dense, sentence, raw_dense: the best passage's fused score, adapted cosine, best sentence's
  adapted cosine, and the model's own cosine before the adapter;
- neighbour_answerable / neighbour_off_topic: the cosine of the closest answerable and the closest
  off-topic question of the labelled bank (corpus/questions/);
- in_scope: a logistic regression on the question's own vector, fitted on the same bank;
- topic: the adapted question's cosine with the closest document title.

A logistic regression over these gives P(answerable). It is fitted at build time on the bank's
questions with every signal measured out-of-fold (bot/fitting.py), and its refusal threshold is
chosen on out-of-fold probabilities; the result is stored in the index manifest.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .retrieval import Search

FEATURES = ("score", "dense", "sentence", "raw_dense", "neighbour_answerable", "neighbour_off_topic",
            "in_scope", "topic")
#: Refusing an answerable question costs this many wrongly answered off-topic ones when the
#: threshold is chosen: a health bot should rather say "not covered" than quote the wrong thing,
#: but must not stonewall the questions it can answer.
IN_SCOPE_REFUSAL_COST = 2.0


def features(search: Search) -> np.ndarray:
    """The abstention signals for one search, in FEATURES order."""
    hits = search.hits

    def best(name: str) -> float:
        return max((h.feature(name) for h in hits), default=0.0)

    return np.array([
        max((h.score for h in hits), default=0.0), best("dense"), best("sentence"), best("raw_dense"),
        search.neighbour_answerable, search.neighbour_off_topic, search.in_scope, search.topic,
    ], dtype=np.float64)


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

    def decide(self, x: np.ndarray, high_confidence: float) -> tuple[bool, str, float]:
        """(abstain, confidence band, probability); `high_confidence` is Settings.high_confidence."""
        p = self.probability(x)
        if p < self.threshold:
            return True, "low", p
        return False, "high" if p >= max(high_confidence, self.threshold) else "medium", p

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> AbstentionModel:
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


def fit(x: np.ndarray, y: np.ndarray, threshold: float = 0.5) -> AbstentionModel:
    """Fit P(answerable) on standardised signals: scikit-learn's L2 logistic regression (C=1)."""
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    if len(set(y.tolist())) < 2:
        raise ValueError("abstention needs both answerable and off-topic questions")
    model = LogisticRegression(C=1.0, max_iter=1000).fit((x - mean) / scale, y)
    return AbstentionModel(tuple(float(w) for w in model.coef_[0]), float(model.intercept_[0]), tuple(mean),
                           tuple(scale), threshold)


def choose_threshold(p: np.ndarray, y: np.ndarray) -> float:
    """The threshold with the lowest cost on out-of-fold probabilities (mid-point between cases)."""
    candidates = np.unique(np.concatenate([[0.0, 1.0], p]))
    best, best_cost = 0.5, math.inf
    for low, high in zip(candidates[:-1], candidates[1:], strict=True):
        t = (low + high) / 2
        refused_in = np.mean(p[y == 1] < t) if (y == 1).any() else 0.0
        answered_out = np.mean(p[y == 0] >= t) if (y == 0).any() else 0.0
        cost = IN_SCOPE_REFUSAL_COST * refused_in + answered_out
        if cost < best_cost - 1e-12:
            best, best_cost = t, cost
    return float(best)


def calibrate(x: np.ndarray, y: np.ndarray, fold_of: np.ndarray) -> tuple[AbstentionModel, dict]:
    """Cross-validated calibration: out-of-fold probabilities pick the threshold, then a refit on all.

    `x` must itself be measured out-of-fold (each question searched with a model that never saw it),
    or the neighbour signals would find every question in the bank.
    """
    out_of_fold = np.empty(len(y))
    for fold in np.unique(fold_of):
        train = fold_of != fold
        model = fit(x[train], y[train])
        out_of_fold[~train] = [model.probability(row) for row in x[~train]]
    threshold = choose_threshold(out_of_fold, y)
    model = fit(x, y, threshold=threshold)
    report = {
        "questions": int(len(y)), "answerable": int(y.sum()), "folds": int(len(np.unique(fold_of))),
        "threshold": round(threshold, 4),
        "cv_refused_in_scope": round(float(np.mean(out_of_fold[y == 1] < threshold)), 4),
        "cv_refused_out_of_scope": round(float(np.mean(out_of_fold[y == 0] < threshold)), 4),
        "weights": dict(zip(FEATURES, (round(w, 3) for w in model.weights), strict=False)),
    }
    return model, report


def default_abstention() -> AbstentionModel:
    """The abstention model for a corpus without labelled questions (bot/data/abstention_default.json)."""
    data = resources.files("bot").joinpath("data/abstention_default.json").read_text(encoding="utf-8")
    return AbstentionModel.from_dict(json.loads(data))
