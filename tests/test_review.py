"""Learning from the page's own visitors: the opt-in log of unanswered questions, and the review loop.

One real page per module over the shipped checkout (its committed index, read only), with the log
turned on and small caps, beside the conftest's `shipped_page` (log off, the default). The loop
runs end to end once: the page refuses one question and a visitor votes down the answer to
another, `bot review --export`/`--import` labels both, `bot build` refits in a temporary copy of
the checkout (never the repo's index/), and the rebuilt bot answers both from the labelled
passages. The terminal review is driven with its input scripted, in a copy of the checkout.
"""

from __future__ import annotations

import io
import json
import shutil
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from conftest import Server, queue_call, serve

from bot.build import chunk_corpus
from bot.chatbot import Chatbot
from bot.cli import main
from bot.config import REPO_ROOT, Settings
from bot.errors import BotError
from bot.questions import label, read_rows
from bot.review import merge, same_question
from bot.safety import RED_FLAGS
from bot.ui.feedback import FeedbackLog
from bot.ui.unanswered import NOTE, UnansweredLog

#: Refused by the shipped bot, though the article speaks to it ("difficulty in bending down…"): asked in
#: Spanish ("why does my back hurt when I bend down?"), which no labelled question is. (The bank has
#: grown until the English ones this loop was first shown with are answered.)
REFUSED = "¿por qué me duele la espalda al agacharme?"
REFUSED_EVIDENCE = "difficulty in bending down and performing any stressful activities"
#: Answered by the shipped bot with another cause ("a sudden catch"); the article's answer is the pregnancy line.
DISLIKED = "expecting our first, back keeps grabbing, normal?"
DISLIKED_EVIDENCE = "Pregnant woman can also complain about this problem quite often."
OFF_TOPIC = "Can you recommend a good lasagne recipe with spinach?"
#: The page's caps while the log is on: small, so a few questions reach them.
CHARS, PER_SESSION, LOG_BYTES = 200, 3, 1000


@dataclass
class Page:
    server: Server
    config: dict

    @property
    def settings(self) -> Settings:
        return self.server.settings

    def dependency(self, name: str) -> dict:
        return next(d for d in self.config["dependencies"] if d.get("api_name") == name)

    def ask(self, session: str, question: str) -> list[dict]:
        """Ask through the page's own queue, as the browser does; the answer's messages."""
        status, result = queue_call(self.server.url, self.dependency("chat")["id"], [question, None], session)
        assert status == 200 and result["success"], result
        return result["output"]["data"][0]

    def vote(self, session: str, index: int, liked: bool) -> None:
        like = self.dependency("on_like")
        status, result = queue_call(self.server.url, like["id"], [None], session, trigger_id=like["targets"][0][0],
                                    event_data={"index": index, "value": "", "liked": liked})
        assert status == 200 and result["success"], result


def _page(server: Server) -> Page:
    return Page(server, json.loads(urllib.request.urlopen(f"{server.url}config", timeout=30).read()))


@pytest.fixture(scope="module")
def logging_page(tmp_path_factory: pytest.TempPathFactory, embedder) -> Iterator[Page]:
    """The shipped checkout served with the unanswered-questions log on, and small caps."""
    feedback = tmp_path_factory.mktemp("review-page") / "feedback" / "feedback.jsonl"
    settings = replace(Settings.for_repo(REPO_ROOT), feedback_log=feedback, log_unanswered=True,
                       feedback_chars=CHARS, votes_per_session=PER_SESSION, feedback_log_bytes=LOG_BYTES)
    with serve(settings, embedder) as server:
        yield _page(server)


def _lines(path: Path | None) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def _copy_checkout(root: Path) -> Settings:
    """A copy of the shipped corpus (bank included) and its committed index, to label and rebuild."""
    shutil.copytree(REPO_ROOT / "corpus", root / "corpus")
    shutil.copytree(REPO_ROOT / "index", root / "index")
    return replace(Settings.for_repo(root), feedback_log=root / "feedback" / "feedback.jsonl")


# --- The switch and the bounds, over HTTP -------------------------------------------------------------


def test_the_log_is_off_unless_the_owner_turns_it_on(shipped_page: Server, logging_page: Page) -> None:
    assert Settings.log_unanswered is False
    off = _page(shipped_page)
    off.ask("off-by-default", OFF_TOPIC)
    assert not shipped_page.settings.unanswered_log.exists()
    assert NOTE not in json.dumps(off.config)
    assert NOTE in json.dumps(logging_page.config), "the page says so when the log is on"


def test_the_switch_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOT_LOG_UNANSWERED", raising=False)
    assert Settings.from_env().log_unanswered is False
    monkeypatch.setenv("BOT_LOG_UNANSWERED", "1")
    assert Settings.from_env().log_unanswered is True
    monkeypatch.setenv("BOT_LOG_UNANSWERED", "maybe")
    with pytest.raises(BotError, match="BOT_LOG_UNANSWERED must be 1"):
        Settings.from_env()


def test_a_refused_question_is_logged_with_nothing_about_the_visitor(logging_page: Page) -> None:
    log = logging_page.settings.unanswered_log
    before = len(_lines(log))
    logging_page.ask("visitor-7f3a", OFF_TOPIC)
    logging_page.ask("visitor-7f3a", "Does ice help with back spasms?")  # answered: not logged
    entries = _lines(log)[before:]
    assert [(e["coverage"], e["question"]) for e in entries] == [("none", OFF_TOPIC)]
    assert set(entries[0]) == {"date", "coverage", "question"}
    assert "visitor-7f3a" not in log.read_text(encoding="utf-8")
    assert log.parent == logging_page.settings.feedback_log.parent, "beside the votes"
    for route in ("gradio_api/file=", "file=", "gradio_api/file/"):  # and, like them, never served
        try:
            body = urllib.request.urlopen(f"{logging_page.server.url}{route}{log}", timeout=30).read()
        except urllib.error.HTTPError as err:
            body = err.read()
            assert err.code >= 400
        assert OFF_TOPIC.encode() not in body, route


def test_the_log_is_capped_per_session_per_question_and_in_size(logging_page: Page) -> None:
    log = logging_page.settings.unanswered_log
    story = "My neighbour's cat keeps climbing the curtains and I want to know which plants are safe. " * 4
    for session in ("flood-a", "flood-b"):
        for i in range(PER_SESSION + 2):
            logging_page.ask(session, f"{i}. {story}")
    rotated = Path(f"{log}.1")
    assert rotated.exists(), "the log rotated at its size cap"
    assert log.stat().st_size <= LOG_BYTES and rotated.stat().st_size <= LOG_BYTES
    ours = [e for e in _lines(rotated) + _lines(log) if "neighbour's cat" in e["question"]]
    assert sorted(e["question"][:2] for e in ours) == sorted(2 * [f"{i}." for i in range(PER_SESSION)]), \
        "each session logs at most its cap"
    assert all(len(e["question"]) == CHARS + 1 and e["question"].endswith("…") for e in ours)


def test_the_unanswered_log_counts_each_session_apart_and_forgets_the_oldest(tmp_path: Path) -> None:
    log = UnansweredLog(FeedbackLog(tmp_path / "unanswered.jsonl"), per_session=2, sessions=2)
    assert [log.record("a", f"q{i}", "none") is not None for i in range(3)] == [True, True, False]
    assert log.record("b", "full answer", "full") is None and log.record("b", "  ", "none") is None
    log.record("b", "q", "partial")
    log.record("c", "q", "none")  # "a" is the least recently used of three: forgotten
    assert log.record("a", "again", "none") is not None
    assert len(log._counts) == 2


# --- Reading the logs ------------------------------------------------------------------------------


def test_near_duplicates_are_merged_with_their_count_and_the_worst_comes_first() -> None:
    logged = merge([("partial", "Can I take ibuprofen?"), ("refused", "does ice help with spasms"),
                    ("refused", "Does ice help with spasms??"), ("refused", "with spasms, does ice help"),
                    ("disliked", "Is heat better?"), ("refused", "does heat help with spasms")])
    assert [(q.question, q.summary()) for q in logged] == [
        ("Is heat better?", "thumbs down ×1"),
        ("does ice help with spasms", "refused ×3"),
        ("does heat help with spasms", "refused ×1"),
        ("Can I take ibuprofen?", "answered in part ×1"),
    ]
    assert same_question("Does ice help?") != same_question("Does ice not help?")


# --- The terminal review, its input scripted ----------------------------------------------------------


def test_the_review_walks_the_logs_worst_first_and_resumes_where_it_stopped(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    settings = _copy_checkout(tmp_path / "repo")
    in_bank = read_rows(settings.corpus_dir / "questions" / "lay.jsonl")[0]["question"]
    votes = FeedbackLog(settings.feedback_log)
    votes.record("dislike", DISLIKED, "The article says: …", 1)
    votes.record("like", "Does heat help?", "The article says: …", 1)  # a thumbs-up needs no review
    unanswered = UnansweredLog(FeedbackLog(settings.unanswered_log))
    for session, question in [("a", REFUSED), ("b", "Por qué me duele la espalda al agacharme"),
                              ("c", OFF_TOPIC), ("d", in_bank), ("e", "I cant feel my bum and my back is in spasm"),
                              ("f", "what oil should I use for the massage")]:
        unanswered.record(session, question, "none")
    script = [
        "9", "w back spasms", "w pregnant woman can also complain",  # 1: the disliked question
        "7.9", f"w {REFUSED_EVIDENCE.upper()} xyz", f"w {REFUSED_EVIDENCE.upper()}",  # 2: refused ×2
        "o",  # 3: off-topic
        "!", "1",  # 4: a warning sign, the first one listed
        "s",  # 5: left for later
    ]  # …and the input ends: the review stops there
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(script) + "\n"))
    monkeypatch.setenv("BOT_FEEDBACK_LOG", str(settings.feedback_log))  # the logs copied from a server
    assert main(["review", "--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir)]) == 0
    out = capsys.readouterr().out
    assert "5 question(s) to review" in out and "(1 already decided)" in out
    shown = [line for line in out.splitlines() if line.startswith("Question: ")]
    assert shown == [f"Question: {q}" for q in (DISLIKED, REFUSED, OFF_TOPIC, "I cant feel my bum and my back is in "
                                                 "spasm", "what oil should I use for the massage")]
    assert "[1/5] thumbs down ×1" in out and "[2/5] refused ×2" in out
    assert "There is no passage 9" in out and "“back spasms” is in" in out
    assert "There is no passage 7" in out and "is not in the article word for word" in out
    assert "Passages it found, best first:" in out and "1.1  " in out
    rows = read_rows(settings.reviewed_questions)
    assert [(r["question"], r["abstain"], r["coverage"]) for r in rows] == [
        (DISLIKED, False, "full"), (REFUSED, False, "full"), (OFF_TOPIC, True, "none")]
    assert rows[0]["evidence"] == ["Pregnant woman can also complain"], "the article's own words, as it writes them"
    assert rows[1]["evidence"] == [REFUSED_EVIDENCE] and rows[1]["asked"] == 2
    labelled = label(rows, chunk_corpus(settings))
    assert [len(q.positives) for q in labelled] == [1, 1, 0], "each label names one passage of the article"
    signs = [json.loads(line) for line in settings.reviewed_warning_signs.read_text().splitlines()]
    assert [(s["question"], s["sign"]) for s in signs] == [("I cant feel my bum and my back is in spasm",
                                                            RED_FLAGS[0].name)]

    # A second run (the index is now older than the bank: the review still loads it) shows what is left.
    monkeypatch.setattr("sys.stdin", io.StringIO("q\n"))
    assert main(["review", "--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir)]) == 0
    out = capsys.readouterr().out
    assert "1 question(s) to review" in out and "(5 already decided)" in out
    assert [line for line in out.splitlines() if line.startswith("Question: ")] == [
        "Question: what oil should I use for the massage"]
    assert len(read_rows(settings.reviewed_questions)) == 3


def test_an_import_with_words_that_are_not_the_articles_writes_nothing(tmp_path: Path, capsys) -> None:
    settings = _copy_checkout(tmp_path / "repo")
    labels = tmp_path / "labels.jsonl"
    labels.write_text("\n".join(json.dumps(row) for row in [
        {"question": REFUSED, "label": "answer", "evidence": ["bending down is great for you"]},
        {"question": OFF_TOPIC, "label": "off-topic"},
        {"question": DISLIKED, "label": "answer", "passages": [2]},  # no candidates exported
        {"question": "Does it help?", "label": "maybe"},
    ]) + "\n")
    assert main(["review", "--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir),
                 "--import", str(labels)]) == 1
    err = capsys.readouterr().err
    assert "Nothing was imported: 3 line(s) need fixing" in err
    assert f"{labels}:1: “bending down is great for you” is not in the article word for word" in err
    assert f"{labels}:3: There is no passage 2" in err and f"{labels}:4: “maybe” is not a label" in err
    assert not settings.reviewed_questions.exists()


# --- The whole loop ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_questions_refused_or_voted_down_are_answered_from_the_labelled_passages_after_a_rebuild(
        logging_page: Page, tmp_path: Path, embedder, capsys: pytest.CaptureFixture) -> None:
    # A visitor's question is refused; another's answer is voted down.
    refused = logging_page.ask("loop-refused", REFUSED)
    assert "does not cover" in json.dumps(refused)
    disliked = logging_page.ask("loop-disliked", DISLIKED)
    assert "Pregnant" not in json.dumps(disliked)
    logging_page.vote("loop-disliked", 1, liked=False)
    logs = [p for p in (Path(f"{logging_page.settings.unanswered_log}.1"), logging_page.settings.unanswered_log,
                        logging_page.settings.feedback_log) if p.exists()]
    held = [e for path in logs for e in _lines(path)]
    assert {"coverage": "none", "question": REFUSED} in [{k: e.get(k) for k in ("coverage", "question")} for e in held]
    assert [e["question"] for e in held if e.get("rating") == "dislike"] == [DISLIKED]

    # The owner copies the logs next to a checkout, exports what is left, labels it and imports it.
    settings = _copy_checkout(tmp_path / "repo")
    where = ["--corpus", str(settings.corpus_dir), "--index", str(settings.index_dir)]
    logged = [arg for path in logs for arg in ("--log", str(path))]
    todo = tmp_path / "todo.jsonl"
    assert main(["review", *where, *logged, "--export", str(todo)]) == 0
    rows = [json.loads(line) for line in todo.read_text(encoding="utf-8").splitlines()]
    by_question = {row["question"]: row for row in rows}
    first, second = by_question[REFUSED], by_question[DISLIKED]
    assert first["coverage"] == "none" and second["logged"] == {"disliked": 1}
    first["label"] = "answer"
    # The refused one's passage is not among those it found: its words are named instead; the other's is picked.
    first["evidence"] = [REFUSED_EVIDENCE]
    second["label"] = "answer"
    second["passages"] = [next(n for n, c in enumerate(second["candidates"], start=1)
                               if DISLIKED_EVIDENCE in c["text"])]
    todo.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    assert main(["review", *where, "--import", str(todo)]) == 0
    assert "Recorded: 2 answer" in capsys.readouterr().out
    assert [r["question"] for r in read_rows(settings.reviewed_questions)] == [DISLIKED, REFUSED], "worst first"

    # The rebuild fits on them with nothing else to change, and both are now answered from them.
    assert main(["build", *where, "-q"]) == 0
    assert "labelled questions" in capsys.readouterr().out
    bot = Chatbot.load(settings, embedder=embedder, rebuild=False)
    for question, evidence in ((REFUSED, REFUSED_EVIDENCE), (DISLIKED, DISLIKED_EVIDENCE)):
        answer = bot.ask(question)
        assert answer.coverage == "full", (question, answer.markdown)
        assert evidence in answer.passages[0].text, answer.markdown
        assert any(evidence in p.text for p in answer.quoted), answer.markdown

    # Nothing of theirs is left to review; `bot eval` reads the reviewed file as any labelled set.
    assert main(["review", *where, *logged, "--export", str(todo)]) == 0
    assert {REFUSED, DISLIKED}.isdisjoint(json.loads(line)["question"] for line in todo.read_text().splitlines())
    assert main(["eval", *where, str(settings.reviewed_questions), "--out", str(tmp_path / "eval")]) == 0
    assert "hit_at_1: 1.000" in capsys.readouterr().out

