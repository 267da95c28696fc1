"""Which passages join the best one in an answer: one quote for a pointed question, several for a broad one.

"Does ice help?" is answered by one bullet; "I hurt my back, what should I do?" by the article's
first-line treatments (move around, ice, heat), and "why do people get these?" by its causes. A
labelled bank question names every passage that answers it, so whether a passage ranked after the
best one also answers is learned: a logistic regression over how it stands beside the best passage
(its score gap, whether it is in the same section, the bank's evidence for it (from the whole
question or its ask, bot/reading.py) and its rank), fitted
on the bank's questions searched out-of-fold (bot/fitting.py). Passages it accepts are quoted too,
in article order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .retrieval import Hit

FEATURES = ("gap", "same_section", "neighbours", "rank")
#: Passages after the best one that are considered: beyond the answer's usual five, so a broad
#: question can be answered with a whole list (the article's longest has six items).
CONSIDERED = 8
#: A passage joins when the fitted P(it answers too) is at least this: joining a wrong passage and
#: leaving out a right one cost the same.
JOIN_PROBABILITY = 0.5


def features(hits: Sequence[Hit]) -> np.ndarray:
    """Per hit after the first (of the CONSIDERED best), its signals beside the first (rows in FEATURES order)."""
    hits = hits[: CONSIDERED + 1]
    if len(hits) < 2:
        return np.zeros((0, len(FEATURES)))
    best = hits[0]
    section = (best.chunk.doc, best.chunk.section_label)
    return np.array([
        (best.score - h.score, float((h.chunk.doc, h.chunk.section_label) == section),
         max(h.feature("neighbours"), h.feature("ask_neighbours")), float(rank))
        for rank, h in enumerate(hits[1:], start=1)
    ])


def fit(x: np.ndarray, y: np.ndarray) -> tuple[float, ...]:
    """(weights…, bias) of P(a passage answers too), on raw signals; () when there is nothing to learn from."""
    from sklearn.linear_model import LogisticRegression

    if len(set(y.tolist())) < 2:
        return ()
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    model = LogisticRegression(C=1.0, max_iter=1000).fit((x - mean) / scale, y)
    weights = model.coef_[0] / scale  # folded back onto the raw signals
    bias = float(model.intercept_[0] - np.dot(weights, mean))
    return (*(float(w) for w in weights), bias)


def joining(hits: Sequence[Hit], weights: tuple[float, ...]) -> list[Hit]:
    """The best hit and those the model says answer too, in article order (the best one alone without a model)."""
    if not hits:
        return []
    if not weights or len(hits) < 2:
        return [hits[0]]
    z = features(hits) @ np.array(weights[:-1]) + weights[-1]
    joined = [h for h, p in zip(hits[1 : CONSIDERED + 1], 1 / (1 + np.exp(-z)), strict=True) if p >= JOIN_PROBABILITY]
    return sorted([hits[0], *joined], key=lambda h: h.position)
