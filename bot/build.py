"""build(settings): corpus → chunks → vectors → stored index → query model fitted on the labelled questions.

The one way an index is made: the CLI, the app's start-up rebuild, the test fixtures, soak and the
benchmarks all call it, so every index is the product `python -m bot build` ships.
"""

from __future__ import annotations

from .chatbot import build as _build
from .config import Settings
from .embedding import Embedder


def build(settings: Settings, embedder: Embedder | None = None, progress: bool = False) -> dict:
    """Build the index folder for `settings` and return its manifest."""
    return _build(settings, embedder or Embedder(settings.model), progress)
