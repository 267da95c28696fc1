"""Answer quality with each learned part switched off in turn, all figures out-of-fold.

    python benchmarks/quality_ablation.py [--folds 5] [--out docs/eval/ablation.json]

Runs the same cross-validation as `python -m bot eval --cv K` on every question set of the bank
(the shared real questions, the real-style ones written for the project, lay, calibration, the far
off-topic ones) and on the dev set, once per row of docs/quality.md's technique table for people's
own questions. Each row adds one part; a part is switched off by replacing it with what the bot did
before it (no asking sentences read apart, one refusal threshold and no partial answers, one pair
of thresholds for every question, the best passage quoted alone, no vote of the bank per passage);
nothing else changes.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from contextlib import ExitStack
from pathlib import Path
from unittest import mock

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import abstention  # noqa: E402
from bot.chatbot import Chatbot  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.evaluate import cross_validated_answers, document_texts, read_questions, score  # noqa: E402

QUESTIONS = ROOT / "corpus" / "questions"
SETS = {"dev": ROOT / "tests/data/dev.jsonl", "real": QUESTIONS / "real.jsonl", "real-a": QUESTIONS / "real-a.jsonl",
        "real-b": QUESTIONS / "real-b.jsonl", "real-c": QUESTIONS / "real-c.jsonl",
        "real-d": QUESTIONS / "real-d.jsonl", "real-e": QUESTIONS / "real-e.jsonl",
        "real-f": QUESTIONS / "real-f.jsonl", "lay": QUESTIONS / "lay.jsonl",
        "calibration": QUESTIONS / "calibration.jsonl", "off-topic": QUESTIONS / "off-topic.jsonl"}
KEYS = ("hit_at_1", "hit_at_3", "refused_in_scope_max", "partial_in_scope_max", "refused_out_of_scope",
        "honest_out_of_scope", "quoted_recall", "quoted_precision")


def _one_threshold(p: np.ndarray, y: np.ndarray, partial_in_max: float = 1.0, partly=None) -> tuple[float, float]:
    """The single refusal threshold the bot had before partial answers (2 × answerable refused + answered)."""
    best, best_cost = 0.5, math.inf
    values = np.unique(np.concatenate([[0.0, 1.0], p]))
    for t in (values[:-1] + values[1:]) / 2:
        cost = abstention.IN_SCOPE_REFUSAL_COST * np.mean(p[y == 1] < t) + np.mean(p[y == 0] >= t)
        if cost < best_cost - 1e-12:
            best, best_cost = float(t), cost
    return best, best


def _never_told(x: np.ndarray):
    return np.zeros(x.shape[:-1], dtype=bool) if x.ndim > 1 else False


PATCHES = {
    "reading": ("bot.retrieval.asking_part", lambda text: None),
    "partial": ("bot.abstention.choose_thresholds", _one_threshold),
    "story thresholds": ("bot.abstention.told", _never_told),
    "companions": ("bot.companions.fit", lambda x, y: ()),
    "votes": ("bot.retrieval.passage_votes", lambda row_weight, rows, chunk_ids, n: np.zeros(n, np.float32)),
}
ROWS = [
    ("the bank's new questions, nothing else new", ["reading", "partial", "story thresholds", "companions", "votes"]),
    ("+ the asking sentences read apart", ["partial", "story thresholds", "companions", "votes"]),
    ("+ partial answers (one pair of thresholds)", ["story thresholds", "companions", "votes"]),
    ("+ thresholds of their own for story questions", ["companions", "votes"]),
    ("+ passages that answer with the best one", ["votes"]),
    ("+ the bank's vote for each passage (shipped)", []),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--out", default=str(ROOT / "docs/eval/ablation.json"))
    args = parser.parse_args()
    bot = Chatbot.load(Settings.for_repo(ROOT), rebuild=False)
    sets = {name: read_questions(path) for name, path in SETS.items()}
    everything = [row for rows in sets.values() for row in rows]
    documents = document_texts(bot.settings.corpus_dir)
    results = []
    for label, off in ROWS:
        with ExitStack() as stack:
            for part in off:
                stack.enter_context(mock.patch(*PATCHES[part]))
            answers = cross_validated_answers(bot, everything, args.folds)
        row, start = {"technique": label}, 0
        for name, rows in sets.items():
            metrics = score(rows, answers[start : start + len(rows)], documents).metrics
            row[name] = {k: round(metrics[k], 3) for k in KEYS}
            start += len(rows)
        results.append(row)
        print(json.dumps(row), flush=True)
    Path(args.out).write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
