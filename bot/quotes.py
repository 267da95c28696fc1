"""Which sentences of a passage to quote: the run that best answers the question.

A passage short enough to read as one quote is quoted whole. A longer one is quoted by its best
sentence, grown with its neighbours while they score nearly as well and the run stays short;
the page shows the rest of the passage around the quote.
"""

from __future__ import annotations

import numpy as np

from .chunking import Chunk
from .text import content_words, stem


def quote_spans(chunk: Chunk, sentence_scores: np.ndarray, question: str, *, max_chars: int,
                word_overlap_weight: float, growth_margin: float) -> tuple[tuple[int, int], ...]:
    """The (start, end) offsets of the sentences to quote, in order.

    `sentence_scores` rates each of the chunk's sentences (retrieval's cosine and bank evidence);
    the share of the question's words a sentence uses is added to it, so that of two sentences
    the model rates alike, the one that says what was asked wins.
    """
    sentences = chunk.sentences
    if len(sentences) == 1 or chunk.end - chunk.start <= max_chars:
        return sentences
    asked = {stem(w) for w in content_words(question)}
    overlap = np.array([
        len(asked & {stem(w) for w in content_words(chunk.text[s - chunk.start : e - chunk.start])})
        / max(len(asked), 1)
        for s, e in sentences
    ])
    combined = sentence_scores + word_overlap_weight * overlap
    best = int(np.argmax(combined))
    first = last = best
    while True:
        options = [i for i in (first - 1, last + 1) if 0 <= i < len(sentences)
                   and combined[i] >= combined[best] - growth_margin
                   and max(sentences[last][1], sentences[i][1]) - min(sentences[first][0], sentences[i][0])
                   <= max_chars]
        if not options:
            break
        pick = max(options, key=lambda i: combined[i])
        first, last = min(first, pick), max(last, pick)
    return tuple(sentences[first : last + 1])
