"""The thing a question asks about that the article never mentions, in the person's own words.

A partial or refused answer says the article does not answer the question as asked; saying what it
lacks ("It does not mention “epidural”.") tells the person why, without a word of ours about the
topic. Two steps, so that what is claimed is always true:

1. **Candidates** are the question's words the corpus never uses: not the word, not its stem, not an
   inflection of a corpus word ("treated" ~ "treatment"), not a misspelling the speller corrects
   ("sympotms"), not a stop word misspelt or written without its apostrophe ("shoud", "whats"). "The article does not
   mention X" is then true of every candidate by construction.
2. **Which candidates name the thing asked about** ("epidural", "Vicodin", "inversion table") and
   which only tell the story ("Thursday", "wife", "upfront") is learned: a logistic regression over
   the word's own vector (the model's input table: a lookup, no encoding) and where it stands (in the
   asking sentences or the story, how far into the question, whether the model's vocabulary has it
   as one piece, its length), fitted on the bank's 666 written questions the article does not fully answer,
   each labelled with the words naming what it lacks (tests/data/unmentioned_words.jsonl), by
   `python -m benchmarks.unmentioned_words --fit`.

The regularisation and the cut-off are chosen for the most questions named at 90% named right,
out-of-fold. Measured by nested cross-validation (the choice made inside each outer fold), a thing
is named in a third of these questions (225 of 666) and every word named is the labelled missing
thing in 89% of them; the first model, fitted on 320 of them, named 119 of the other 346 (labelled
after it was fitted) at 87% (docs/quality.md). Where no candidate reaches the cut-off, the answer
says it generally, as before.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np

from .reading import asking_part
from .text import STOPWORDS, WORD, covered, stem

if TYPE_CHECKING:
    from .embedding import Embedder
    from .spelling import Speller

MODEL = "data/unmentioned_words.npz"
#: Shorter words are never named: too many are abbreviations or fragments ("wks", "lol").
MIN_CHARS = 4
#: At most this many things are named, the likeliest first.
MAX_NAMED = 2
#: Words looked at, at most (a pasted essay is not read word by word).
MAX_CANDIDATES = 24
#: Stop words as people type them without the apostrophe ("whats", "dont", "im" is too short anyway).
_BARE_STOPWORDS = frozenset(w.replace("'", "") for w in STOPWORDS if "'" in w)
_STOPWORD_LIST = sorted(w for w in STOPWORDS if len(w) >= MIN_CHARS - 1)


@dataclass(frozen=True)
class Candidate:
    """A question word the corpus never uses, where it stands in the question."""

    word: str  # lower-case
    start: int  # character span of its first occurrence in the question
    end: int
    in_ask: bool  # among the asking sentences (or the question is all ask)
    position: float  # how far into the question, 0 … 1
    token: int  # its place among the question's words (adjacent candidates make one phrase)


def candidates(question: str, corpus_stems: frozenset[str], speller: Speller) -> list[Candidate]:
    """The question's words the corpus never uses and does not nearly spell, each once, in order."""
    ask = asking_part(question)
    ask_words = {m.group(0).lower() for m in WORD.finditer(ask)} if ask else None
    tokens = list(WORD.finditer(question))
    found: list[Candidate] = []
    seen: set[str] = set()
    for number, match in enumerate(tokens):
        word = match.group(0).lower().replace("’", "'")
        if word in seen or len(word) < MIN_CHARS or not word.isalpha():
            continue
        seen.add(word)
        if word in STOPWORDS or word in _BARE_STOPWORDS or covered(stem(word), corpus_stems):
            continue
        if speller.correction(word) is not None or _misspelt_stopword(word, speller.cutoff):
            continue
        found.append(Candidate(word, match.start(), match.end(), ask_words is None or word in ask_words,
                               number / len(tokens), number))
        if len(found) >= MAX_CANDIDATES:
            break
    return found


def features(candidates: list[Candidate], vectors: np.ndarray, pieces: list[int]) -> np.ndarray:
    """One row per candidate: its word-table vector, then in-ask, position, one-piece, length / 10."""
    rows = [[float(c.in_ask), c.position, float(n == 1), len(c.word) / 10]
            for c, n in zip(candidates, pieces, strict=True)]
    return np.hstack([vectors, np.asarray(rows, dtype=np.float32).reshape(len(candidates), 4)])


@dataclass(frozen=True)
class UnmentionedModel:
    """The fitted logistic regression, its cut-off and the fingerprint of the labels it was fitted on."""

    coef: np.ndarray
    intercept: float
    cutoff: float
    fingerprint: str

    @classmethod
    def load(cls) -> UnmentionedModel:
        with resources.files("bot").joinpath(MODEL).open("rb") as file, np.load(file) as data:
            return cls(data["coef"].astype(np.float32), float(data["intercept"]), float(data["cutoff"]),
                       str(data["fingerprint"]))

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(rows @ self.coef + self.intercept)))

    def name(self, question: str, corpus_stems: frozenset[str], speller: Speller,
             embedder: Embedder) -> tuple[str, ...]:
        """The things the question asks about that the corpus never mentions, as the person wrote them.

        Each is a word, or adjacent named words joined as the question joins them ("inversion
        table"); the likeliest first, at most MAX_NAMED."""
        found = candidates(question, corpus_stems, speller)
        if not found:
            return ()
        p = self.probabilities(features(found, *embedder.word_vectors([c.word for c in found])))
        return tuple(question[found[run[0]].start:found[run[-1]].end] for run in phrases(found, p, self.cutoff))


def phrases(found: list[Candidate], p: np.ndarray, cutoff: float) -> list[list[int]]:
    """The candidates named, as runs of adjacent ones (positions in `found`), the likeliest first.

    A run grows from a word at the cut-off over its neighbours in the question that are candidates
    at half the cut-off or more ("inversion" brings "table"; "take" before "paracetamol" stays out).
    Every word of a run is a candidate, so the corpus uses none of them."""
    at = {c.token: i for i, c in enumerate(found)}
    runs: list[list[int]] = []
    used: set[int] = set()
    for i in sorted(range(len(found)), key=lambda i: -p[i]):
        if p[i] < cutoff or len(runs) == MAX_NAMED:
            break
        if i in used:
            continue
        run = [i]
        for step in (-1, 1):
            token = found[i].token + step
            while (j := at.get(token)) is not None and j not in used and p[j] >= cutoff / 2:
                run = [j, *run] if step < 0 else [*run, j]
                token += step
        used.update(run)
        runs.append(run)
    return runs


@lru_cache(maxsize=4096)
def _misspelt_stopword(word: str, cutoff: float) -> bool:
    """Whether a word nearly spells a stop word ("shoud", "becuase"): a typo, not a thing."""
    near = [w for w in _STOPWORD_LIST if abs(len(w) - len(word)) <= 2]
    return bool(difflib.get_close_matches(word, near, n=1, cutoff=cutoff))


@cache
def model() -> UnmentionedModel:
    """The fitted model, loaded once per process."""
    return UnmentionedModel.load()

