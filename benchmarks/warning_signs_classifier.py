"""A learned second opinion for the warning-sign reader, measured on a held-out round (not shipped).

    python -m benchmarks.warning_signs_classifier 6    # train on every other round, test on round 6

A character n-gram (2-5, within words) and word (1-2) TF-IDF logistic regression over twelve classes
(the eleven signs and none), trained on tests/data/red_flags.json, the rounds of
tests/data/red_flags_heldout.json other than the one tested, and the corpus question bank's
questions that report no sign; each sentence of a question is scored and the highest sign
probability counts. Printed: what it catches alone, the rules alone, and the two together, at
several cuts. docs/safety.md has the figures and why it was not kept.
"""

from __future__ import annotations

import json
import sys

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline, make_union

from benchmarks.warning_signs import ROOT, ROUNDS
from bot.safety import reading, red_flags
from bot.safety_text import SENTENCE_BREAK


def _round(rounds: dict, number: str) -> tuple[list[str], list[str]]:
    urgent, ordinary = ("urgent", "ordinary") if number == "1" else (f"urgent_{number}", f"ordinary_{number}")
    return ([q for _, q in rounds[urgent]] + rounds[ordinary],
            [s for s, _ in rounds[urgent]] + ["none"] * len(rounds[ordinary]))


def training_set(rounds: dict, held_out: str) -> tuple[list[str], list[str]]:
    labelled = json.loads((ROOT / "tests" / "data" / "red_flags.json").read_text(encoding="utf-8"))
    bank_labels = json.loads((ROOT / "tests" / "data" / "red_flags_bank.json").read_text(encoding="utf-8"))
    questions, labels = [], []
    for number in [(k + "_1").split("_")[1] for k in rounds if k.startswith("urgent")]:
        if number != held_out:
            q, y = _round(rounds, number)
            questions += q
            labels += y
    for sign, phrasings in labelled["urgent"].items():
        questions += phrasings
        labels += [sign] * len(phrasings)
    questions += labelled["ordinary"]
    labels += ["none"] * len(labelled["ordinary"])
    skip = set(bank_labels["red_flag"]) | set(bank_labels["either"])
    for path in [*sorted((ROOT / "corpus" / "questions").glob("*.jsonl")), ROOT / "tests" / "data" / "dev.jsonl"]:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and (row := json.loads(line))["id"] not in skip:
                questions.append(row["question"])
                labels.append("none")
    return questions, labels


def main() -> None:
    held_out = sys.argv[1] if len(sys.argv) > 1 else "6"
    rounds = json.loads(ROUNDS.read_text(encoding="utf-8"))
    questions, labels = training_set(rounds, held_out)
    features = make_union(TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
                          TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True))
    model = make_pipeline(features, LogisticRegression(C=10, max_iter=3000, class_weight="balanced"))
    model.fit([reading(q) for q in questions], labels)
    classes = list(model.classes_)
    none = classes.index("none")

    def predict(question: str) -> tuple[float, str]:
        text = reading(question)
        parts = [p for p in SENTENCE_BREAK.split(text) if p.strip()] + [text]
        probabilities = model.predict_proba(parts)
        best = int(np.argmax(1 - probabilities[:, none]))
        row = probabilities[best].copy()
        row[none] = -1
        return float(1 - probabilities[best, none]), classes[int(np.argmax(row))]

    tests, truth = _round(rounds, held_out)
    print(f"trained on {len(questions)}, round {held_out}: {len(tests)}")
    for cut in (0.5, 0.6, 0.7, 0.8, 0.9):
        alone = rules = both = alone_fa = rules_fa = both_fa = 0
        for question, sign in zip(tests, truth, strict=True):
            p, name = predict(question)
            read = [s.name for s in red_flags(question)]
            if sign == "none":
                alone_fa += p >= cut
                rules_fa += bool(read)
                both_fa += bool(read) or p >= cut
            else:
                alone += p >= cut and name == sign
                rules += sign in read
                both += sign in read or (p >= cut and name == sign)
        print(f"cut {cut}: classifier {alone} caught, {alone_fa} false alarms | rules {rules}, {rules_fa} | "
              f"together {both}, {both_fa}")


if __name__ == "__main__":
    main()
