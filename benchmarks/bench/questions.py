"""A few hundred questions in people's own words, the same in every run.

The labelled question files under tests/ come first (real phrasings, in and out of scope); templated
questions about the article's own words fill up to the number asked for, so the set does not
depend on which test files exist.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from .. import ROOT

_TEMPLATES = (
    "What does the article say about {w}?", "Can {w} cause back spasms?", "Is {w} good for a spasm?",
    "how does {w} affect my back", "Should I worry about {w}?", "{w} and lower back pain",
    "Does {w} help when my back seizes up?", "why would {w} make my back muscles tighten?",
)
_OFF_TOPIC = (
    "Who won the 1998 World Cup?", "How do I bake sourdough bread?", "What is the capital of Australia?",
    "Recommend a good laptop for programming", "How tall is Mount Everest?", "what's the weather tomorrow",
)
_WORD = re.compile(r"[A-Za-z]{5,}")


def bench_questions(n: int, corpus_dir: Path, seed: int = 7) -> list[str]:
    """`n` distinct questions: labelled ones from tests/, then templated ones, shuffled with `seed`."""
    questions = _labelled_questions(ROOT / "tests")
    words = sorted({w.lower() for path in sorted(corpus_dir.glob("*")) if path.is_file()
                    for w in _WORD.findall(path.read_text(encoding="utf-8", errors="replace"))})
    rng = random.Random(seed)
    pool = list(_OFF_TOPIC) + [t.format(w=w) for t in _TEMPLATES for w in words]
    rng.shuffle(pool)
    seen = set(questions)
    for question in pool:
        if len(questions) >= n:
            break
        if question not in seen:
            questions.append(question)
            seen.add(question)
    # A quick run keeps one off-topic question, so a refusal (and its naming of "sourdough") is timed
    # too; tests/data/dev.jsonl asks it as well, so it is kept once.
    if n < len(questions):
        refusal = _OFF_TOPIC[1]
        questions = [*[q for q in questions if q != refusal][: n - 1], refusal] if n > 1 else questions[:n]
    rng.shuffle(questions)
    return questions


def _labelled_questions(tests_dir: Path) -> list[str]:
    found: list[str] = []
    for path in sorted(tests_dir.glob("**/*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            # Question sets only (the scorer's format, with "abstain"): not other labels that hold
            # questions, such as tests/data/unmentioned_words.jsonl's, which would swamp the mix.
            question = record.get("question") if isinstance(record, dict) and "abstain" in record else None
            if isinstance(question, str) and question.strip() and question not in found:
                found.append(question)
    return found
