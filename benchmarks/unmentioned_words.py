"""Naming what the article does not mention: the model of bot/unmentioned.py, fitted and measured.

    python -m benchmarks.unmentioned_words --cv    # nested cross-validation figures (JSON on stdout)
    python -m benchmarks.unmentioned_words --fit   # refit bot/data/unmentioned_words.npz

The labels (tests/data/unmentioned_words.jsonl) are the bank's 666 written questions the article
does not fully answer (real-a … real-f), each labelled by one of four labellers with the words
naming what the article lacks (`missing`, empty when no word names it: "how long does it last?")
and some words of the question the article does not use that are *not* it (`incidental`). A
candidate word is a positive when its stem is a labelled missing word's.

A question is *named right* when every word named (each word of each phrase the bot would show) is
a labelled missing word. The regularisation C and the cut-off are chosen for the most questions
named at ≥ 90% named right, out-of-fold on the questions at hand: for `--fit` on all of them; for
`--cv` inside each outer fold on its training questions only (nested), so the outer figures never
saw the choice. `--cv` also fits on one labeller's questions and measures on the others', and
counts how often a name would be given to the bank's answerable questions (where the article does
answer: any name there is a needless one).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import random
import sys
from pathlib import Path

import numpy as np

from bot.unmentioned import MODEL, Candidate, candidates, features, phrases

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "tests" / "data" / "unmentioned_words.jsonl"
OUTPUT = ROOT / "bot" / MODEL
GRID_C = (0.3, 1.0, 3.0, 10.0)
GRID_CUTOFF = (0.5, 0.6, 0.7, 0.8, 0.9)
PRECISION = 0.9
FOLDS = 5


def labelled() -> list[dict]:
    return [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines() if line.strip()]


def fingerprint(rows: list[dict]) -> str:
    """What the model was fitted on: changes when a question or a label does."""
    return hashlib.sha256(json.dumps([[r["question"], r["missing"]] for r in rows]).encode("utf-8")).hexdigest()


class Table:
    """Every candidate of every question, its features and its label, computed once."""

    def __init__(self, rows: list[dict], bot) -> None:
        from bot.text import stem, words

        retriever = bot.retriever
        self.questions = [r["id"] for r in rows]
        self.found: dict[str, list[Candidate]] = {}
        owner, labels = [], []
        for r in rows:
            missing = {stem(w) for span in r.get("missing", []) for w in words(span)}
            found = candidates(r["question"], retriever.speller.stems, retriever.speller)
            self.found[r["id"]] = found
            owner += [r["id"]] * len(found)
            labels += [int(stem(c.word) in missing) for c in found]
        flat = [c for r in rows for c in self.found[r["id"]]]
        vocabulary = sorted({c.word for c in flat})
        table, counts = bot.embedder.word_vectors(vocabulary)
        vectors = dict(zip(vocabulary, table, strict=True))
        pieces = dict(zip(vocabulary, counts, strict=True))
        self.x = features(flat, np.stack([vectors[c.word] for c in flat]) if flat else np.zeros((0, bot.embedder.dim)),
                          [pieces[c.word] for c in flat])
        self.y = np.asarray(labels)
        self.owner = np.asarray(owner)


def fit(x: np.ndarray, y: np.ndarray, c: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=5000).fit(x, y)


def named(table: Table, p: np.ndarray, questions: list[str], cutoff: float) -> tuple[int, int]:
    """(questions where something is named, of them named right) at this cut-off."""
    count = right = 0
    for q in questions:
        rows = np.where(table.owner == q)[0]
        runs = phrases(table.found[q], p[rows], cutoff)  # what the bot would name, phrases and all
        if runs:
            count += 1
            right += all(table.y[rows[i]] for run in runs for i in run)
    return count, right


def out_of_fold(table: Table, questions: list[str], c: float, seed: int) -> np.ndarray:
    order = sorted(questions)
    random.Random(seed).shuffle(order)
    fold = {q: k % FOLDS for k, q in enumerate(order)}
    f = np.asarray([fold.get(q, -1) for q in table.owner])
    p = np.zeros(len(table.y))
    for k in range(FOLDS):
        train, test = (f >= 0) & (f != k), f == k
        if test.any():
            p[test] = fit(table.x[train], table.y[train], c).predict_proba(table.x[test])[:, 1]
    return p


def choose(table: Table, questions: list[str], seed: int = 1) -> tuple[float, float]:
    """The (C, cut-off) naming the most questions at ≥ PRECISION named right, out-of-fold on `questions`."""
    best = None
    for c in GRID_C:
        p = out_of_fold(table, questions, c, seed)
        for cutoff in GRID_CUTOFF:
            count, right = named(table, p, questions, cutoff)
            if count and right / count >= PRECISION and (best is None or count > best[0]):
                best = (count, c, cutoff)
    if best is None:
        raise SystemExit(f"no C and cut-off names anything at {PRECISION:.0%} precision")
    return best[1], best[2]


def nested(table: Table, seeds: tuple[int, ...] = (0, 1, 2)) -> dict:
    """Outer folds by question; C and the cut-off chosen on each outer training part alone."""
    total = right = 0
    choices = []
    for seed in seeds:
        order = list(table.questions)
        random.Random(100 + seed).shuffle(order)
        for k in range(FOLDS):
            train = [q for i, q in enumerate(order) if i % FOLDS != k]
            test = [q for i, q in enumerate(order) if i % FOLDS == k]
            c, cutoff = choose(table, train)
            choices.append([c, cutoff])
            mask = np.isin(table.owner, train)
            p = fit(table.x[mask], table.y[mask], c).predict_proba(table.x)[:, 1]
            n, r = named(table, p, test, cutoff)
            total, right = total + n, right + r
    runs = len(seeds)
    return {"questions": len(table.questions), "named": round(total / runs, 1),
            "named_share": round(total / runs / len(table.questions), 3),
            "named_right": round(right / max(total, 1), 3), "choices": choices}


def across_labellers(table: Table, rows: list[dict]) -> list[dict]:
    """Choose and fit on one labeller's questions, measure on the other's."""
    out = []
    for labeller in sorted({r["labeller"] for r in rows}):
        train = [r["id"] for r in rows if r["labeller"] == labeller]
        test = [r["id"] for r in rows if r["labeller"] != labeller]
        c, cutoff = choose(table, train)
        mask = np.isin(table.owner, train)
        p = fit(table.x[mask], table.y[mask], c).predict_proba(table.x)[:, 1]
        n, r = named(table, p, test, cutoff)
        out.append({"fitted_on_labeller": labeller, "C": c, "cutoff": cutoff, "measured_on": len(test),
                    "named": n, "named_right": round(r / max(n, 1), 3)})
    return out


def answerable_named(bot) -> dict:
    """How often the shipped model names something in the bank's answerable written questions."""
    from bot.questions import question_files, read_rows

    asked = [r["question"] for path in question_files(bot.settings.corpus_dir) if path.name.startswith("real-")
             for r in read_rows(path) if not r["abstain"]]
    hits = sum(bool(bot.unmentioned(q)) for q in asked)  # as the chat names, for a partial or refused answer
    return {"answerable_questions": len(asked), "named": hits, "named_share": round(hits / max(len(asked), 1), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit", action="store_true", help=f"refit {OUTPUT.relative_to(ROOT)}")
    parser.add_argument("--cv", action="store_true", help="nested cross-validation figures")
    args = parser.parse_args()
    from bot.chatbot import Chatbot
    from bot.config import Settings

    bot = Chatbot.load(Settings.from_env(ROOT))
    rows = labelled()
    table = Table(rows, bot)
    if args.fit:
        c, cutoff = choose(table, table.questions)
        model = fit(table.x, table.y, c)
        buffer = io.BytesIO()
        np.savez_compressed(buffer, coef=model.coef_[0].astype(np.float32), intercept=np.float32(model.intercept_[0]),
                            cutoff=np.float32(cutoff), c=np.float32(c), fingerprint=np.array(fingerprint(rows)))
        OUTPUT.write_bytes(buffer.getvalue())
        print(f"fitted on {len(rows)} questions ({int(table.y.sum())} of {len(table.y)} candidates named): "
              f"C={c}, cut-off {cutoff} → {OUTPUT.relative_to(ROOT)}")
    if args.cv:
        report = {"nested": nested(table), "across_labellers": across_labellers(table, rows),
                  "candidates": len(table.y), "positives": int(table.y.sum()),
                  "questions_with_a_missing_thing": sum(bool(r["missing"]) for r in rows)}
        if OUTPUT.exists():
            report["answerable"] = answerable_named(bot)
        json.dump(report, sys.stdout, indent=1)
        print()


if __name__ == "__main__":
    main()
