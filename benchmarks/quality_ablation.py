"""Answer quality with each learned part switched off in turn, all figures out-of-fold.

    python benchmarks/quality_ablation.py [--folds 5] [--out docs/eval/ablation.json]

Runs the same cross-validation as `python -m bot eval --cv K` on the shared lay set, the calibration
questions and the dev set, once per row of docs/quality.md's technique table. A part is switched off
by replacing its fitting step with what an untrained model uses (identity adapter, no neighbours,
adapted cosine alone, no scope classifier); nothing else changes.
"""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import ExitStack
from pathlib import Path
from unittest import mock

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import fitting  # noqa: E402
from bot.chatbot import Chatbot  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.evaluate import cross_validated_answers, document_texts, read_questions, score  # noqa: E402

SETS = {"dev": ROOT.parent / "shared/eval/dev.jsonl", "lay": ROOT / "corpus/questions/lay.jsonl",
        "calibration": ROOT / "corpus/questions/calibration.jsonl"}
KEYS = ("hit_at_1", "hit_at_3", "quote_hit_at_1", "refused_out_of_scope", "refused_in_scope_max")


def _identity(questions, positives, passages, settings=None):
    return np.eye(questions.shape[1], dtype=np.float32)


def _dense_only(features, positives, **_):
    return np.array([20.0] + [0.0] * (features[0].shape[1] - 1))


def _no_scope(vectors, answerable):
    return np.zeros(vectors.shape[1], np.float32), 0.0


_real_partial = fitting._partial_model


def _no_neighbours(*args, **kwargs):
    model = _real_partial(*args, **kwargs)
    empty = np.zeros((0, model.adapter.shape[0]), np.float32)
    return fitting.replace(model, bank_vectors=empty, bank_positives=(), bank_sentences=())


ROWS = [
    ("MiniLM cosine only; abstention on retrieval signals", ["adapter", "ranker", "neighbours", "scope"]),
    ("+ query adapter", ["ranker", "neighbours", "scope"]),
    ("+ bank neighbours and fitted ranker", ["scope"]),
    ("+ scope classifier (shipped)", []),
]
PATCHES = {"adapter": ("bot.fitting.train_adapter", _identity),
           "ranker": ("bot.fitting.fit_linear_ranker", _dense_only),
           "scope": ("bot.fitting.fit_scope", _no_scope), "neighbours": ("bot.fitting._partial_model", _no_neighbours)}


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
