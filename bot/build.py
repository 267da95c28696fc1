"""build(settings): corpus → chunks → vectors → stored index, with the query model fitted on the labelled questions.

The one way an index is made: the CLI, the app's start-up rebuild, the test fixtures, soak and the
benchmarks all call it, so every index is the product `python -m bot build` ships, built with the
same embedder the app serves with. A build walks one way down the layers: corpus (documents),
chunking (passages and their sentences), embedding (vectors), index (FAISS and the folder on
disk), fitting (adapter, bank, ranker and abstention, bot/fitting.py). The query model is fitted
on the new index before anything is written, so the folder switches to both at once.
"""

from __future__ import annotations

import logging
import re
import time

from .chunking import Chunk, split_into_chunks
from .config import Settings
from .corpus import corpus_digest, load_corpus
from .embedding import Embedder
from .errors import BotError
from .fitting import fit_query_model, prepare
from .index import StoredIndex, context_label, save_index, section_keys
from .querymodel import QueryModel
from .questions import load_bank

log = logging.getLogger(__name__)


def build(settings: Settings, embedder: Embedder | None = None, progress: bool = False) -> dict:
    """Build the index folder for `settings` and return its manifest."""
    started = time.perf_counter()
    embedder = embedder or Embedder(settings.model)
    if embedder.name != settings.model:
        raise BotError(f"The embedder is {embedder.name!r} but the settings ask for {settings.model!r}.")
    digest = corpus_digest(settings.corpus_dir)
    chunks = chunk_corpus(settings)
    index = embed_chunks(chunks, embedder, settings, progress)
    query_model = fit(settings, index, embedder)
    manifest = save_index(settings, index, query_model, digest, build_seconds=time.perf_counter() - started)
    log.info("Built index in %s: %d chunks from %d documents", settings.index_dir, len(chunks), len(digest))
    return manifest


def chunk_corpus(settings: Settings) -> list[Chunk]:
    """Every chunk of every corpus document, with ids in corpus order."""
    chunks: list[Chunk] = []
    for document in load_corpus(settings.corpus_dir):
        chunks.extend(split_into_chunks(document, settings.max_chunk_chars, first_id=len(chunks)))
    return chunks


def embed_chunks(chunks: list[Chunk], embedder: Embedder, settings: Settings, progress: bool = False) -> StoredIndex:
    """The chunks with their vectors, their sentences' and their headings', as an index in memory."""
    vectors = embedder.embed([embedding_text(c) for c in chunks], progress=progress)
    # Sentences carry their heading too: "This can even make it difficult to sleep" needs its subject.
    sentence_texts = [f"{heading_in_document(c)}: {s}" for c in chunks for s in c.sentence_texts()]
    sentence_vectors = embedder.embed(sentence_texts, progress=progress)
    sections, _ = section_keys(chunks)
    titles = {c.doc: c.title for c in chunks}
    section_vectors = embedder.embed([section_text(titles[doc], label) for doc, label in sections])
    return StoredIndex.create(chunks, vectors, sentence_vectors, section_vectors, settings)


def fit(settings: Settings, index: StoredIndex, embedder: Embedder) -> QueryModel:
    """The query model fitted on the corpus's labelled questions (corpus/questions/), out-of-fold."""
    bank = load_bank(settings.corpus_dir, index.chunks)
    model = fit_query_model(index, embedder, prepare(index, embedder, bank, settings), settings)
    log.info("Fitted the query model on %d labelled questions: %s", len(bank), model.report)
    return model


def embedding_text(chunk: Chunk) -> str:
    """What is embedded for a chunk: its heading (and a list's lead-in) give short items their context."""
    return f"{heading_in_document(chunk)}: {chunk.context + ' ' if chunk.context else ''}{chunk.text}"


def heading_in_document(chunk: Chunk) -> str:
    """The chunk's heading with its document's title, unless the heading already names the subject."""
    label = context_label(chunk)
    title_words = set(re.findall(r"\w+", chunk.title.casefold()))
    shared = title_words & set(re.findall(r"\w+", label.casefold()))
    return label if not chunk.section or len(shared) * 2 >= len(title_words) else f"{chunk.title} › {label}"


def section_text(title: str, label: str) -> str:
    """What is embedded for a section: the heading in its document ("What It Is" alone says little)."""
    return f"{title} › {label}" if label else title
