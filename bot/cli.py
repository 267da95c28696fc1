"""`python -m bot build | ask | serve | eval | review`: the command-line edge, the only module that prints.

Exit status: 0 on success, 1 with a one-line message on a user error (a BotError), 2 on bad usage.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import Counter
from pathlib import Path

from .config import REPO_ROOT, Settings
from .errors import BotError


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env(REPO_ROOT)
    overrides = {}
    if getattr(args, "corpus", None):
        overrides["corpus_dir"] = Path(args.corpus)
    if getattr(args, "index", None):
        overrides["index_dir"] = Path(args.index)
    from dataclasses import replace

    return replace(settings, **overrides) if overrides else settings


def _build(args: argparse.Namespace) -> int:
    from .build import build

    settings = _settings(args)
    manifest = build(settings, progress=not args.quiet and sys.stderr.isatty())
    print(
        f"Built {settings.index_dir}: {manifest['chunks']} chunks, {manifest['sentences']} sentences "
        f"from {len(manifest['corpus'])} document(s) in {manifest['build_seconds']} s ({manifest['index_type']})."
    )
    report = manifest["query_model"]["report"]
    if "abstention" in report:
        abstain = report["abstention"]
        print(f"Query model fitted on {report['questions']} labelled questions ({report['folds']}-fold CV): "
              f"top passage right for {report['cv_hit_at_1']:.0%} of answerable ones; refuses "
              f"{abstain['cv_refused_out_of_scope']:.0%} of off-topic ones and answers "
              f"{abstain['cv_honest_out_of_scope'] - abstain['cv_refused_out_of_scope']:.0%} as partial; refuses "
              f"{abstain['cv_refused_in_scope']:.0%} of answerable ones and answers "
              f"{abstain['cv_partial_in_scope']:.0%} as partial (out-of-fold).")
    else:
        print(f"No labelled questions in {settings.corpus_dir / 'questions'}: the query model is untrained.")
    return 0


def _ask(args: argparse.Namespace) -> int:
    from .chatbot import Chatbot

    settings = _settings(args)
    bot = Chatbot.load(settings, rebuild=False)
    questions = [args.question] if args.question is not None else None
    if questions is None:
        # Batch mode: one question per line, one answer per line, in order; the model loads once.
        for line in sys.stdin:
            question = line.rstrip("\n")
            print(_reply(bot, question, as_json=args.json), flush=True)
        return 0
    print(_reply(bot, questions[0], as_json=args.json))
    return 0


def _reply(bot, question: str, as_json: bool) -> str:
    from .answer import Answer
    from .chatbot import encodable
    from .errors import EmptyQuestionError

    try:
        answer = bot.ask(question)
    except EmptyQuestionError as err:
        if as_json:  # the same fields as any answer, so a reader of the stream needs no special case
            nothing = Answer(question=encodable(question), abstained=True, passages=[], quoted=[], confidence="low")
            return json.dumps(nothing.to_json() | {"answer": str(err)}, ensure_ascii=False)
        return str(err)
    if as_json:
        return answer.to_json_line()
    return answer.markdown


def _eval(args: argparse.Namespace) -> int:
    from .chatbot import Chatbot
    from .evaluate import cross_validated_answers, document_texts, evaluate, read_questions, score

    settings = _settings(args)
    bot = Chatbot.load(settings, rebuild=False)
    paths = [Path(f) for f in args.files]
    sets = [read_questions(path) for path in paths]
    if args.cv:
        # One outer split for every file at once: rewordings across files share a fold.
        everything = [row for rows in sets for row in rows]
        answers = cross_validated_answers(bot, everything, args.cv)
        documents = document_texts(settings.corpus_dir)
        reports, start = [], 0
        for rows in sets:
            reports.append(score(rows, answers[start : start + len(rows)], documents))
            start += len(rows)
    else:
        reports = [evaluate(bot, rows) for rows in sets]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    suffix = f"-cv{args.cv}" if args.cv else ""
    for path, report in zip(paths, reports, strict=True):
        kind = f"out-of-fold, {args.cv}-fold CV over corpus/questions/" if args.cv else "the shipped model"
        print(f"== {path.name} ({kind})")
        for key, value in report.metrics.items():
            print(f"{key}: {value:.3f}" if isinstance(value, float) else f"{key}: {value}")
        stem = f"eval-{path.stem}{suffix}"
        (out / f"{stem}.json").write_text(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n")
        (out / f"{stem}.md").write_text(report.to_markdown(f"Evaluation on {path.name} ({kind})"))
        short = report.short_of_targets()
        print(f"{len(report.misses)} misses; " + ("all targets met" if not short else "short: " + ", ".join(short)))
        print(f"Report: {out / f'{stem}.md'}")
    return 0


def _review(args: argparse.Namespace) -> int:
    from . import review

    settings = _settings(args)
    if args.import_file:
        from .build import chunk_corpus

        chunks = chunk_corpus(settings)  # the evidence is checked against the article's passages as built
        written = review.import_labels(settings, review.read_labels(Path(args.import_file), chunks))
        _print_review_summary(written, settings)
        return 0
    logs = [Path(p) for p in args.log] if args.log else review.default_logs(settings)
    if not logs:
        raise BotError(f"No logs to review: neither {settings.feedback_log} nor {settings.unanswered_log} exists. "
                       "Copy them from the server (docs/review.md) or name them with --log FILE.")
    items, known, unreadable = review.pending(settings, logs)
    print(f"{len(items)} question(s) to review from {', '.join(str(p) for p in logs)}"
          f" ({known} already decided).")
    if unreadable:
        print(f"{unreadable} line(s) of the logs could not be read and were left out.", file=sys.stderr)
    if not items:
        if args.export:  # an empty file, so a script's next step has nothing to import
            Path(args.export).write_text("", encoding="utf-8")
        return 0
    bot = review.load_bot(settings)
    if args.export:
        rows = []
        for item in items:
            answer = bot.ask(item.question)
            rows.append(review.export_row(item, answer, review.candidates(bot, answer)))
        Path(args.export).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        print(f"Wrote {len(rows)} question(s) to {args.export}. Fill in each line's {review.IMPORT_FIELDS}; "
              f"then: python -m bot review --import {args.export}")
        return 0
    print(REVIEW_HELP)
    written = Counter()
    for number, item in enumerate(items, start=1):
        label = _label_one(bot, item, f"[{number}/{len(items)}]")
        if label is None:
            break
        review.record(settings, item, label)
        written[label.verdict] += 1
    _print_review_summary(written, settings)
    return 0


REVIEW_HELP = """For each question, type:
  2        passage 2 answers it (2 4: both; 2.1: only its first sentence)
  w WORDS  these words of the article answer it (copied from it, checked word for word)
  p 2      the article comes closest in passage 2 but does not answer it (p w WORDS: in these words)
  o        off-topic: the article does not cover it
  !        a warning sign: it goes to the safety phrasings, not the bank
  s        skip it for now (Enter too); q: stop here (what is labelled is kept); ?: this help"""


def _label_one(bot, item, position: str):
    """Show one logged question and read the owner's label; None to stop."""
    from . import review
    from .safety import RED_FLAGS

    answer = bot.ask(item.question)
    options = review.candidates(bot, answer)
    print(f"\n{position} {item.summary()}\nQuestion: {item.question}")
    print(f"The bot now {_coverage_words(answer)}")
    for quote in ([] if answer.abstained else [p.quote for p in answer.quoted]):
        print(_indent(f"“{quote}”", "    "))
    if answer.signs:
        print(f"    (warning sign read: {', '.join(answer.signs)})")
    print("Passages it found, best first:")
    for number, option in enumerate(options, start=1):
        print(f"  {number}  {option.source}")
        for sentence_number, sentence in enumerate(option.sentences, start=1):
            print(_indent(f"{number}.{sentence_number}  {sentence}", "      "))
    while True:
        try:
            reply = input("label [2 / w WORDS / p 2 / o / ! / s / q]: ").strip()
        except EOFError:
            return None
        command, _, rest = reply.partition(" ")
        if command in ("?", "h", "help"):
            print(REVIEW_HELP)
            continue
        try:
            if command in ("q", "quit"):
                return None
            if command in ("", "s", "skip"):
                return review.Label("skip")
            if command == "o":
                return review.Label("off-topic")
            if command == "!":
                return review.checked(review.Label("warning-sign", sign=_read_sign([s.name for s in RED_FLAGS])), ())
            verdict = "partial" if command == "p" else "answer"
            spec = rest if command == "p" else reply
            words, _, typed = spec.strip().partition(" ")
            evidence = [typed] if words == "w" else review.picked_passages(spec.split(), options)
            return review.checked(review.Label(verdict, tuple(evidence)), bot.index.chunks)
        except review.LabelError as err:
            print(f"  {err}")
        except _StopReview:
            return None


class _StopReview(Exception):
    """The input ended while a warning sign was being named."""


def _read_sign(names: list[str]) -> str:
    print("Which warning sign?")
    for number, name in enumerate(names, start=1):
        print(f"  {number}  {name}")
    while True:
        try:
            reply = input("sign [number, or its name if not listed]: ").strip()
        except EOFError as err:
            raise _StopReview from err
        if reply.isdigit() and 1 <= int(reply) <= len(names):
            return names[int(reply) - 1]
        if reply and not reply.isdigit():
            return reply
        print(f"  Type a number from 1 to {len(names)}, or the sign's name.")


def _coverage_words(answer) -> str:
    if answer.abstained:
        return "refuses it (“The article does not cover this.”)."
    return "answers it in part (the closest quotes):" if answer.partial else "answers it with:"


def _indent(text: str, prefix: str) -> str:
    import textwrap

    return textwrap.fill(text, width=100, initial_indent=prefix, subsequent_indent=prefix + "    ")


def _print_review_summary(written: Counter, settings: Settings) -> None:
    labelled = sum(n for verdict, n in written.items() if verdict not in ("skip", "already", "warning-sign"))
    parts = [f"{n} {verdict}" for verdict, n in sorted(written.items()) if verdict != "already"]
    print(f"Recorded: {', '.join(parts) or 'nothing'}"
          + (f"; {written['already']} already decided, left as they were" if written["already"] else "") + ".")
    if labelled:
        print(f"Labelled questions are in {settings.reviewed_questions}. Next: python -m bot build, then "
              "python -m bot eval --cv 5 corpus/questions/*.jsonl (docs/review.md).")
    if written["warning-sign"]:
        print(f"Warning signs are in {settings.reviewed_warning_signs}, for the safety phrasings (docs/review.md).")


def _serve(args: argparse.Namespace) -> int:
    from .app import serve

    return serve(_settings(args), host=args.host, port=args.port)


def _parser() -> argparse.ArgumentParser:
    from .app import add_server_options  # light: bot.app imports gradio and the model only when serving

    parser = argparse.ArgumentParser(prog="python -m bot",
                                     description="Answer questions about the corpus by quoting it.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to standard error")
    commands = parser.add_subparsers(dest="command", required=True)

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--corpus", metavar="DIR", help="corpus folder (default: the repo's corpus/)")
        sub.add_argument("--index", metavar="DIR", help="index folder (default: the repo's index/)")

    build = commands.add_parser("build", help="chunk and embed the corpus into the index folder",
                                epilog="example: python -m bot build --corpus corpus --index index")
    common(build)
    build.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    build.set_defaults(run=_build)

    ask = commands.add_parser("ask", help="answer a question (or one per line of standard input)",
                              epilog='example: python -m bot ask --json "Does ice help with back spasms?"')
    common(ask)
    ask.add_argument("question", nargs="?", help="the question; without it, questions are read from standard input")
    ask.add_argument("--json", action="store_true", help="print one JSON object per answer")
    ask.set_defaults(run=_ask)

    evaluate = commands.add_parser("eval", help="score the bot on a labelled question file (JSON lines)",
                                   epilog="example: python -m bot eval --cv 5 corpus/questions/lay.jsonl")
    common(evaluate)
    evaluate.add_argument("files", nargs="+", metavar="FILE",
                          help='questions: {"id", "question", "abstain", "evidence": [...]} per line')
    evaluate.add_argument("--cv", type=int, metavar="K", default=0,
                          help="answer each question with a query model fitted without it (K-fold over the bank)")
    evaluate.add_argument("--out", default="docs/eval", help="folder for the Markdown and JSON reports")
    evaluate.set_defaults(run=_eval)

    review = commands.add_parser(
        "review", help="label the questions visitors voted down or the bot could not answer (docs/review.md)",
        epilog="example: python -m bot review --log feedback/unanswered.jsonl --log feedback/feedback.jsonl")
    common(review)
    review.add_argument("--log", action="append", metavar="FILE",
                        help="a vote or unanswered-questions log (repeatable; default: those in feedback/)")
    exchange = review.add_mutually_exclusive_group()
    exchange.add_argument("--export", metavar="FILE", help="write the questions left to label to FILE (JSON lines)")
    exchange.add_argument("--import", dest="import_file", metavar="FILE",
                          help="record the labels filled in FILE (as --export writes it)")
    review.set_defaults(run=_review)

    serve = commands.add_parser("serve", help="serve the chat page", epilog="example: python -m bot serve --port 7860")
    common(serve)
    add_server_options(serve)  # the same options and defaults as `python app.py`
    serve.set_defaults(run=_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.run(args)
    except BotError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
