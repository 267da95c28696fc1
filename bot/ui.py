"""The chat page: `build_demo(bot)` → a Gradio app. The only module that imports gradio.

The page renders `Answer` fields itself: a red-flag notice first, then the quotes with numbered
citations, then one collapsed source block per quoted passage with the quote highlighted in it.
Gradio sanitises HTML only in the browser and its API returns raw strings, so every string that
comes from the person or from the article is `html.escape`d here, before Gradio sees it.
"""

from __future__ import annotations

import os

# Before gradio is imported: it reads this at import time, and a health page phones nobody.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import html
import importlib.util
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr
from starlette.middleware import Middleware

from . import page, safety
from .answer import LEAD, NOT_COVERED, Answer, Passage
from .chatbot import clean_question
from .config import Settings
from .corpus import load_corpus
from .errors import BotError, EmptyQuestionError
from .feedback import AnswerLedger, FeedbackLog, rating
from .limits import SESSION_CAPACITY, bound_history, bound_inputs, queue_every_event, refuse_quietly

if TYPE_CHECKING:
    from .chatbot import Chatbot

log = logging.getLogger(__name__)

#: Chat answers computed at once; the CPU has few cores and each answer embeds one question.
CHAT_CONCURRENCY = 4
#: Requests allowed to wait in the queue; beyond that a visitor is told the page is busy.
QUEUE_SIZE = 64
#: Most passages the /search endpoint returns.
MAX_SEARCH_K = 20
#: Example questions shown under the chat box.
MAX_EXAMPLES = 6
#: A question as stored in the session history is cut to this many times the readable limit.
STORED_QUESTION_FACTOR = 4
#: How much of the question an answer echoes back.
ECHO_CHARS = 200

EMPTY_PROMPT = "Please type a question about the article, in your own words. For example:"
BAND_HINT = "How closely the article's wording matches your question"

BotSource = Callable[[], "Chatbot"]


# --- Rendering an answer --------------------------------------------------------------------------


def render_answer(answer: Answer) -> list[gr.ChatMessage]:
    """The chat messages for one answer: urgent notice, quotes (or "not covered"), source blocks.

    When the article has nothing to quote for a question that raised the urgent notice, the notice
    is the whole reply: "does not cover", what it covers, notes on how the question was read and
    self-care suggestions would only bury it.
    """
    messages: list[gr.ChatMessage] = []
    if answer.urgent:
        messages.append(gr.ChatMessage(content=urgent_markdown(answer.urgent)))
        if answer.abstained:
            return messages
    if answer.abstained:
        options = [{"value": q, "label": q} for q in answer.suggestions]
        messages.append(gr.ChatMessage(content=not_covered_markdown(answer), options=options))
        return messages
    messages.append(gr.ChatMessage(content=quotes_markdown(answer)))
    for number, passage in enumerate(answer.quoted, start=1):
        messages.append(gr.ChatMessage(
            content=source_markdown(passage),
            metadata={"title": f"Source [{number}]: {html.escape(passage.source)}", "status": "done"},
        ))
    return messages


def urgent_markdown(notice: str) -> str:
    """The red-flag notice, its first sentence in bold."""
    head, _, rest = notice.partition(". ")
    body = (f"<strong>{html.escape(head)}.</strong> {html.escape(rest)}" if rest
            else f"<strong>{html.escape(notice)}</strong>")
    return f'<div class="urgent">⚠️ {body}</div>'


def quotes_markdown(answer: Answer) -> str:
    """The lead, then each quote as a block quote with its numbered citation and source line."""
    parts = [_band(answer.confidence)] + _notes(answer) + [LEAD]
    for number, passage in enumerate(answer.quoted, start=1):
        parts.append(f"{blockquote(passage.quote)}\n>\n> — **[{number}]** {html.escape(passage.source)}")
    return "\n\n".join(parts)


def not_covered_markdown(answer: Answer) -> str:
    """The fixed "not covered" text, the question as read, what the article covers, and suggestions."""
    parts = [_band(answer.confidence)] + _notes(answer) + [f"**{NOT_COVERED}**"]
    # The question as the bot read it: no control or bidi-override characters, no lone surrogates.
    asked, _ = clean_question(answer.question, max_chars=len(answer.question))
    parts.append(f'<div class="asked">You asked: “{inert(_shorten(asked, ECHO_CHARS))}”</div>')
    if answer.covered_topics:
        parts.append("It covers: " + "; ".join(html.escape(t) for t in answer.covered_topics) + ".")
    if answer.suggestions:
        parts.append("Questions it can answer:")
    return "\n\n".join(parts)


def source_markdown(passage: Passage) -> str:
    """The whole passage, with the quoted sentences inside <mark>, and where it comes from."""
    return f"{highlight(passage)}\n\n<span class=\"source-line\">{html.escape(passage.source)}</span>"


def highlight(passage: Passage) -> str:
    """The passage text escaped, the quote wrapped in <mark> line by line (a mark must not span paragraphs)."""
    text = passage.text
    first = max(0, min(len(text), passage.quote_start - passage.start))
    last = max(first, min(len(text), passage.quote_end - passage.start))
    lines, offset = [], 0
    for line in text.split("\n"):
        start, end = offset, offset + len(line)
        lo, hi = max(start, first), min(end, last)
        if lo < hi:
            lines.append(html.escape(text[start:lo]) + "<mark>" + html.escape(text[lo:hi]) + "</mark>"
                         + html.escape(text[hi:end]))
        else:
            lines.append(html.escape(line))
        offset = end + 1
    return "\n".join(lines)


def blockquote(text: str) -> str:
    """A Markdown block quote of `text`, HTML-escaped, keeping its line breaks."""
    return "\n".join(f"> {html.escape(line)}" if line.strip() else ">" for line in text.splitlines())


# Text typed by a person is shown inside an HTML block (a <div> alone in its paragraph): Markdown
# is not applied there, so links, images and autolinks in it stay text, and html.escape does the rest.
_TYPED_OPEN, _TYPED_CLOSE = '<div class="typed">', "</div>"


def inert(text: str) -> str:
    """Text typed by a person, made inert for HTML and Markdown alike.

    HTML-escaped, and square brackets as character references, so neither the page nor an API
    client that renders the raw string as Markdown can turn it into a link or a remote image.
    """
    return html.escape(text).replace("[", "&#91;").replace("]", "&#93;")


def as_typed(text: str, limit: int | None = None) -> str:
    """A person's message shown exactly as typed; reversible with `from_typed`, and idempotent.

    With `limit`, the text is cut until its shown form (escaped and wrapped) fits in `limit` characters.
    """
    if is_typed(text):
        return text
    shown = _TYPED_OPEN + inert(text).replace("\n", "<br>\n") + _TYPED_CLOSE
    while limit is not None and len(shown) > limit and text:
        text = text[: min(len(text) - 1, len(text) * limit // len(shown))]
        shown = _TYPED_OPEN + inert(text).replace("\n", "<br>\n") + _TYPED_CLOSE
    return shown


def from_typed(text: str) -> str:
    """The message as typed, from its `as_typed` form (other text is returned unchanged)."""
    if not is_typed(text):
        return text
    return html.unescape(text[len(_TYPED_OPEN) : -len(_TYPED_CLOSE)].replace("<br>\n", "\n"))


def is_typed(text: Any) -> bool:
    return isinstance(text, str) and text.startswith(_TYPED_OPEN) and text.endswith(_TYPED_CLOSE)


def _band(confidence: str) -> str:
    level = confidence if confidence in ("high", "medium", "low") else "low"
    return f'<span class="band band-{level}" title="{BAND_HINT}">Match: {level}</span>'


def _notes(answer: Answer) -> list[str]:
    # A note can quote an earlier question ("Read as a follow-up to …"): the same clean, inert
    # path as "You asked", in an HTML block so Markdown (links, autolinks, images) stays text.
    return [f'<div class="note">{inert(clean_question(note, max_chars=len(note))[0])}</div>' for note in answer.notes]


def _shorten(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def empty_prompt(examples: list[str]) -> gr.ChatMessage:
    """The friendly reply to an empty question: ask again, with questions to click."""
    return gr.ChatMessage(content=EMPTY_PROMPT, options=[{"value": q, "label": q} for q in examples[:3]])


# --- Conversation history -------------------------------------------------------------------------


def history_for_bot(history: list[dict], max_turns: int, max_chars: int) -> list[dict]:
    """The chat so far as plain {"role", "content"} turns, for follow-up questions.

    Source blocks are left out; consecutive messages of one role (urgent notice + quotes) become
    one; our own HTML is stripped; only the last `max_turns` questions and answers are kept.
    """
    turns: list[dict] = []
    for message in history or []:
        if not isinstance(message, dict) or (message.get("metadata") or {}).get("title"):
            continue
        role = message.get("role")
        if role not in ("user", "assistant"):
            continue
        text = _plain_text(message.get("content"))
        text = from_typed(text)[:max_chars] if role == "user" else html.unescape(re.sub(r"<[^>]+>", "", text))
        if not text.strip():
            continue
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"] += "\n\n" + text
        else:
            turns.append({"role": role, "content": text})
    return turns[-2 * max_turns :] if max_turns > 0 else []


def keep_last_turns(history: list, max_turns: int) -> list:
    """The history from the `max_turns`-th last question on: what a session keeps."""
    starts = [i for i, m in enumerate(history) if _role(m) == "user" and (i == 0 or _role(history[i - 1]) != "user")]
    if len(starts) <= max_turns:
        return history
    return history[starts[-max_turns]:] if max_turns > 0 else []


def _role(message: Any) -> str | None:
    return message.get("role") if isinstance(message, dict) else getattr(message, "role", None)


def _plain_text(content: Any) -> str:
    """Text of a message's content: a string, or (from the browser) a list of typed parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text") or content.get("content") or "")
    if isinstance(content, (list, tuple)):
        return "\n".join(_plain_text(part) for part in content
                         if not isinstance(part, dict) or part.get("type", "text") == "text")
    return ""


class BoundedChatInterface(gr.ChatInterface):
    """A ChatInterface that shows a person's messages as typed and keeps a bounded history.

    ChatInterface renders the visitor's own message as Markdown with HTML (so a pasted image link
    would load), and appends every exchange to a per-session `gr.State` with no limit. Three of its
    private steps are wrapped for that (re-check on a Gradio upgrade; tests cover each): adding a
    message to the history, the submit step, and taking the last message back (undo, retry).
    """

    def __init__(self, *args: Any, max_turns: int, max_stored_chars: int, **kwargs: Any) -> None:
        self.max_turns = max_turns
        self.max_stored_chars = max_stored_chars
        super().__init__(*args, **kwargs)

    async def _submit_fn(self, message: Any, history: list, *args: Any) -> tuple:
        # The API takes any JSON as the message; Gradio's own history code expects text.
        message = message if isinstance(message, str) else _plain_text(message) if message is not None else ""
        # Still over the limit after the cut, so the answer says it was cut; and no lone
        # surrogates (from broken clients), which could not be sent back as JSON.
        message = message[: self.max_stored_chars].encode("utf-8", "replace").decode("utf-8")
        response, history = await super()._submit_fn(from_typed(message), history, *args)
        return response, bound_history(keep_last_turns(history, self.max_turns))

    async def preprocess_data(self, block_fn: Any, inputs: list[Any], state: Any, explicit_call: bool = False):
        # Gradio keeps each raw input in the session before any function runs: cut them first.
        bound_inputs(block_fn, inputs)
        return await super().preprocess_data(block_fn, inputs, state, explicit_call)

    async def process_api(self, block_fn: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return await refuse_quietly(self, block_fn, super().process_api(block_fn, *args, **kwargs))

    def _append_message_to_history(self, message: Any, history: list, role: Any = "user") -> list:
        if role == "user" and isinstance(message, str):
            message = as_typed(message, self.max_stored_chars)
        return super()._append_message_to_history(message, history, role)

    def _clear_and_save_textbox(self, message: Any) -> tuple:
        # Gradio blanks the placeholder while an answer is on its way and never puts it back.
        textbox, saved = super()._clear_and_save_textbox(message)
        return type(self.textbox)("", interactive=False, placeholder=self.textbox.placeholder), saved

    def _pop_last_user_message(self, history: list) -> tuple:
        history, message = super()._pop_last_user_message(history)
        return history, from_typed(message) if isinstance(message, str) else message


# --- The page ---------------------------------------------------------------------------------------


def corpus_examples(settings: Settings) -> tuple[list[str], list[str]]:
    """Document titles and example questions from the corpus front matter (no model needed)."""
    documents = load_corpus(settings.corpus_dir)
    examples = [q.strip() for d in documents for q in d.metadata.get("examples", "").split("|") if q.strip()]
    return [d.title for d in documents], examples


def build_demo(bot: Chatbot | BotSource, settings: Settings | None = None) -> gr.Blocks:
    """The chat page and its API (/chat, /search) around a loaded bot, or a function that returns it.

    Passing a function lets the page start while the model and index load in the background: the
    page is built from `settings` and the corpus, and each request waits for the bot.
    """
    get_bot: BotSource = bot if callable(bot) else (lambda: bot)
    settings = settings or bot.settings  # type: ignore[union-attr]
    info = page.page_info(settings.corpus_dir)
    titles, examples = [a.title for a in info.articles], info.examples
    if not examples:  # a corpus without examples still offers questions it can answer
        examples = _loaded(get_bot).example_questions
    examples = examples[:MAX_EXAMPLES]

    # The answers each session was given, for checking votes (none are kept without a feedback log).
    ledger = AnswerLedger(capacity=SESSION_CAPACITY if settings.feedback_log else 0)

    def chat(message: str, history: list[dict], request: gr.Request) -> list[gr.ChatMessage]:
        """Answer one chat message by quoting the article, with the conversation so far."""
        question = _plain_text(message) if not isinstance(message, str) else message
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
        messages = render_answer(answer)
        # What was said, so that a vote on it records the server's words (bot.feedback).
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
        try:
            k = int(k)
        except (TypeError, ValueError) as err:
            raise gr.Error(f"k must be a whole number from 1 to {MAX_SEARCH_K}.", print_exception=False) from err
        if not 1 <= k <= MAX_SEARCH_K:
            raise gr.Error(f"k must be from 1 to {MAX_SEARCH_K}; got {k}.", print_exception=False)
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
            placeholder=("Ask about back spasms in your own words…" if not titles
                         else "Ask about the article in your own words…"),
            max_length=settings.max_question_chars,  # a hint to the browser; chat() cuts anything longer
            label="Your question about the article", show_label=False, lines=1, max_lines=6, submit_btn=True,
            autofocus=True,
        ),
        description=page.page_header(info),
        examples=examples,
        cache_examples=False,
        concurrency_limit=CHAT_CONCURRENCY,
        analytics_enabled=False,
        fill_height=True,
        delete_cache=(3600, 3600),
        max_turns=settings.max_history_turns,
        max_stored_chars=settings.max_question_chars * STORED_QUESTION_FACTOR,
    )
    demo.title = titles[0] if titles else "Ask the article"
    with demo:
        gr.api(search, api_name="search", concurrency_limit=CHAT_CONCURRENCY)
        if settings.feedback_log:
            feedback = FeedbackLog(Path(settings.feedback_log))

            def on_like(history: list[dict], vote: gr.LikeData, request: gr.Request) -> None:
                # The vote counts only for an answer this session was given, found by its index in
                # the session's own history; the log gets the server's question and answer.
                position = vote.index[0] if isinstance(vote.index, (list, tuple)) and vote.index else vote.index
                if type(position) is not int or not 0 <= position < len(history or []):
                    return
                session = getattr(request, "session_hash", None) or ""
                message = history[position]
                content = message.get("content") if isinstance(message, dict) else getattr(message, "content", None)
                given = ledger.find(session, _plain_text(content))
                if given is None or rating(vote.liked) is None or not ledger.take_vote(session):
                    return
                feedback.record(rating(vote.liked), given.question, given.answer, vote.index)

            chatbot_view.like(on_like, [demo.chatbot_state], None, api_visibility="private", concurrency_limit=1)
    queue_every_event(demo)
    return demo


def _loaded(get_bot: BotSource) -> Chatbot:
    """The bot, waiting for it if it is still loading; a load failure reaches the page as its message."""
    try:
        return get_bot()
    except BotError as err:
        raise gr.Error(str(err), print_exception=False) from err


# --- Launching ---------------------------------------------------------------------------------------


def mcp_available() -> bool:
    """Whether `gradio[mcp]` is installed, so /search can also be offered as an MCP tool."""
    return importlib.util.find_spec("mcp") is not None


def launch_options(settings: Settings) -> dict:
    """`launch()` arguments for a public page: small uploads, no share link, nothing served but the app."""
    blocked = [settings.index_dir]
    if settings.feedback_log:
        blocked.append(Path(settings.feedback_log).parent)
    options = {
        "theme": THEME,
        "css": page.CSS,
        "max_file_size": "1mb",  # every app has an upload route, even with no upload component
        "share": False,
        "enable_monitoring": False,
        "show_error": False,  # only gr.Error messages (ours, written for people) reach the page
        "run_history": False,  # questions about health are not kept in the browser's run history
        "ssr_mode": False,
        "strict_cors": True,
        "allowed_paths": [],
        "blocked_paths": [str(Path(p).resolve()) for p in blocked],
        "state_session_capacity": SESSION_CAPACITY,
        "footer_links": ["api", "gradio"],
        "mcp_server": mcp_available() and _mcp_tools_fixed(),
    }
    return with_page_options(options, settings)


def with_page_options(options: dict, settings: Settings) -> dict:
    """`options` plus `page_options`, keeping any middleware `options` already has in `app_kwargs`."""
    extra = page_options(settings)
    app_kwargs = dict(options.get("app_kwargs") or {})
    app_kwargs["middleware"] = [*app_kwargs.get("middleware", []), *extra.pop("app_kwargs")["middleware"]]
    return {**options, **extra, "app_kwargs": app_kwargs}


def page_options(settings: Settings) -> dict:
    """`launch()` arguments for what the page says about the article: script, link-preview tags."""
    info = page.page_info(settings.corpus_dir)
    return {
        "js": page.page_js(info, settings.max_question_chars),
        "head": page.head_tags(info),
        # The served HTML's own preview tags, for link previews that run no script.
        "app_kwargs": {"middleware": [Middleware(page.MetaTagsMiddleware, info=info)]},
    }


def _mcp_tools_fixed() -> bool:
    """Make Gradio's MCP server return the chat tool's answer (its /chat endpoint also outputs a State).

    Gradio 6.31 calls a queued endpoint through gradio_client, whose result already leaves the
    State output out, then removes it a second time: "pop index out of range". This removes it
    only when it is still there. tests/test_app_e2e.py drives both tools with the `mcp` client.
    """
    from gradio.mcp import GradioMCPServer

    original = GradioMCPServer.pop_returned_state
    if getattr(original, "_checks_length", False):
        return True

    def pop_returned_state(components, data):  # noqa: ANN001, ANN202 - Gradio's signature
        if isinstance(data, list) and len(data) < len(components):
            return data
        return original(components, data)

    pop_returned_state._checks_length = True
    GradioMCPServer.pop_returned_state = staticmethod(pop_returned_state)
    return True


def queue_options() -> dict:
    """`queue()` arguments: a bounded queue, and the REST shortcut that skips it turned off."""
    return {"max_size": QUEUE_SIZE, "api_open": False, "default_concurrency_limit": CHAT_CONCURRENCY}


# System fonts: the default theme fonts come from a third-party font host, and this page calls out to nobody.
THEME = gr.themes.Soft(
    primary_hue="teal", secondary_hue="amber", neutral_hue="slate",
    font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
)
