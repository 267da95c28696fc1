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
- topic: the adapted question's cosine with the closest document title;
- ask_neighbour_answerable / ask_neighbour_off_topic / ask_in_scope: the bank and scope signals of
  the sentences that ask, when the question also tells a story (bot/reading.py): a story is never
  held against its question, and a question that asks something the article does not answer is
  read by what it asks.

A logistic regression over these gives P(answerable). It is fitted at build time on the bank's
questions with every signal measured out-of-fold (bot/fitting.py). Two thresholds, chosen on
out-of-fold probabilities, make three answers of it: below the first the bot refuses ("the
article does not cover this"); between them it answers as *partial* (the article talks about it
but does not answer it as asked: the closest quotes, said to be so); from the second it quotes
the answer. The result is stored in the index manifest.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, replace
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .retrieval import Search

FEATURES = ("score", "dense", "sentence", "raw_dense", "neighbour_answerable", "neighbour_off_topic",
            "in_scope", "topic", "ask_neighbour_answerable", "ask_neighbour_off_topic", "ask_in_scope", "vote",
            "ask_vote")
#: What each kind of mistake costs when the thresholds are chosen, in units of one question the
#: article does not answer quoted as if it did. Refusing a question the article answers costs
#: two: a health bot should rather say "not covered" than quote the wrong thing, but must not
#: stonewall. A partial answer shows the closest quotes under a hedge: to a question the article
#: answers that costs 0.4 (the hedge is wrong, the quotes are there); to one labelled "partly
#: covered" (the article talks about it without answering it) 0.15, honest and the closest quotes
#: help; to any other question it does not answer 0.5 (back-spasm quotes as "the closest it comes"
#: to a question about something else are noise: a refusal says it plainly). Set by judgement, not
#: fitted to any question set.
IN_SCOPE_REFUSAL_COST = 2.0
IN_SCOPE_PARTIAL_COST = 0.4
PARTLY_COVERED_PARTIAL_COST = 0.15
NOT_COVERED_PARTIAL_COST = 0.5
#: …and whatever the costs, at most this share of the questions the article answers is answered as
#: partial (out-of-fold): the real-questions issue allows 10% on lay questions; 8% leaves a margin.
PARTIAL_IN_SCOPE_MAX = 0.04


def features(search: Search) -> np.ndarray:
    """The abstention signals for one search, in FEATURES order (a model uses those it was fitted on)."""
    hits = search.hits

    def best(name: str) -> float:
        return max((h.feature(name) for h in hits), default=0.0)

    return np.array([
        max((h.score for h in hits), default=0.0), best("dense"), best("sentence"), best("raw_dense"),
        search.neighbour_answerable, search.neighbour_off_topic, search.in_scope, search.topic,
        search.ask_neighbour_answerable, search.ask_neighbour_off_topic, search.ask_in_scope, search.vote,
        search.ask_vote,
    ], dtype=np.float64)


def untrained_features(hits: list, topic: float) -> np.ndarray:
    """The signals an untrained model would measure for these hits (of documents without labelled questions).

    Their passages are scored on the question's own vector (bot/retrieval.py), so their cosines are
    what a corpus without labelled questions measures; with no bank, its neighbour signals are 0,
    its scope 0.5, its score the untrained ranker's (QueryModel.untrained) and its `topic` the
    question's own cosine with the closest title. The default model (`default_abstention`) was
    fitted on exactly such signals.
    """
    def best(name: str) -> float:
        return max((h.feature(name) for h in hits), default=0.0)

    values = {"score": UNTRAINED_DENSE_WEIGHT * best("raw_dense"), "dense": best("raw_dense"),
              "sentence": best("sentence"), "raw_dense": best("raw_dense"), "in_scope": 0.5, "ask_in_scope": 0.5,
              "vote": 0.5, "ask_vote": 0.5, "topic": topic}
    return np.array([values.get(name, 0.0) for name in FEATURES], dtype=np.float64)


#: The untrained ranker's weight on the cosine (QueryModel.untrained): its score is this times it.
UNTRAINED_DENSE_WEIGHT = 20.0


@dataclass(frozen=True)
class AbstentionModel:
    """Logistic regression over standardised signals, with the thresholds it was calibrated to.

    `threshold`: below it the question is refused; `full_threshold`: from it the quotes are the
    answer; between the two the answer is partial (a model without one never answers partially).
    """

    weights: tuple[float, ...]
    bias: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    threshold: float
    features: tuple[str, ...] = FEATURES
    full_threshold: float | None = None
    # The two thresholds for a question that tells a story around its ask (bot/reading.py), when
    # they were chosen apart (its probabilities are spread differently from a short question's).
    told_thresholds: tuple[float, float] | None = None

    def probability(self, x: np.ndarray) -> float:
        """P(the corpus answers the question), from the signals in FEATURES order."""
        x = np.asarray(x)
        if len(x) == len(FEATURES) and self.features != FEATURES:
            x = x[[FEATURES.index(name) for name in self.features]]
        z = (x - np.array(self.mean)) / np.array(self.scale)
        return float(1 / (1 + np.exp(-(z @ np.array(self.weights) + self.bias))))

    def decide(self, x: np.ndarray, high_confidence: float) -> tuple[str, str, float]:
        """(coverage "full" / "partial" / "none", confidence band, probability).

        `high_confidence` is Settings.high_confidence: the band of a full answer only.
        """
        p = self.probability(x)
        low, full = self.threshold, self.threshold if self.full_threshold is None else self.full_threshold
        if self.told_thresholds is not None and told(np.asarray(x)):
            low, full = self.told_thresholds
        if p < low:
            return "none", "low", p
        if p < full:
            return "partial", "low", p
        return "full", "high" if p >= max(high_confidence, full) else "medium", p

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> AbstentionModel:
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


def fit(x: np.ndarray, y: np.ndarray, threshold: float = 0.5, full_threshold: float | None = None) -> AbstentionModel:
    """Fit P(answerable) on standardised signals: scikit-learn's L2 logistic regression (C=1).

    `x` has a column per signal, in FEATURES order.
    """
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    if len(set(y.tolist())) < 2:
        raise ValueError("abstention needs both answerable and off-topic questions")
    model = LogisticRegression(C=1.0, max_iter=1000).fit((x - mean) / scale, y)
    return AbstentionModel(tuple(float(w) for w in model.coef_[0]), float(model.intercept_[0]), tuple(mean),
                           tuple(scale), threshold, FEATURES[: x.shape[1]], full_threshold)


_MAX_CANDIDATES = 500


def told(x: np.ndarray) -> bool | np.ndarray:
    """Whether the signals are of a question that tells a story around its ask (its ask's differ)."""
    return x[..., FEATURES.index("ask_in_scope")] != x[..., FEATURES.index("in_scope")]


def choose_thresholds(p: np.ndarray, y: np.ndarray, partial_in_max: float = 1.0,
                      partly: np.ndarray | None = None) -> tuple[float, float]:
    """(refuse below, full from): the pair with the lowest cost on out-of-fold probabilities.

    `partly` marks the questions labelled partly covered (the others the article does not answer
    are not covered at all). Candidates are mid-points between neighbouring probabilities; the
    costs are the module's.
    """
    partly = np.zeros(len(p), dtype=bool) if partly is None else np.asarray(partly, dtype=bool)
    values = np.unique(np.concatenate([[0.0, 1.0], p]))
    candidates = (values[:-1] + values[1:]) / 2
    if len(candidates) > _MAX_CANDIDATES:  # every pair is costed: keep it to a quarter-million
        candidates = candidates[np.linspace(0, len(candidates) - 1, _MAX_CANDIDATES).round().astype(int)]
    answerable = np.sort(p[y == 1])
    n_out = max(int((y == 0).sum()), 1)

    def share_below(sorted_p: np.ndarray, t: np.ndarray, n: int | None = None) -> np.ndarray:
        return np.searchsorted(sorted_p, t, side="left") / max(n or len(sorted_p), 1)

    below_in = share_below(answerable, candidates)
    # Shares of all the questions it does not answer, in each kind
    below_partly = share_below(np.sort(p[(y == 0) & partly]), candidates, n_out)
    below_none = share_below(np.sort(p[(y == 0) & ~partly]), candidates, n_out)
    below_out = below_partly + below_none
    low, high = np.meshgrid(np.arange(len(candidates)), np.arange(len(candidates)), indexing="ij")
    valid = high >= low
    refused_in = below_in[low]
    partial_in = below_in[high] - refused_in
    partial_partly, partial_none = below_partly[high] - below_partly[low], below_none[high] - below_none[low]
    answered_out = 1 - below_out[high]
    cost = (IN_SCOPE_REFUSAL_COST * refused_in + IN_SCOPE_PARTIAL_COST * partial_in
            + PARTLY_COVERED_PARTIAL_COST * partial_partly + NOT_COVERED_PARTIAL_COST * partial_none + answered_out)
    cost = np.where(valid & (partial_in <= partial_in_max), cost, math.inf)
    best = np.unravel_index(int(np.argmin(cost)), cost.shape)
    return float(candidates[low[best]]), float(candidates[high[best]])


def calibrate(x: np.ndarray, y: np.ndarray, fold_of: np.ndarray,
              partly: np.ndarray | None = None) -> tuple[AbstentionModel, dict]:
    """Cross-validated calibration: out-of-fold probabilities pick the thresholds, then a refit on all.

    Questions that tell a story around their ask get thresholds of their own: their probabilities
    are spread differently (signals of a long text; many of their not-covered ones are partly
    covered), and a partial answer suits them; short ones keep partial answers to
    PARTIAL_IN_SCOPE_MAX of those the article answers. `x` must itself be measured
    out-of-fold (each question searched with a model that never saw it), or the neighbour signals
    would find every question in the bank.
    """
    out_of_fold = np.empty(len(y))
    for fold in np.unique(fold_of):
        train = fold_of != fold
        model = fit(x[train], y[train])
        out_of_fold[~train] = [model.probability(row) for row in x[~train]]
    story = told(x) if x.shape[1] == len(FEATURES) else np.zeros(len(y), dtype=bool)
    partly = np.zeros(len(y), dtype=bool) if partly is None else np.asarray(partly, dtype=bool)
    threshold, full_threshold = choose_thresholds(out_of_fold[~story], y[~story], PARTIAL_IN_SCOPE_MAX,
                                                  partly[~story])
    told_thresholds = (choose_thresholds(out_of_fold[story], y[story], partly=partly[story])
                       if story.sum() >= 20 else None)
    model = fit(x, y, threshold=threshold, full_threshold=full_threshold)
    model = replace(model, told_thresholds=told_thresholds)
    low = np.where(story, told_thresholds[0], threshold) if told_thresholds else np.full(len(y), threshold)
    full = np.where(story, told_thresholds[1], full_threshold) if told_thresholds else np.full(len(y), full_threshold)
    refused, partial = out_of_fold < low, (out_of_fold >= low) & (out_of_fold < full)
    inside, outside = y == 1, y == 0
    report = {
        "questions": int(len(y)), "answerable": int(y.sum()), "folds": int(len(np.unique(fold_of))),
        "threshold": round(threshold, 4), "full_threshold": round(full_threshold, 4),
        "told_thresholds": [round(t, 4) for t in told_thresholds] if told_thresholds else None,
        "told_questions": int(story.sum()),
        "cv_refused_in_scope": round(float(refused[inside].mean()), 4),
        "cv_partial_in_scope": round(float(partial[inside].mean()), 4),
        "cv_refused_out_of_scope": round(float(refused[outside].mean()), 4),
        "cv_honest_out_of_scope": round(float((refused | partial)[outside].mean()), 4),
        "weights": dict(zip(FEATURES, (round(w, 3) for w in model.weights), strict=False)),
    }
    return model, report


def default_abstention() -> AbstentionModel:
    """The abstention model for a corpus without labelled questions (bot/data/abstention_default.json)."""
    data = resources.files("bot").joinpath("data/abstention_default.json").read_text(encoding="utf-8")
    return AbstentionModel.from_dict(json.loads(data))
