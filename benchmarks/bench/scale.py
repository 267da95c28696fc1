"""Scale: synthetic corpora of 10k and 100k chunks, built and searched flat and approximately.

Embedding 100k chunks (and their ~300k sentences) with the real model takes hours on two cores,
and sentence splitting alone runs at a few hundred chunks/s, so the measurement has two parts:

1. A real build of a sample corpus of generated text (`bot.build.build` with the real model, its
   progress bar, sentence splitting and all): end-to-end chunks/s, split into chunking, model and
   the rest. This is the build throughput, and with it the projected build time at 10k and 100k.
2. The index layer at 10k and 100k chunks. The first rows are the sample's real chunk vectors;
   every other row is a random convex combination of three real vectors from the sample (chunk or
   sentence vectors, Dirichlet(1, 1, 1) weights) plus a little Gaussian noise, re-normalised. So
   the vectors keep the real model's geometry (its directions, its anisotropy) without each being
   a near-copy of one. Queries are the real model's vectors for generated questions. Flat and
   approximate indexes are built by the bot's own `new_faiss_index` / `tune_search`, timed
   (flat and approximate), sized (serialised bytes) and searched with the retriever's k; recall@10
   is the share of the exact top 10 that the approximate index returns.
"""

from __future__ import annotations

import random
import re
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from bot.config import Settings
from bot.embedding import Embedder

from .inprocess import TimedEmbedder
from .stats import Summary

#: The retriever asks FAISS for this many candidates (Retriever.candidates); queries are timed with it.
SEARCH_K = 40
RECALL_K = 10
NOISE = 0.05
_WORD = re.compile(r"[a-z]{4,}")
_EXTRA_WORDS = """morning evening weekly daily gentle strong steady slow quick careful warm cold water walk
chair desk office garden stairs lifting carrying bending sitting standing driving running cycling
swimming yoga pillow mattress shoulder neck hip knee ankle wrist tissue joint tendon ligament fiber
routine habit schedule diet protein mineral hydration sleep stress breathing balance core pelvis""".split()


class TextGenerator:
    """Seeded random sentences from a word list: text shaped like the article, meaning nothing."""

    def __init__(self, words: list[str], seed: int = 3) -> None:
        self.words = sorted(set(words))
        self.rng = random.Random(seed)

    def sentence(self) -> str:
        words = [self.rng.choice(self.words) for _ in range(self.rng.randint(7, 14))]
        return " ".join(words).capitalize() + "."

    def paragraph(self, max_chars: int) -> str:
        """Two to four sentences, short enough to stay one chunk."""
        sentences = [self.sentence()]
        for _ in range(self.rng.randint(1, 3)):
            candidate = self.sentence()
            if len(" ".join(sentences)) + 1 + len(candidate) > max_chars:
                break
            sentences.append(candidate)
        return " ".join(sentences)

    def question(self) -> str:
        a, b = self.rng.choice(self.words), self.rng.choice(self.words)
        return self.rng.choice(["What about {a} and {b}?", "Does {a} help with {b}?", "how is {a} related to {b}",
                                "Can {a} cause {b}?", "{a} {b}"]).format(a=a, b=b)


def corpus_words(corpus_dir: Path) -> list[str]:
    """Lower-case words of four letters or more from the real corpus, plus a few everyday ones."""
    words = {w for path in corpus_dir.glob("*") if path.is_file()
             for w in _WORD.findall(path.read_text(encoding="utf-8", errors="replace").lower())}
    return sorted(words | set(_EXTRA_WORDS))


def write_corpus(corpus_dir: Path, chunks: int, generator: TextGenerator, max_chars: int,
                 per_section: int = 10, per_document: int = 1000) -> None:
    """Markdown documents of generated paragraphs under `##` sections, one chunk per paragraph."""
    corpus_dir.mkdir(parents=True, exist_ok=True)
    for doc_number, first in enumerate(range(0, chunks, per_document), start=1):
        lines = ["---", f"title: Synthetic document {doc_number}", "---", f"# Synthetic document {doc_number}", ""]
        for i in range(first, min(first + per_document, chunks)):
            if (i - first) % per_section == 0:
                lines += [f"## {generator.sentence()[:-1][:60]}", ""]
            lines += [generator.paragraph(max_chars - 20), ""]
        (corpus_dir / f"synthetic-{doc_number:04d}.md").write_text("\n".join(lines), encoding="utf-8")


def measure_sample_build(settings: Settings, root: Path, chunks: int,
                         seed: int = 3) -> tuple[dict, np.ndarray, np.ndarray, TextGenerator]:
    """Build a generated corpus with the real model: figures, real vectors (all, chunks) and the generator."""
    from bot.build import build, chunk_corpus
    from bot.index import load_index

    generator = TextGenerator(corpus_words(settings.corpus_dir), seed)
    sample = replace(settings, corpus_dir=root / "corpus", index_dir=root / "index", feedback_log=None)
    write_corpus(sample.corpus_dir, chunks, generator, settings.max_chunk_chars)
    embedder = TimedEmbedder(Embedder(settings.model))
    started = time.perf_counter()
    manifest = build(sample, embedder, progress=True)
    build_s = time.perf_counter() - started
    model_s, texts = embedder.take(), embedder.texts
    started = time.perf_counter()
    chunk_corpus(sample)  # again, on its own: how much of the build is sentence splitting
    chunking_s = time.perf_counter() - started

    stored = load_index(sample)
    chunk_vectors = np.stack([stored.chunk_vector(i) for i in range(len(stored.chunks))])
    base = np.concatenate([chunk_vectors, stored.sentence_vectors]).astype(np.float32)
    folder_bytes = sum(p.stat().st_size for p in sample.index_dir.iterdir() if p.is_file())
    n = manifest["chunks"]
    figures = {
        "chunks": n, "sentences": manifest.get("sentences"), "texts_embedded": texts,
        "build_s": round(build_s, 2), "chunks_per_s": round(n / build_s, 1),
        "model_s": round(model_s, 2), "model_texts_per_s": round(texts / model_s, 1) if model_s else None,
        "chunking_s": round(chunking_s, 2), "chunking_chunks_per_s": round(n / chunking_s, 1),
        "other_s": round(max(build_s - model_s - chunking_s, 0.0), 2),
        "index_folder_bytes": folder_bytes, "index_bytes_per_chunk": round(folder_bytes / n),
        "index_type": manifest.get("index_type"),
    }
    return figures, base, chunk_vectors, generator


def synthesize(real_chunks: np.ndarray, base: np.ndarray, total: int, seed: int = 5) -> np.ndarray:
    """`total` unit vectors: the real chunk vectors first, then mixtures of real vectors (module docstring)."""
    from tqdm.auto import tqdm

    rng = np.random.default_rng(seed)
    out = np.empty((total, base.shape[1]), dtype=np.float32)
    first = min(len(real_chunks), total)
    out[:first] = real_chunks[:first]
    step = 20_000
    for start in tqdm(range(first, total, step), desc=f"Synthesising {total:,} vectors", unit="batch"):
        stop = min(start + step, total)
        picks = rng.integers(0, len(base), size=(stop - start, 3))
        weights = rng.dirichlet(np.ones(3), size=stop - start).astype(np.float32)
        mixed = np.einsum("nk,nkd->nd", weights, base[picks])
        mixed += (NOISE / np.sqrt(base.shape[1])) * rng.standard_normal(mixed.shape).astype(np.float32)
        out[start:stop] = mixed / np.linalg.norm(mixed, axis=1, keepdims=True)
    return out


def measure_index_layer(settings: Settings, vectors: np.ndarray, queries: np.ndarray, sizes: list[int],
                        ann_sizes: list[int], flat_only_sizes: list[int]) -> list[dict]:
    """For each size: flat and approximate build time, bytes, query p50/p95 and recall@10."""
    from tqdm.auto import tqdm

    from bot.index import faiss_bytes, new_faiss_index, tune_search

    exact = replace(settings, ann_min_chunks=10**12)
    approximate = replace(settings, ann_min_chunks=0)
    rows = []
    for n in sorted(set(sizes) | set(flat_only_sizes)):
        data = vectors[:n]
        row: dict = {"chunks": n, "bot_uses": "approximate" if n >= settings.ann_min_chunks else "flat"}
        with tqdm(total=2 if n in ann_sizes else 1, desc=f"Index for {n:,} chunks", unit="index") as bar:
            started = time.perf_counter()
            flat = new_faiss_index(data, exact)
            tune_search(flat, settings.hnsw_ef_search)
            row["flat"] = _index_figures(flat, time.perf_counter() - started, n, queries)
            bar.update()
            if n in ann_sizes:
                started = time.perf_counter()
                ann = new_faiss_index(data, approximate)
                build_s = time.perf_counter() - started
                tune_search(ann, settings.hnsw_ef_search)
                row["approximate"] = _index_figures(ann, build_s, n, queries)
                row["approximate"]["type"] = type(ann).__name__
                row["approximate"]["recall_at_10"] = _recall(flat, ann, queries)
                bar.update()
        row["flat"]["bytes"] = len(faiss_bytes(flat))
        if "approximate" in row:
            row["approximate"]["bytes"] = len(faiss_bytes(ann))
        rows.append(row)
    return rows


def _index_figures(index, build_s: float, n: int, queries: np.ndarray) -> dict:
    for query in queries[:5]:
        index.search(query[None, :], SEARCH_K)
    times = []
    for query in queries:
        started = time.perf_counter()
        index.search(query[None, :], SEARCH_K)
        times.append((time.perf_counter() - started) * 1000)
    summary = Summary.of(times)
    return {"build_s": round(build_s, 2), "build_chunks_per_s": round(n / build_s) if build_s else None,
            "query_ms": summary.to_dict()}


def _recall(flat, ann, queries: np.ndarray) -> float:
    _, truth = flat.search(queries, RECALL_K)
    hits = 0
    for query, expected in zip(queries, truth, strict=True):
        _, found = ann.search(query[None, :], SEARCH_K)  # as the retriever asks: k candidates, top 10 used
        hits += len(set(found[0][:RECALL_K].tolist()) & set(expected.tolist()))
    return round(hits / (len(queries) * RECALL_K), 4)


def measure_scale(settings: Settings, workdir: Path, sample_chunks: int, sizes: list[int], ann_sizes: list[int],
                  curve_sizes: list[int], queries: int) -> dict:
    """The whole scale section: sample build with the real model, then the index layer per size."""
    sample, base, real_chunks, generator = measure_sample_build(settings, workdir / "sample", sample_chunks)
    embedder = Embedder(settings.model)
    query_vectors = embedder.embed([generator.question() for _ in range(queries)])
    vectors = synthesize(real_chunks, base, max(sizes + curve_sizes))
    rows = measure_index_layer(settings, vectors, query_vectors, sizes, ann_sizes, curve_sizes)
    per_chunk_s = sample["build_s"] / sample["chunks"]
    for row in rows:
        row["projected_real_build_min"] = round(row["chunks"] * per_chunk_s / 60, 1)
        row["projected_index_folder_mb"] = round(row["chunks"] * sample["index_bytes_per_chunk"] / 2**20, 1)
    return {
        "method": ("real model on a generated sample; mixtures of its real vectors beyond it "
                   "(see benchmarks/bench/scale.py)"),
        "noise": NOISE, "search_k": SEARCH_K, "queries": queries,
        "ann_min_chunks": settings.ann_min_chunks, "hnsw_m": settings.hnsw_m,
        "hnsw_ef_construction": settings.hnsw_ef_construction,
        "sample_build": sample, "sizes": rows,
    }

