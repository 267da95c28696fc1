"""`build_demo(bot, settings)` → the chat page and its API (/chat, /search), as a Gradio app.

The page is assembled here from its parts: answers rendered by `render`, a session kept by
`session`, votes recorded by `feedback`, and what the page says about the article from `page`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import gradio as gr

from .. import safety
from ..chatbot import clean_question
from ..config import Settings
from ..errors import BotError, EmptyQuestionError
from . import page
from .feedback import AnswerLedger, FeedbackLog, record_votes
from .limits import queue_every_event
from .render import empty_prompt, render_answer
from .session import BoundedChatInterface, history_for_bot, plain_text

if TYPE_CHECKING:
    from ..chatbot import Chatbot

BotSource = Callable[[], "Chatbot"]


def build_demo(bot: Chatbot | BotSource, settings: Settings | None = None) -> gr.Blocks:
    """The chat page and its API (/chat, /search) around a loaded bot, or a function that returns it.

    Passing a function lets the page start while the model and index load in the background: the
    page is built from `settings` and the corpus, and each request waits for the bot.
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

    def chat(message: str, history: list[dict], request: gr.Request) -> list[gr.ChatMessage]:
        """Answer one chat message by quoting the article, with the conversation so far."""
        question = plain_text(message) if not isinstance(message, str) else message
        if not question.strip():
            return [empty_prompt(examples)]
        chatbot = _loaded(get_bot)
        recent = history_for_bot(history, chatbot.settings.max_history_turns, chatbot.settings.max_question_chars)
        try:
            # A warning sign raised earlier in the conversation is repeated first on every later answer.
            answer = safety.with_conversation_notice(chatbot.ask(question, history=recent), recent)
        except EmptyQuestionError:  # only invisible characters were typed
            return [empty_prompt(examples)]
        except BotError as err:
            raise gr.Error(str(err), print_exception=False) from err
        messages = render_answer(answer, settings.echo_chars)
        # What was said, so that a vote on it records the server's words (bot.ui.feedback).
        ledger.record(getattr(request, "session_hash", None), clean_question(question, len(question))[0],
                      [m.content for m in messages if isinstance(m.content, str)])
        return messages

    def search(question: str, k: int = 5) -> list[dict]:
        """Find the passages of the article that best answer a question, best first.

        Each record is one passage: `text` (the passage, verbatim), `quote` (its sentences that
        answer, verbatim), `source` ("Article › Section"), `section`, `score`, `doc` (file in the
        corpus), `start`/`end` and `quote_start`/`quote_end` (character offsets in that file),
        `title` and `kind`. Texts are raw: escape them before showing them as HTML.

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
            return [p.to_dict() for p in chatbot.ask(str(question or ""), k=k).passages]
        except BotError as err:
            raise gr.Error(str(err), print_exception=False) from err

    chatbot_view = gr.Chatbot(
        buttons=["copy", "copy_all"],  # no "share" button: questions about health stay private
        watermark=info.copy_note,  # bot/data/page.js copies plain text and adds it too
        sanitize_html=True,
        scale=1,  # with fill_height, the conversation takes the room the header leaves
        min_height=320,
        show_label=False,
        placeholder="Ask about the article below, or pick an example.",
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
            autofocus=True,
        ),
        description=page.page_header(info),
        examples=examples,
        cache_examples=False,
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
    return demo


def _loaded(get_bot: BotSource) -> Chatbot:
    """The bot, waiting for it if it is still loading; a load failure reaches the page as its message."""
    try:
        return get_bot()
    except BotError as err:
        raise gr.Error(str(err), print_exception=False) from err
