"""The review loop's data: the page's logs → the questions left to label, and labels → the bank.

The page logs the answers voted down (bot/ui/feedback.py) and, when the owner turns it on, the
questions it refused or answered only partially (bot/ui/unanswered.py). `pending` reads those
logs, merges near-duplicates into one question with a count, leaves out what is already decided
(in the bank, or marked as a warning sign) and puts the worst first. `record` turns the owner's
label into a line of `corpus/questions/reviewed.jsonl` in the bank's own format (bot/questions.py),
so the next `python -m bot build` fits on it with nothing else to change; a warning sign goes to
the safety phrasings' folder instead (`Settings.reviewed_warning_signs`), never to the bank. Each
label is appended as soon as it is given, and what is decided is never offered again: a review
can stop at any point and resume. `python -m bot review` drives it (bot/cli.py): interactively,
or `--export` the questions to label elsewhere and `--import` them back. docs/review.md walks
through a round.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .chatbot import Chatbot, clean_question
from .config import Settings
from .errors import BotError, StaleIndexError
from .index import fingerprint, read_manifest
from .questions import question_files, read_rows
from .safety import red_flags
from .text import stem, words

if TYPE_CHECKING:
    from .answer import Answer
    from .chunking import Chunk

#: What happened to a logged question, worst first: an answer a visitor voted down (the bot said
#: something, and it was wrong for them), a refusal, a partial answer (which says what it is).
KINDS = ("disliked", "refused", "partial")
KIND_WORDS = {"disliked": "thumbs down", "refused": "refused", "partial": "answered in part"}
#: The labels a question can get; "skip" leaves it for a later review.
VERDICTS = ("answer", "partial", "off-topic", "warning-sign", "skip")


class LabelError(BotError):
    """A label that cannot be written: evidence not in the article, a passage number out of range."""


@dataclass(frozen=True)
class Logged:
    """One question as the logs hold it (near-duplicates merged): its wording, and what happened how often."""

    question: str
    counts: tuple[tuple[str, int], ...]  # (kind, times), in KINDS order; empty for a hand-written label

    @property
    def asked(self) -> int:
        return sum(n for _, n in self.counts)

    @property
    def worst(self) -> str:
        return self.counts[0][0] if self.counts else KINDS[-1]

    def summary(self) -> str:
        """"thumbs down ×2, refused ×1"."""
        return ", ".join(f"{KIND_WORDS[kind]} ×{n}" for kind, n in self.counts)


@dataclass(frozen=True)
class Candidate:
    """A passage the bot found for a question, with its sentences, as the owner picks from them."""

    source: str
    text: str
    sentences: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"source": self.source, "text": self.text, "sentences": list(self.sentences)}


@dataclass(frozen=True)
class Label:
    """The owner's decision on a question. `evidence` is the article's own words (verbatim, each in one
    passage) that answer it, or, for "partial", that come closest; `sign` names a warning sign."""

    verdict: str
    evidence: tuple[str, ...] = ()
    sign: str = ""


# --- Reading the logs -----------------------------------------------------------------------------


def default_logs(settings: Settings) -> list[Path]:
    """The vote log and the unanswered-questions log beside it, each with its rotated `.1`, that exist."""
    logs = [settings.feedback_log, settings.unanswered_log]
    paths = [p for log in logs if log for p in (Path(f"{log}.1"), Path(log))]
    return [p for p in paths if p.is_file()]


def read_log(path: Path) -> tuple[list[tuple[str, str]], int]:
    """(kind, question) for each entry of a vote or unanswered-questions log worth reviewing, and how
    many lines could not be read (a line cut short when the server stopped mid-write)."""
    entries, unreadable = [], 0
    try:
        lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as err:
        raise BotError(f"Cannot read the log {path}: {err.strerror or err}. Name the logs with --log FILE.") from err
    for line in lines:
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            question = entry["question"]
        except (ValueError, KeyError, TypeError):
            unreadable += 1
            continue
        if not isinstance(question, str) or not clean_question(question, len(question))[0]:
            unreadable += 1  # nothing a person could have typed: the page logs questions it read
            continue
        kind = ("disliked" if entry.get("rating") == "dislike" else
                {"none": "refused", "partial": "partial"}.get(entry.get("coverage")))
        if kind:  # a thumbs-up needs no review
            entries.append((kind, " ".join(question.split())))
    return entries, unreadable


def merge(entries: Iterable[tuple[str, str]]) -> list[Logged]:
    """The logged questions with near-duplicates merged, worst first: by the worst thing that
    happened to them (KINDS), then by how often they were logged, then in the order first seen.
    Each is shown in its most frequent wording."""
    groups: dict[str, tuple[Counter, Counter]] = {}  # key → (wordings, kinds)
    for kind, question in entries:
        wordings, kinds = groups.setdefault(same_question(question), (Counter(), Counter()))
        wordings[question] += 1
        kinds[kind] += 1
    logged = [Logged(wordings.most_common(1)[0][0], tuple((k, kinds[k]) for k in KINDS if kinds[k]))
              for wordings, kinds in groups.values()]
    order = {id(item): i for i, item in enumerate(logged)}
    return sorted(logged, key=lambda q: (KINDS.index(q.worst), -q.asked, order[id(q)]))


def same_question(text: str) -> str:
    """What near-duplicates share: the question's words, stemmed, in any order, case and punctuation
    ignored ("Does ice help with spasms??", "does ice help with spasm" and "with spasms, does ice
    help" are one question; "does heat help…", "…not help…" or "…with a spasm" is another). Exact,
    so a log of any size is merged in one pass; a typo makes another question, shown apart."""
    return " ".join(sorted(stem(word) for word in words(text)))


# --- What is already decided ----------------------------------------------------------------------


def decided(settings: Settings) -> list[str]:
    """Every question already decided: the bank's (reviewed ones included) and the reviewed warning signs."""
    questions = [str(row["question"]) for path in question_files(settings.corpus_dir) for row in read_rows(path)]
    signs = settings.reviewed_warning_signs
    if signs.is_file():
        questions += [str(row["question"]) for row in _jsonl(signs)]
    return questions


def pending(settings: Settings, logs: Sequence[Path]) -> tuple[list[Logged], int, int]:
    """The logged questions left to decide, worst first; how many were already decided; unreadable lines."""
    entries, unreadable = [], 0
    for path in logs:
        read, bad = read_log(path)
        entries += read
        unreadable += bad
    logged = merge(entries)
    known = {same_question(q) for q in decided(settings)}
    left = [q for q in logged if same_question(q.question) not in known]
    return left, len(logged) - len(left), unreadable


# --- What the owner picks from ----------------------------------------------------------------------


def load_bot(settings: Settings) -> Chatbot:
    """The bot as last built, answering as the page does, even when labels were appended since.

    A label added to `reviewed.jsonl` makes the index stale (the bank is part of its fingerprint)
    until the next build, yet the review goes on showing what the built bot answers. The review
    only ever appends to that file, so the bank the index was built from is the other files with
    a first part of it (or none): the index is loaded against that bank, in a temporary copy of
    the corpus. Any other change (a document, another bank file, a setting) still says to rebuild.
    """
    try:
        return Chatbot.load(settings, rebuild=False)
    except StaleIndexError:
        reviewed = settings.reviewed_questions
        if not reviewed.is_file():
            raise
        manifest = read_manifest(settings.index_dir)
        lines = reviewed.read_text(encoding="utf-8").splitlines(keepends=True)
        with tempfile.TemporaryDirectory(prefix="review-") as folder:
            corpus = Path(folder) / "corpus"
            shutil.copytree(settings.corpus_dir, corpus, ignore=shutil.ignore_patterns(reviewed.name))
            as_built = replace(settings, corpus_dir=corpus)
            copy = as_built.reviewed_questions
            for kept in range(len(lines), -1, -1):
                if kept:
                    copy.write_text("".join(lines[:kept]), encoding="utf-8")
                else:
                    copy.unlink(missing_ok=True)
                if fingerprint(as_built) == manifest.get("fingerprint"):
                    bot = Chatbot.load(as_built, rebuild=False)  # read whole into memory: the copy may go
                    return Chatbot(settings, bot.embedder, bot.index)
        raise


def candidates(bot: Chatbot, answer: Answer) -> list[Candidate]:
    """The passages the bot found for the question, best first, each with its sentences."""
    by_start = {(c.doc, c.start): c for c in bot.index.chunks}
    found = []
    for passage in answer.passages:
        chunk = by_start.get((passage.doc, passage.start))
        sentences = tuple(chunk.sentence_texts()) if chunk else (passage.text,)
        found.append(Candidate(passage.source, passage.text, sentences))
    return found


def picked_passages(specs: Iterable[object], options: Sequence[Candidate]) -> list[str]:
    """The texts the owner picked: `2` is candidate 2 whole, `"2.1"` its first sentence."""
    texts = []
    for spec in specs:
        match = re.fullmatch(r"\s*(\d+)(?:\.(\d+))?\s*", str(spec))
        if not match:
            raise LabelError(f"“{spec}” is not a passage number: use 2 for passage 2, or 2.1 for its first sentence.")
        number, sentence = int(match[1]), match[2]
        if not options:
            raise LabelError(f"There is no passage {number}: this question has no candidate passages "
                             '(as --export writes them); name the article\'s words in "evidence" instead.')
        if not 1 <= number <= len(options):
            raise LabelError(f"There is no passage {number}: pick 1 to {len(options)}.")
        candidate = options[number - 1]
        if sentence is None:
            texts.append(candidate.text)
            continue
        if not 1 <= int(sentence) <= len(candidate.sentences):
            raise LabelError(f"Passage {number} has sentences {number}.1 to {number}.{len(candidate.sentences)}.")
        texts.append(candidate.sentences[int(sentence) - 1])
    return texts


def verbatim(typed: str, chunks: Sequence[Chunk]) -> str:
    """The article's own text of the words `typed` (case and spacing as the article has them), found in
    exactly one passage: what the bank's evidence must be for the build to find the passage it names."""
    typed = " ".join(str(typed).split())
    if not typed:
        raise LabelError("Type some words of the article that answer the question.")
    pattern = re.compile(r"\s+".join(re.escape(w) for w in typed.split()), re.IGNORECASE)
    found = [m for chunk in chunks if (m := pattern.search(chunk.text))]
    if not found:
        raise LabelError(f"“{_short(typed)}” is not in the article word for word: copy the words from one of "
                         "its passages (case and spacing do not matter).")
    if len(found) > 1:
        raise LabelError(f"“{_short(typed)}” is in {len(found)} passages: type more of the sentence, so that "
                         "the words name one.")
    return found[0].group(0)


def _short(text: str, most: int = 80) -> str:
    return text if len(text) <= most else text[:most] + "…"


# --- Writing decisions ------------------------------------------------------------------------------


def question_id(question: str) -> str:
    """A stable id for a reviewed question ("rv-" and a hash of its words)."""
    return "rv-" + hashlib.sha256(same_question(question).encode()).hexdigest()[:10]


def bank_row(item: Logged, label: Label) -> dict:
    """The bank line for a labelled question (bot/questions.py reads id, question, abstain, evidence)."""
    row = {"id": question_id(item.question), "question": item.question}
    if label.verdict == "answer":
        row |= {"abstain": False, "coverage": "full", "evidence": list(label.evidence)}
    elif label.verdict == "partial":
        row |= {"abstain": True, "coverage": "partial", "evidence": [], "closest": list(label.evidence)}
    elif label.verdict == "off-topic":
        row |= {"abstain": True, "coverage": "none", "evidence": []}
    else:
        raise ValueError(f"no bank line for a {label.verdict!r} label")
    return row | ({"asked": item.asked, "logged": dict(item.counts)} if item.counts else {})


def record(settings: Settings, item: Logged, label: Label) -> Path | None:
    """Append the decision where it belongs; the file written (None for "skip")."""
    if label.verdict == "skip":
        return None
    if label.verdict == "warning-sign":
        path = settings.reviewed_warning_signs
        row = {"id": question_id(item.question), "question": item.question, "sign": label.sign,
               "read": [sign.name for sign in red_flags(item.question)],  # what the reader makes of it today
               "asked": item.asked}
    else:
        path = settings.reviewed_questions
        row = bank_row(item, label)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def checked(label: Label, chunks: Sequence[Chunk]) -> Label:
    """The label with its evidence checked against the article (and written as the article has it)."""
    if label.verdict not in VERDICTS:
        raise LabelError(f"“{label.verdict}” is not a label: use one of {', '.join(VERDICTS)}.")
    if label.verdict in ("answer", "partial"):
        if not label.evidence:
            raise LabelError(f"A “{label.verdict}” label needs the passages or the words of the article that "
                             + ("answer it." if label.verdict == "answer" else "come closest."))
        return Label(label.verdict, tuple(dict.fromkeys(verbatim(e, chunks) for e in label.evidence)))
    if label.verdict == "warning-sign" and not label.sign.strip():
        raise LabelError("A “warning-sign” label needs the sign's name (e.g. one of bot/safety_signs.py's).")
    return Label(label.verdict, (), " ".join(label.sign.split()))


# --- Labelling elsewhere: --export and --import -----------------------------------------------------


def export_row(item: Logged, answer: Answer, options: Sequence[Candidate]) -> dict:
    """One question to label elsewhere: what the bot answers, its candidates, and empty label fields."""
    return {
        "question": item.question, "asked": item.asked, "logged": dict(item.counts),
        "coverage": answer.coverage, "quoted": [p.quote for p in answer.quoted], "signs": list(answer.signs),
        "candidates": [c.to_dict() for c in options],
        "label": None, "passages": [], "evidence": [], "sign": None,
    }


#: How to fill in an exported file: printed by `--export`, and in docs/review.md.
IMPORT_FIELDS = ('"label": "answer", "partial", "off-topic", "warning-sign" or "skip" (null skips); "passages": '
                 'candidate numbers (2, or "2.1" for its first sentence) and/or "evidence": words of the article; '
                 '"sign": the warning sign\'s name')


def read_labels(path: Path, chunks: Sequence[Chunk]) -> list[tuple[Logged, Label]]:
    """The labelled questions of an exported (and filled-in) file, every one checked; nothing is written.

    A line needs "question" and "label"; "passages" refer to its own "candidates". Every problem is
    reported at once, with its line number, so one run fixes them all.
    """
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise BotError(f"Cannot read {path}: {err.strerror or err}.") from err
    labelled, problems = [], []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict) or not str(row.get("question") or "").strip():
                raise LabelError('each line must be a JSON object with a "question"')
            verdict = row.get("label") or "skip"
            options = [Candidate(str(c.get("source", "")), str(c["text"]), tuple(c.get("sentences") or ()))
                       for c in row.get("candidates") or []]
            evidence = picked_passages(row.get("passages") or [], options) + [str(e) for e in row.get("evidence") or []]
            label = checked(Label(str(verdict), tuple(evidence), str(row.get("sign") or "")), chunks)
        except (ValueError, KeyError, TypeError, AttributeError, LabelError) as err:
            problems.append(f"{path}:{number}: {err}")
            continue
        counts = row.get("logged") if isinstance(row.get("logged"), dict) else {}
        counts = tuple((k, int(counts[k])) for k in KINDS if isinstance(counts.get(k), int) and counts[k] > 0)
        labelled.append((Logged(" ".join(str(row["question"]).split()), counts), label))  # counts: () if hand-written
    if problems:
        shown = "\n".join(problems[:20]) + (f"\n… and {len(problems) - 20} more" if len(problems) > 20 else "")
        raise LabelError(f"Nothing was imported: {len(problems)} line(s) need fixing.\n{shown}\n"
                         f"Fields: {IMPORT_FIELDS}.")
    return labelled


def import_labels(settings: Settings, labelled: Sequence[tuple[Logged, Label]]) -> Counter:
    """Record each label not already decided; how many of each verdict were written (and "already")."""
    known = {same_question(q) for q in decided(settings)}
    written: Counter = Counter()
    for item, label in labelled:
        key = same_question(item.question)
        if label.verdict != "skip" and key in known:
            written["already"] += 1
            continue
        record(settings, item, label)
        written[label.verdict] += 1
        if label.verdict != "skip":
            known.add(key)
    return written


def _jsonl(path: Path) -> list[dict]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except ValueError as err:
                raise BotError(f"{path}:{number} is not JSON ({err}); fix or remove that line.") from err
    return rows
