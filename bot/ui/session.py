"""What a chat session keeps: its history, bounded, with the person's messages shown as typed.

Gradio's ChatInterface keeps the conversation in a per-session `gr.State`; `BoundedChatInterface`
bounds it, and `history_for_bot` turns it back into the plain turns the bot reads follow-ups with.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from typing import Any

import gradio as gr

from ..config import Settings
from .limits import bound_history, bound_inputs, refuse_quietly
from .render import as_typed, from_typed


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
        text = plain_text(message.get("content"))
        text = from_typed(text)[:max_chars] if role == "user" else html.unescape(re.sub(r"<[^>]+>", "", text))
        if not text.strip():
            continue
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"] += "\n\n" + text
        else:
            turns.append({"role": role, "content": text})
    return turns[-2 * max_turns :] if max_turns > 0 else []


_CITATION = re.compile(r"\*\*\[\d+\]\*\*")


def answered_turns(turns: list[dict]) -> list[dict]:
    """The question-and-answer pairs of `history_for_bot` turns whose answer quoted the article.

    What a follow-up is read with: a question the article does not cover, a greeting, or an urgent
    notice alone quoted nothing, so "and what about heat?" is neither read with it nor said to be
    ("Read as a follow-up to …"). Every reply here is the page's own (the session keeps them).
    """
    kept: list[dict] = []
    for question, reply in zip(turns, turns[1:], strict=False):
        if question["role"] == "user" and reply["role"] == "assistant" and _CITATION.search(reply["content"]):
            kept += [question, reply]
    return kept


def keep_last_turns(history: list, max_turns: int) -> list:
    """The history from the `max_turns`-th last question on: what a session keeps."""
    starts = [i for i, m in enumerate(history) if _role(m) == "user" and (i == 0 or _role(history[i - 1]) != "user")]
    if len(starts) <= max_turns:
        return history
    return history[starts[-max_turns]:] if max_turns > 0 else []


def _role(message: Any) -> str | None:
    return message.get("role") if isinstance(message, dict) else getattr(message, "role", None)


def plain_text(content: Any) -> str:
    """Text of a message's content: a string, or (from the browser) a list of typed parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text") or content.get("content") or "")
    if isinstance(content, (list, tuple)):
        return "\n".join(plain_text(part) for part in content
                         if not isinstance(part, dict) or part.get("type", "text") == "text")
    return ""


class BoundedChatInterface(gr.ChatInterface):
    """A ChatInterface that shows a person's messages as typed and keeps a bounded history.

    ChatInterface renders the visitor's own message as Markdown with HTML (so a pasted image link
    would load), and appends every exchange to a per-session `gr.State` with no limit. Three of its
    private steps are wrapped for that (re-check on a Gradio upgrade; tests cover each): adding a
    message to the history, the (streaming) submit step, and taking the last message back (undo, retry).
    """

    def __init__(self, *args: Any, settings: Settings, **kwargs: Any) -> None:
        self.settings = settings
        super().__init__(*args, **kwargs)

    async def _stream_fn(self, message: Any, history: list, *args: Any) -> AsyncIterator[tuple]:
        # The chat function is a generator (it says so while the bot is still starting), so Gradio
        # streams its replies through here; the last one is the answer the session keeps.
        async for response, updated in super()._stream_fn(self._readable(message), history, *args):
            yield response, bound_history(keep_last_turns(updated, self.settings.max_history_turns), self.settings)

    def _readable(self, message: Any) -> str:
        # The API takes any JSON as the message; Gradio's own history code expects text.
        message = message if isinstance(message, str) else plain_text(message) if message is not None else ""
        # Still over the limit after the cut, so the answer says it was cut; and no lone
        # surrogates (from broken clients), which could not be sent back as JSON.
        return from_typed(message[: self.settings.max_input_chars].encode("utf-8", "replace").decode("utf-8"))

    async def preprocess_data(self, block_fn: Any, inputs: list[Any], state: Any, explicit_call: bool = False):
        # Gradio keeps each raw input in the session before any function runs: cut them first.
        bound_inputs(block_fn, inputs, self.settings)
        return await super().preprocess_data(block_fn, inputs, state, explicit_call)

    async def process_api(self, block_fn: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return await refuse_quietly(self, block_fn, super().process_api(block_fn, *args, **kwargs))

    def _append_message_to_history(self, message: Any, history: list, role: Any = "user") -> list:
        if role == "user" and isinstance(message, str):
            message = as_typed(message, self.settings.max_input_chars)
        return super()._append_message_to_history(message, history, role)

    def _clear_and_save_textbox(self, message: Any) -> tuple:
        # Gradio blanks the placeholder while an answer is on its way and never puts it back.
        textbox, saved = super()._clear_and_save_textbox(message)
        return type(self.textbox)("", interactive=False, placeholder=self.textbox.placeholder), saved

    def _pop_last_user_message(self, history: list) -> tuple:
        history, message = super()._pop_last_user_message(history)
        return history, from_typed(message) if isinstance(message, str) else message
