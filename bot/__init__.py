"""A citation-first chatbot: answers questions about health articles by quoting them verbatim.

The bot itself is `bot.chatbot.Chatbot`. It is not imported here: it pulls in numpy, faiss and the
model, and `import bot` must stay quick so the page can start while they load (bot/app.py).
"""

from .answer import Answer, Passage
from .config import Settings
from .errors import BotError

__all__ = ["Answer", "BotError", "Passage", "Settings"]
