"""A citation-first chatbot: answers questions about health articles by quoting them verbatim."""

from .answer import Answer, Passage
from .config import Settings
from .errors import BotError

__all__ = ["Answer", "BotError", "Chatbot", "Passage", "Settings"]


def __getattr__(name: str):
    # Chatbot pulls in numpy and faiss; load it only when asked for, so `import bot` stays quick.
    if name == "Chatbot":
        from .chatbot import Chatbot

        return Chatbot
    raise AttributeError(name)
