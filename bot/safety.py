"""Red flags: questions that mention warning signs needing urgent care get a notice before any quote.

Placeholder: the chat-page issue fills in the rules. `red_flag_notice` must return None for
ordinary questions.
"""

from __future__ import annotations


def red_flag_notice(question: str) -> str | None:
    """A short "get urgent medical help" notice when the question mentions a warning sign, else None."""
    return None
