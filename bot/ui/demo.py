"""`build_demo(bot, settings)` → the chat page and its API (/chat, /search), as a Gradio app.

The page is assembled here from its parts: answers rendered by `render`, a session kept by
`session`, votes recorded by `feedback` (and, when the owner turns it on, the questions it could
not fully answer by `unanswered`), and what the page says about the article from `page`.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import gradio as gr

from .. import safety
from ..answer import Answer
from ..chatbot import clean_question
from ..config import Settings
from ..errors import BotError, EmptyQuestionError
from . import page
from .feedback import AnswerLedger, FeedbackLog, record_votes
from .limits import queue_every_event
from .render import empty_prompt, render_answer, starting_message, suggestions_html, urgent_markdown
from .session import BoundedChatInterface, answered_turns, history_for_bot, plain_text
from .smalltalk import reply_text, small_talk
from .unanswered import page_note, unanswered_log

if TYPE_CHECKING:
    from ..chatbot import Chatbot

BotSource = Callable[[], "Chatbot"]


def build_demo(bot: Chatbot | BotSource, settings: Settings | None = None) -> gr.Blocks:
    """The chat page and its API (/chat, /search) around a loaded bot, or a function that returns it.

    Passing a function lets the page start while the model and index load in the background: the
    page is built from `settings` and the corpus, and each request waits for the bot (a BotLoader's
    wait is shown on the page as "The bot is starting…").
    """
    get_bot: BotSource = bot if callable(bot) else (lambda: bot)
    settings = settings or bot.settings  # type: ignore[union-attr]
    info = page.page_info(settings.corpus_dir)
    examples = info.examples
    if not examples:  # a corpus without examples still offers questions it can answer
        examples = _loaded(get_bot).example_questions
    examples = examples[: settings.max_examples]

    # The answers each session was given, for checking votes (none are kept without a feedback log).
    ledger = AnswerLedger(capacity=settings.session_capacity if settings.feedback_log else 0,
                          answers=settings.ledger_answers, votes=settings.votes_per_session,
                          client_votes=settings.votes_per_client, clients=settings.clients_tracked,
                          chars=settings.feedback_chars)
    # Questions the bot could not fully answer, for `python -m bot review` (opt-in: Settings.log_unanswered).
    unanswered = unanswered_log(settings)

    def chat(message: str, history: list[dict], request: gr.Request) -> Iterator[list[gr.ChatMessage]]:
        """Answer one chat message by quoting the article, with the conversation so far.

        A generator: while the bot is still loading, it says so (about once a second), then answers.
        """
        question = plain_text(message) if not isinstance(message, str) else message
        if not question.strip():
            yield [empty_prompt(examples)]
            return
        recent = history_for_bot(history, settings.max_history_turns, settings.max_question_chars)
        kind = small_talk(question)
        if kind:
            messages = _small_talk_reply(kind, question, recent)
        else:
            chatbot = yield from _wait_for_bot(get_bot, settings.bot_load_wait_s)
            try:
                # Follow-ups are read with the questions that were answered; a warning sign raised
                # anywhere earlier in the conversation is repeated first on every later answer.
                answer = safety.with_conversation_notice(chatbot.ask(question, history=answered_turns(recent)),
                                                         recent)
            except EmptyQuestionError:  # only invisible characters were typed
                yield [empty_prompt(examples)]
                return
            except BotError as err:
                raise gr.Error(str(err), print_exception=False) from err
            messages = render_answer(answer, settings.echo_chars)
            if unanswered:
                unanswered.record(getattr(request, "session_hash", None),
                                  clean_question(question, len(question))[0], answer.coverage)
        # What was said, so that a vote on it records the server's words (bot.ui.feedback).
        ledger.record(getattr(request, "session_hash", None), clean_question(question, len(question))[0],
                      [m.content for m in messages if isinstance(m.content, str)])
        yield messages

    def _small_talk_reply(kind: str, question: str, recent: list[dict]) -> list[gr.ChatMessage]:
        """A short friendly reply with example questions, after the conversation's urgent notice if any."""
        reply = f"{reply_text(kind, html.escape(info.title))}\n\n{suggestions_html(examples[:3])}"
        messages = [gr.ChatMessage(content=reply)]
        quiet = Answer(question=question, abstained=True, passages=[], quoted=[], confidence="low")
        notice = safety.with_conversation_notice(quiet, recent).urgent
        return [gr.ChatMessage(content=urgent_markdown(notice)), *messages] if notice else messages

    def search(question: str, k: int = 5) -> list[dict]:
        """Find the passages of the article that best answer a question, best first.

        Each record is one passage: `text` (the passage, verbatim), `quote` (its sentences that
        answer, verbatim), `source` ("Article › Section"), `section`, `score`, `doc` (file in the
        corpus), `start`/`end` and `quote_start`/`quote_end` (character offsets in that file),
        `title`, `kind`, `quoted` (the chat's answer quotes it) and `coverage`, the same in every
        record: how much of the question the article answers ("full"; "partial": these are only the
        closest it comes; "none": it does not cover the question, the passages are merely the
        nearest), and `unmentioned`, also the same in every record: the question's own words for
        what it asks about that the article never mentions (partial or none only; may be empty).
        Texts are raw: escape them before showing them as HTML.

        Args:
            question: the question, in your own words (up to 1000 characters are read).
            k: how many passages to return, from 1 to 20.
        """
        most = settings.max_search_k
        try:
            k = int(k)
        except (TypeError, ValueError) as err:
            raise gr.Error(f"k must be a whole number from 1 to {most}.", print_exception=False) from err
        if not 1 <= k <= most:
            raise gr.Error(f"k must be from 1 to {most}; got {k}.", print_exception=False)
        chatbot = _loaded(get_bot)
        try:
            answer = chatbot.ask(str(question or ""), k=k)
        except BotError as err:
            raise gr.Error(str(err), print_exception=False) from err
        named = list(answer.unmentioned)
        return [p | {"coverage": answer.coverage, "unmentioned": named} for p in answer.passage_records()]

    chatbot_view = gr.Chatbot(
        buttons=["copy", "copy_all"],  # no "share" button: questions about health stay private
        watermark=info.copy_note,  # bot/data/page.js copies plain text and adds it too
        sanitize_html=True,
        scale=1,  # with fill_height, the conversation takes the room the header leaves
        height=320, min_height=320,  # at least this tall: the whole page fits a 720 px embed (README)
        show_label=False,
        placeholder="Ask a question in your own words, or pick one of these:",
        elem_id="chat",
        autoscroll=False,  # bot/data/page.js scrolls each new answer to its top, not the chat to its bottom
    )
    demo = BoundedChatInterface(
        chat,
        api_name="chat",
        api_description="Answer a question by quoting the article: message in, chat messages out.",
        chatbot=chatbot_view,
        textbox=gr.Textbox(
            placeholder="Ask about the article in your own words…",
            max_length=settings.max_question_chars,  # a hint to the browser; chat() cuts anything longer
            label="Your question about the article", show_label=False, lines=1, max_lines=6, submit_btn=True,
            autofocus=False,  # bot/data/page.js focuses it without scrolling: the page opens at its top
        ),
        description=page.page_header(info) + (page_note() if unanswered else ""),
        examples=examples,
        cache_examples=False,
        show_progress="hidden",  # no "queue: 1/1 | 0.0s" flashing on every answer; a slow start says so itself
        concurrency_limit=settings.chat_concurrency,
        analytics_enabled=False,
        fill_height=True,
        delete_cache=(3600, 3600),
        settings=settings,
    )
    demo.title = info.articles[0].title
    with demo:
        gr.api(search, api_name="search", concurrency_limit=settings.chat_concurrency)
        if settings.feedback_log:
            record_votes(chatbot_view, demo.chatbot_state, ledger, FeedbackLog(
                Path(settings.feedback_log), max_bytes=settings.feedback_log_bytes, chars=settings.feedback_chars))
    queue_every_event(demo)
    for fn in demo.fns.values():
        # Queued, Gradio's own quick steps (showing the question, re-enabling the box) would each flash
        # "queue: 1/1 | 0.0s" over the chat; a slow start says so in the chat itself (chat() above).
        fn.show_progress = "hidden"
    return demo


def _wait_for_bot(get_bot: BotSource, limit: float) -> Generator[list[gr.ChatMessage], None, Chatbot]:
    """The bot; while it is still loading, "The bot is starting (about N s)…" about once a second.

    A BotLoader says whether it is ready and how long it has left; any other source is just called.
    After `limit` seconds of waiting, the page gets the loader's "still loading" message.
    """
    ready = getattr(get_bot, "ready", None)
    if ready is None or ready():
        return _loaded(get_bot)
    deadline = time.monotonic() + limit
    while not ready() and time.monotonic() < deadline:
        yield [starting_message(get_bot.seconds_left())]  # type: ignore[attr-defined]
        get_bot.wait(min(1.0, deadline - time.monotonic()))  # type: ignore[attr-defined]
    return _loaded(lambda: get_bot(timeout=0))  # type: ignore[call-arg]


def _loaded(get_bot: BotSource) -> Chatbot:
    """The bot, waiting for it if it is still loading; a load failure reaches the page as its message."""
    try:
        return get_bot()
    except BotError as err:
        raise gr.Error(str(err), print_exception=False) from err
