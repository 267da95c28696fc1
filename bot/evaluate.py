"""Score the bot on a labelled question file, with the same metric definitions as the shared scorer.

A question file has one JSON object per line: `{"id", "question", "abstain", "evidence": [...]}`.
A passage is a hit when its text contains one of the question's evidence strings (case and white
space ignored); the first passage's quote is scored the same way. A quote is verbatim when the
document file, at the offsets the passage records, holds exactly that quote inside exactly that
passage: checked against the file, not the passage it was cut from, so the check can fail.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .answer import Answer, Passage
from .corpus import load_corpus

#: The answer-quality issue's targets (lay questions out-of-fold, and the dev set).
TARGETS = {
    "hit_at_1": 0.80, "hit_at_3": 0.92, "quote_hit_at_1": 0.75, "quote_chars_mean_max": 250,
    "passage_chars_mean_max": 450, "refused_out_of_scope": 0.85, "refused_in_scope_max": 0.08,
    "quotes_not_verbatim_max": 0,
}
#: Question lengths (characters) that hit@1 is also reported by: people's own questions run long.
LENGTHS = ((0, 80), (81, 150), (151, None))


def norm(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip().lower()


def read_questions(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def document_texts(corpus_dir: Path) -> dict[str, str]:
    """Each corpus file's text (front matter included: chunk offsets count from the file's start), by doc."""
    return {document.doc: document.text for document in load_corpus(corpus_dir)}


def is_verbatim(passage: Passage, documents: Mapping[str, str]) -> bool:
    """Whether the file holds the passage, and the quote inside it, exactly at their recorded offsets."""
    text = documents.get(passage.doc)
    return (
        text is not None
        and passage.start <= passage.quote_start <= passage.quote_end <= passage.end
        and text[passage.start : passage.end] == passage.text
        and text[passage.quote_start : passage.quote_end] == passage.quote
    )


@dataclass
class Report:
    metrics: dict[str, float]
    rows: list[dict] = field(default_factory=list)  # one per question, with what was retrieved

    @property
    def misses(self) -> list[dict]:
        return [r for r in self.rows if r["miss"]]

    def short_of_targets(self) -> list[str]:
        """The targets missed, among those the set has questions for: a set with no off-topic question
        (a small round of reviewed questions, say) is not short of refusing off-topic ones."""
        return [k for k, target in TARGETS.items() if k in self.metrics and self._measured(k)
                and not (self.metrics[k] <= target if k.endswith("_max") else self.metrics[k] >= target)]

    def _measured(self, key: str) -> bool:
        if key == "refused_out_of_scope":
            return self.metrics.get("out_of_scope", 1) > 0
        if key == "quotes_not_verbatim_max":
            return True
        return self.metrics.get("in_scope", 1) > 0

    def to_json(self) -> dict:
        return {"metrics": self.metrics, "targets": TARGETS, "short": self.short_of_targets(), "questions": self.rows}

    def to_markdown(self, title: str) -> str:
        lines = [f"# {title}", "", "| metric | value | target |", "|---|---|---|"]
        for key, value in self.metrics.items():
            target = TARGETS.get(key)
            mark = "" if target is None else (("≤ " if key.endswith("_max") else "≥ ") + f"{target:g}")
            short = " **short**" if key in self.short_of_targets() else ""
            lines.append(f"| {key} | {value:.3f} | {mark}{short} |")
        lines += ["", f"## Misses ({len(self.misses)})", ""]
        for row in self.misses:
            lines.append(f"- **{row['id']}** {row['question']!r} — {row['miss']}")
            for rank, passage in enumerate(row["retrieved"][:3], start=1):
                lines.append(f"  {rank}. ({passage['score']:.3f}) {passage['section']}: "
                             f"“{passage['quote'][:120]}”")
        return "\n".join(lines) + "\n"


def score(rows: list[dict], answers: list[Answer], documents: Mapping[str, str], seconds: float = 0.0) -> Report:
    """The shared scorer's metrics over answers already computed, plus a row per question.

    `documents` is the corpus text by doc (`document_texts`), to check that every quote is verbatim.
    """
    n_in = n_out = h1 = h3 = q1 = refused_in = refused_out = honest_out = partial_in = bad_quote = 0
    by_length = {bucket: [0, 0] for bucket in LENGTHS}  # (hits at 1, answerable questions) per length
    quoted_recall: list[float] = []  # per answered question: share of its evidence in the quoted passages
    quoted_precision: list[float] = []  # …and share of the quoted passages holding some evidence
    whole_list: list[bool] = []  # per answered question with 3+ evidence passages: all of them quoted
    mrr = 0.0
    quote_lengths: list[int] = []
    passage_lengths: list[int] = []
    report_rows = []
    for row, answer in zip(rows, answers, strict=True):
        passages = answer.passages
        bad_quote += sum(1 for p in passages if p.quote and not is_verbatim(p, documents))
        retrieved = [{"section": p.source, "score": p.score, "quote": p.quote, "doc": p.doc} for p in passages]
        record = {"id": row.get("id"), "question": row["question"], "abstain": row["abstain"],
                  "abstained": answer.abstained, "coverage": answer.coverage, "confidence": answer.confidence,
                  "retrieved": retrieved, "miss": ""}
        if row["abstain"]:
            n_out += 1
            refused_out += answer.abstained
            honest_out += answer.coverage != "full"
            if answer.coverage == "full":
                record["miss"] = "answered an out-of-scope question"
            report_rows.append(record)
            continue
        n_in += 1
        refused_in += answer.abstained
        partial_in += answer.coverage == "partial"
        evidence = [norm(e) for e in row["evidence"]]
        rank = next((k for k, p in enumerate(passages[:10]) if any(e in norm(p.text) for e in evidence)), None)
        if rank is not None:
            mrr += 1 / (rank + 1)
            h1 += rank == 0
            h3 += rank < 3
        length = len(row["question"])
        bucket = next(b for b in LENGTHS if length >= b[0] and (b[1] is None or length <= b[1]))
        by_length[bucket][0] += rank == 0
        by_length[bucket][1] += 1
        quote_hit = False
        if passages:
            passage_lengths.append(len(passages[0].text))
            quote = passages[0].quote or passages[0].text
            quote_lengths.append(len(quote))
            quote_hit = any(e in norm(quote) for e in evidence)
            q1 += quote_hit
        if not answer.abstained and answer.quoted:  # how much of what answers is quoted, and nothing else
            quoted_texts = [norm(p.text) for p in answer.quoted]
            quoted_recall.append(sum(any(e in t for t in quoted_texts) for e in evidence) / len(evidence))
            quoted_precision.append(sum(any(e in t for e in evidence) for t in quoted_texts) / len(quoted_texts))
            if len(row["evidence"]) >= 3:  # a broad question: every item of the list
                whole_list.append(quoted_recall[-1] == 1.0)
        problems = []
        if answer.abstained:
            problems.append("refused an in-scope question")
        if rank != 0:
            problems.append(f"evidence at rank {rank + 1 if rank is not None else 'none'}")
        elif not quote_hit:
            problems.append("right passage, quote misses the evidence")
        record["miss"] = "; ".join(problems)
        record["rank"] = rank
        report_rows.append(record)
    metrics = {
        "hit_at_1": h1 / max(n_in, 1), "hit_at_3": h3 / max(n_in, 1), "mrr": mrr / max(n_in, 1),
        "quote_hit_at_1": q1 / max(n_in, 1),
        "quote_chars_mean_max": sum(quote_lengths) / max(len(quote_lengths), 1),
        "passage_chars_mean_max": sum(passage_lengths) / max(len(passage_lengths), 1),
        "refused_out_of_scope": refused_out / max(n_out, 1), "refused_in_scope_max": refused_in / max(n_in, 1),
        "honest_out_of_scope": honest_out / max(n_out, 1), "partial_in_scope_max": partial_in / max(n_in, 1),
        "quoted_recall": float(np.mean(quoted_recall)) if quoted_recall else 0.0,
        "quoted_precision": float(np.mean(quoted_precision)) if quoted_precision else 0.0,
        "whole_list": float(np.mean(whole_list)) if whole_list else 0.0, "list_questions": len(whole_list),
        "quotes_not_verbatim_max": bad_quote, "seconds_for_all_max": seconds,
        "questions": len(rows), "in_scope": n_in, "out_of_scope": n_out,
    }
    for (low, high), (hits, count) in by_length.items():
        name = f"hit_at_1_chars_{low}_{high}" if high else f"hit_at_1_chars_over_{low - 1}"
        metrics[name] = hits / count if count else 0.0
        metrics[name.replace("hit_at_1", "answerable")] = count
    return Report(metrics, report_rows)


def evaluate(chatbot, rows: list[dict]) -> Report:
    """Ask every question (each on its own, no history) and score the answers."""
    started = time.perf_counter()
    answers = [chatbot.ask(row["question"]) for row in rows]
    return score(rows, answers, document_texts(chatbot.settings.corpus_dir), time.perf_counter() - started)


def cross_validated_answers(chatbot, rows: list[dict], folds: int) -> list[Answer]:
    """Each question answered by a query model fitted without it, nor any rewording of it in the bank.

    The bank (corpus/questions/) and the questions are split into `folds` paraphrase-grouped folds
    together; each fold's model is fitted on the other folds' bank questions (bot/fitting.py).
    """
    from .fitting import cross_validate
    from .questions import load_bank

    bank = load_bank(chatbot.settings.corpus_dir, chatbot.index.chunks)
    answers: list[Answer | None] = [None] * len(rows)

    def answer(model, positions: list[int]) -> None:
        fold_bot = chatbot.with_query_model(model)
        for i in positions:
            answers[i] = fold_bot.ask(rows[i]["question"])

    cross_validate(chatbot.index, chatbot.embedder, bank, [r["question"] for r in rows], answer,
                   chatbot.settings, folds=folds)
    return answers
