"""Greetings, thanks and "help": a short friendly reply with questions to ask, not "not covered".

A message is small talk only when every word of it is one of a few everyday phrases ("hi", "thanks
a lot", "ok bye", "what can you do"), so anything with a word of its own ("hi, does ice help?",
"help, I can't feel my legs") is a question and goes to the bot. The phrases are generic English
small talk, written for this page, not taken from any set of questions. The command line and
`/search` are not affected: `python -m bot ask "hello"` is still refused as off-topic.
"""

from __future__ import annotations

import re

_GREETING = r"hi|hello|hey|hiya|howdy|greetings|good (?:morning|afternoon|evening|day)"
_THANKS = (r"thanks?|thank you|thankyou|thx|ty|cheers|many thanks|much appreciated|appreciated|"
           r"bye|goodbye|good bye|see you|see ya")
_ACKNOWLEDGE = r"ok|okay|k|great|cool|nice|perfect|good|fine|got it|i see|alright|all right|that helps|that helped"
_HELP = r"help|what can you do|what do you do|who are you|what are you|how does this work|what is this"
_FILLER = r"there|again|so|very|much|a lot|lots|bot|you|all|everyone|please|oh|ah|well|and|then"
_PHRASES = {"greeting": _GREETING, "thanks": _THANKS, "acknowledge": _ACKNOWLEDGE, "help": _HELP}
_ANY = "|".join(f"(?:{p})" for p in [*_PHRASES.values(), _FILLER])
_ONLY_SMALL_TALK = re.compile(rf"(?:(?:{_ANY})(?:\s+|$))+")
_FIRST = {kind: re.compile(rf"(?:^|\s)(?:{pattern})(?:\s|$)") for kind, pattern in _PHRASES.items()}

REPLIES = {
    "greeting": "Hello! Ask me about “{title}” in your own words: I answer by quoting the article word for "
                "word, with its source. For example:",
    "thanks": "You're welcome. Ask another question about the article whenever you like, for example:",
    "acknowledge": "Any other question? Ask it in your own words, for example:",
    "help": "Ask a question about “{title}” in your own words. The answer is quoted word for word from the "
            "article, with its source, or says plainly that the article does not cover it. This is not "
            "medical advice: in an emergency, call your local emergency number. For example:",
}


def small_talk(message: str) -> str | None:
    """"greeting", "thanks", "acknowledge" or "help" when the message is only small talk; else None.

    Thanks win over a greeting ("hi, thanks!"), help over both: the reply answers the last need.
    """
    text = " ".join(re.sub(r"[^\w\s']+", " ", message.lower().replace("’", "'")).split())
    if not text or not _ONLY_SMALL_TALK.fullmatch(text + " "):
        return None
    for kind in ("help", "thanks", "greeting", "acknowledge"):
        if _FIRST[kind].search(text):
            return kind
    return None  # filler words alone ("so", "you") are not small talk


def reply_text(kind: str, title: str) -> str:
    """The reply's words (the example questions follow it); `title` is the article's, HTML-escaped by the caller."""
    return REPLIES[kind].format(title=title)
