"""A linear query adapter: a d×d matrix that moves people's questions towards the passages that answer them.

Why: all-MiniLM-L6-v2 places "can I put a cold pack on it?" far from "Ice therapy can also prove to
be a good treatment": it was never taught that people and articles word the same thing differently.
Retraining the whole model costs ~90 MB per rebuild in the repository and fitted worse here; a
matrix applied to the question's vector (passages keep their stored vectors) learns the rewording
from the labelled question bank in about a second, in numpy, and costs one 384×384 product per
question at serving time.

Training: identity start, softmax over every passage with the labelled passages as positives,
and an L2 pull towards the identity so questions unlike any in the bank keep the model's own sense.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AdapterSettings:
    """Hyper-parameters, chosen by cross-validation on the bank (docs/quality.md)."""

    temperature: float = 0.05
    l2: float = 0.01
    steps: int = 200
    learning_rate: float = 0.003


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def train_adapter(questions: np.ndarray, positives: np.ndarray, passages: np.ndarray,
                  settings: AdapterSettings = AdapterSettings()) -> np.ndarray:
    """Fit W (d×d) so that unit(W q) is closest to q's positive passages.

    questions: N×d unit vectors; positives: N×C 0/1 mask; passages: C×d unit vectors.
    Full-batch Adam with hand-written gradients: the problem is small, and numpy keeps torch out.
    In float32, the precision of the vectors and of the stored W: float64 took 2.2× as long (two
    N×d×d products a step) for a W within 5e-7 of this one.
    """
    q = questions.astype(np.float32)
    p = passages.astype(np.float32)
    mask = positives.astype(np.float32)
    n, dim = q.shape
    identity = np.eye(dim, dtype=np.float32)
    w = identity.copy()
    if n == 0:
        return w.astype(np.float32)
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    beta1, beta2 = 0.9, 0.999
    for step in range(1, settings.steps + 1):
        x = q @ w.T
        length = np.linalg.norm(x, axis=1, keepdims=True)
        xu = x / length
        logits = xu @ p.T / settings.temperature
        logits -= logits.max(axis=1, keepdims=True)
        soft = np.exp(logits)
        soft /= soft.sum(axis=1, keepdims=True)
        target = soft * mask
        target /= target.sum(axis=1, keepdims=True)
        grad_logits = (soft - target) / n  # of −log P(a positive passage), averaged
        grad_xu = grad_logits @ p / settings.temperature
        grad_x = (grad_xu - xu * (grad_xu * xu).sum(axis=1, keepdims=True)) / length
        grad_w = grad_x.T @ q + 2 * settings.l2 * (w - identity)
        m = beta1 * m + (1 - beta1) * grad_w
        v = beta2 * v + (1 - beta2) * grad_w * grad_w
        w -= settings.learning_rate * (m / (1 - beta1**step)) / (np.sqrt(v / (1 - beta2**step)) + 1e-8)
    return w.astype(np.float32)


def fit_linear_ranker(features: list[np.ndarray], positives: list[np.ndarray], l2: float = 0.01,
                      steps: int = 300, learning_rate: float = 0.05) -> np.ndarray:
    """Weights w so that softmax(features @ w) puts its mass on the positive candidates.

    features: per question a (candidates × k) matrix; positives: per question a 0/1 vector.
    Questions none of whose positives are among their candidates teach nothing and are skipped.
    """
    rows = [(f, p) for f, p in zip(features, positives, strict=True) if len(f) and p.any()]
    k = features[0].shape[1] if features else 0
    w = np.zeros(k)
    if not rows:
        return w
    width = max(len(f) for f, _ in rows)
    f_all = np.zeros((len(rows), width, k))
    p_all = np.zeros((len(rows), width))
    valid = np.zeros((len(rows), width), dtype=bool)
    for i, (f, p) in enumerate(rows):
        f_all[i, : len(f)] = f
        p_all[i, : len(p)] = p
        valid[i, : len(f)] = True
    w[0] = 1.0 / AdapterSettings.temperature  # start from the adapted cosine alone
    m = np.zeros(k)
    v = np.zeros(k)
    for step in range(1, steps + 1):
        z = np.where(valid, f_all @ w, -np.inf)
        z -= z.max(axis=1, keepdims=True)
        soft = np.exp(z)
        soft /= soft.sum(axis=1, keepdims=True)
        target = soft * p_all
        target /= target.sum(axis=1, keepdims=True)
        grad = np.einsum("nc,nck->k", soft - target, f_all) / len(rows) + 2 * l2 * w
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad * grad
        w -= learning_rate * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return w
