"""Words and stems: how every module reads a question's and the article's words (one definition)."""

from __future__ import annotations

import re
from functools import cache

#: A word: letters or digits, with one inner apostrophe ("don't", "it’s").
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
STOPWORDS = frozenset(
    """a about above after again against all am an and any are aren't as at be because been before being
    below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down
    during each few for from further had hadn't has hasn't have haven't having he her here hers herself him
    himself his how i if in into is isn't it it's its itself just let's me more most my myself no nor not
    of off on once only or other ought our ours ourselves out over own same she should shouldn't so some
    such than that that's the their theirs them themselves then there there's these they this those through
    to too under until up very was wasn't we were weren't what what's when where which while who whom why
    will with won't would wouldn't you your yours yourself yourselves also get got tell know please really
    thing things anything something way ways much many lot lots kind sort one ones may might must shall
    article say says said""".split()
)


def words(text: str) -> list[str]:
    """Lower-case word tokens."""
    return [w.lower().replace("’", "'") for w in WORD.findall(text)]


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOPWORDS and not w.isdigit()]


@cache
def stemmer():
    """The English Snowball stemmer, built once (bm25s tokenizes with it too)."""
    import Stemmer  # PyStemmer: Snowball stemmers in C, no data download

    return Stemmer.Stemmer("english")


def stem(word: str) -> str:
    return stemmer().stemWord(word)


def covered(word_stem: str, stems: set[str]) -> bool:
    """Whether a stemmed word is among `stems`, counting "treat" as covered by "treatment"."""
    return word_stem in stems or (len(word_stem) >= 4 and any(
        s.startswith(word_stem) or word_stem.startswith(s) for s in stems if len(s) >= 4))
