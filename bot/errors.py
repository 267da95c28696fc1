"""One exception tree. Every message is written for the person using the bot: what happened, what to do."""

from __future__ import annotations

from pathlib import Path

REBUILD_HINT = "Rebuild it with: python -m bot build"


class BotError(Exception):
    """An error whose message is written for the person using the bot."""


class CorpusError(BotError):
    """The corpus folder is missing, empty or holds a document that cannot be read."""


class IndexNotBuiltError(BotError):
    def __init__(self, index_dir: Path) -> None:
        super().__init__(f"No index in {index_dir}. Build it with: python -m bot build")


class StaleIndexError(BotError):
    """The index was built from another corpus, model or chunk settings."""


class DamagedIndexError(BotError):
    """An index file is truncated, corrupt or missing."""


class EmptyQuestionError(BotError):
    def __init__(self) -> None:
        super().__init__("Please type a question about the article.")
