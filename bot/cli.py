"""`python -m bot build | ask | serve | eval`: the command-line edge, the only module that prints.

Exit status: 0 on success, 1 with a one-line message on a user error (a BotError), 2 on bad usage.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
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
    from .chatbot import encodable
    from .errors import EmptyQuestionError

    try:
        answer = bot.ask(question)
    except EmptyQuestionError as err:
        if as_json:
            return json.dumps({"question": encodable(question), "abstained": True, "coverage": "none",
                               "answer": str(err), "urgent": None, "signs": [], "passages": []}, ensure_ascii=False)
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
