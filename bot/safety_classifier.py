"""A learned second opinion on the warning signs, for what the phrasings of bot/safety_signs.py lack words for.

The phrasings read what their writer foresaw; each new round of phrasings written apart from them
still slips some past ("my bladder has been playing up, keep finding my pants damp"). A linear model over the
character n-grams and words of each sentence (typos and unseen wording share most of their
n-grams with seen ones), fitted on every labelled phrasing in tests/data/ both ways, gives each
sign a probability. bot/safety.py names a sign the phrasings have no words for at all when a
sentence reaches ADD and speaks of the sign's subject (its cue words: bladder, toilet, pee…) in a
clause that counts, as a phrasing's would (not denied, not long past, the back asked about).
Where the phrasings have words for a sign they decide, either way: the model knows words, not
who or when.

ADD (with the fit's regularisation) was chosen by leaving each written round out in turn
(`python -m benchmarks.warning_signs_classifier --cv`): at 0.8 the model names 319 of the 525
signs of rounds 4 to 10 out of fold, with no false alarm in 519, and, fitted on everything, a sign
in none of the bank's 2482 ordinary questions, which it is never fitted on; the cut of the passes
before, 0.7, now names 384 with 1 false alarm out of fold and 4 in the bank (docs/safety.md). Of the
980 ordinary questions added to the bank after 0.7 was chosen, it named a sign in 4 at first run:
osteoarthritis read as a fracture twice, pain worse lying down as night pain, and one night pain that
a notice is not wrong for. Fitted by
`python -m benchmarks.warning_signs_classifier --fit` into bot/data/safety_classifier.npz; a test
checks it was fitted on the phrasings as they are.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import cache
from importlib import resources

import numpy as np

from .safety_text import SENTENCE_BREAK

#: A sentence this sure names a sign the phrasings have no words for (chosen by leaving each round out, see above).
ADD = 0.8
#: Sentences scored at most: a pasted wall of text is read by the phrasings, not scored line by line.
MAX_SENTENCES = 12
MODEL = "data/safety_classifier.npz"

_WORDS = re.compile(r"\w\w+")


def features(text: str) -> list[str]:
    """The n-grams a text is scored on: 2-5 characters inside each word (with its edges), words, word pairs."""
    grams: list[str] = []
    for word in text.split():
        padded = f" {word} "
        for n in range(2, min(5, len(padded)) + 1):
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    words = _WORDS.findall(text)
    grams.extend("w:" + w for w in words)
    grams.extend(f"w:{a} {b}" for a, b in zip(words, words[1:], strict=False))
    return grams


def sentences(text: str) -> list[tuple[int, int]]:
    """Where the parts a question is scored in lie: each sentence, and the whole (a sign may span two)."""
    spans, start = [], 0
    for stop in SENTENCE_BREAK.finditer(text):
        if text[start : stop.start()].strip():
            spans.append((start, stop.start()))
        start = stop.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return [*spans[:MAX_SENTENCES], (0, len(text))] if len(spans) > 1 else [(0, len(text))]


class SignClassifier:
    """Multinomial logistic regression over sublinear TF-IDF n-grams, as fitted by scikit-learn."""

    def __init__(self, vocabulary: list[str], idf: np.ndarray, coef: np.ndarray, intercept: np.ndarray,
                 classes: list[str], fingerprint: str) -> None:
        self.index = {feature: i for i, feature in enumerate(vocabulary)}
        self.idf = idf.astype(np.float32)
        self.coef = coef.astype(np.float32)  # (features, classes)
        self.intercept = intercept.astype(np.float32)
        self.classes = classes
        self.fingerprint = fingerprint

    @classmethod
    def load(cls) -> SignClassifier:
        with resources.files("bot").joinpath(MODEL).open("rb") as file, np.load(file) as data:
            vocabulary = bytes(data["vocabulary"]).decode("utf-8").split("\n")
            return cls(vocabulary, data["idf"], data["coef"], data["intercept"],
                       bytes(data["classes"]).decode("utf-8").split("\n"), str(data["fingerprint"]))

    def probabilities(self, text: str) -> dict[str, float]:
        """Each class's probability for one sentence of a question (read: normalised, spell-corrected)."""
        return dict(zip(self.classes, self._probabilities(text).tolist(), strict=True))

    def _probabilities(self, text: str) -> np.ndarray:
        counts = Counter(i for f in features(text) if (i := self.index.get(f)) is not None)
        if not counts:
            scores = self.intercept
        else:
            rows = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            weights = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float32,
                                  count=len(counts)) * self.idf[rows]
            weights /= np.linalg.norm(weights)
            scores = weights @ self.coef[rows] + self.intercept
        scores = np.exp(scores - scores.max())
        return scores / scores.sum()


@cache
def classifier() -> SignClassifier:
    """The fitted model, loaded once per process."""
    return SignClassifier.load()
