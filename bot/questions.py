"""The labelled question bank: `corpus/questions/*.jsonl`, the data every learned part is fitted on.

One JSON object per line: `{"id", "question", "abstain", "evidence": [...]}`, and optionally `"coverage"`
("partial" marks a question the article talks about without answering it). An answerable question
names the article's own words that answer it (evidence); the passages holding them are its
positives. An off-topic question (`"abstain": true`) has none. The bank is corpus data, like the
documents: drop more questions in and rebuild.

Folds for cross-validation keep near-paraphrases together (cosine ≥ `PARAPHRASE_COSINE`), so a
question is never scored by a model fitted on its own rewording.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .chunking import Chunk
from .errors import CorpusError

QUESTIONS_FOLDER = "questions"
#: Questions this close (all-MiniLM-L6-v2 cosine) are rewordings of one question: one fold.
PARAPHRASE_COSINE = 0.8


@dataclass(frozen=True)
class Labelled:
    """One labelled question, with the chunk positions that answer it (empty when off-topic)."""

    id: str
    question: str
    abstain: bool
    evidence: tuple[str, ...]
    positives: tuple[int, ...]
    source: str  # the file it came from
    sentences: tuple[int, ...] = ()  # rows of the index's sentence vectors that hold the evidence
    # For a question it does not answer, whether the article talks about it without answering it
    # (`"coverage": "partial"` in its file) rather than not at all.
    partly_covered: bool = False

    @property
    def answerable(self) -> bool:
        return not self.abstain


def question_files(corpus_dir: Path) -> list[Path]:
    """The labelled question files of a corpus folder, in a stable order."""
    folder = corpus_dir / QUESTIONS_FOLDER
    return sorted(folder.glob("*.jsonl")) if folder.is_dir() else []


def normalise(text: str | None) -> str:
    """Case and white space ignored, as the shared scorer compares evidence."""
    return re.sub(r"\s+", " ", text or "").strip().lower()


def read_rows(path: Path) -> list[dict]:
    """The JSON objects of a question file; the error names the file and line."""
    rows = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            row["question"], bool(row["abstain"])  # noqa: B018 - presence check
        except (ValueError, KeyError, TypeError) as err:
            raise CorpusError(f"{path}:{number} is not a labelled question ({err}). "
                              'Each line must be {"id", "question", "abstain", "evidence": [...]}.') from err
        rows.append(row)
    return rows


def label(rows: list[dict], chunks: list[Chunk], source: str = "") -> list[Labelled]:
    """Attach each row's positives: the chunks whose text holds one of its evidence strings.

    An answerable row whose evidence is in no chunk (the article changed under it) is dropped:
    it would teach the model a passage that does not exist.
    """
    texts = [normalise(c.text) for c in chunks]
    sentence_texts = [normalise(t) for c in chunks for t in c.sentence_texts()]
    labelled = []
    for number, row in enumerate(rows):
        evidence = tuple(str(e) for e in row.get("evidence") or ())
        wanted = [normalise(e) for e in evidence if normalise(e)]
        positives = tuple(i for i, text in enumerate(texts) if any(e in text for e in wanted))
        abstain = bool(row["abstain"])
        if not abstain and not positives:
            continue
        # A sentence holds the evidence, or is a whole part of evidence that runs over several.
        sentences = tuple(i for i, text in enumerate(sentence_texts)
                          if any(e in text or (len(text) > 20 and text in e) for e in wanted))
        labelled.append(Labelled(str(row.get("id", f"{source}:{number}")), str(row["question"]), abstain,
                                 evidence, () if abstain else positives, source, () if abstain else sentences,
                                 abstain and row.get("coverage") == "partial"))
    return labelled


def load_bank(corpus_dir: Path, chunks: list[Chunk]) -> list[Labelled]:
    """Every labelled question of the corpus that still matches its text."""
    return [q for path in question_files(corpus_dir) for q in label(read_rows(path), chunks, path.name)]


def paraphrase_folds(vectors: np.ndarray, folds: int, seed: int = 0) -> np.ndarray:
    """A fold number per question; questions linked by cosine ≥ PARAPHRASE_COSINE share a fold."""
    n = len(vectors)
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    close = np.argwhere(np.triu(vectors @ vectors.T, k=1) >= PARAPHRASE_COSINE)
    for i, j in close:
        parent[root(int(i))] = root(int(j))
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(root(i), []).append(i)
    order = np.random.default_rng(seed).permutation(len(groups))
    members = [groups[key] for key in sorted(groups)]
    # Largest groups first, each to the currently smallest fold: folds of near-equal size.
    fold_of = np.empty(n, dtype=np.int64)
    sizes = [0] * folds
    for g in sorted(order, key=lambda g: -len(members[g])):
        target = int(np.argmin(sizes))
        fold_of[members[g]] = target
        sizes[target] += len(members[g])
    return fold_of
