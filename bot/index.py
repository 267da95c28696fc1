"""Store, verify and load the index folder (bot/build.py makes what it stores). The only module that imports faiss.

The folder describes itself. `manifest.json` names the model, the settings, a fingerprint of the
corpus files, library versions and the data files with their sha256:

    index/manifest.json
    index/vectors-<build>.faiss      one vector per chunk
    index/chunks-<build>.jsonl       the chunk records, in vector order
    index/sentences-<build>.npy      one vector per sentence, in chunk order
    index/sections-<build>.npy       one vector per section heading, in order of first appearance
    index/model-<build>.npz          the query model fitted on the labelled questions (bot/querymodel.py)

A build writes new data files under a fresh build id and then replaces the manifest in one atomic
rename, so a build killed at any point leaves the previous manifest pointing at intact files.
Loading re-checks everything, so a stale or damaged index is refused, never served.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import platform
import secrets
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np

from .chunking import Chunk
from .config import Settings
from .corpus import corpus_digest
from .errors import REBUILD_HINT, BotError, DamagedIndexError, IndexNotBuiltError, StaleIndexError
from .querymodel import QueryModel
from .questions import question_files

log = logging.getLogger(__name__)

#: Bump when the folder's files or the query model's parts change: an older index is then stale.
FORMAT_VERSION = 5  # 5: two more ranker signals (the bank's vote per passage)
MANIFEST = "manifest.json"
#: Bump when what is embedded for a chunk changes: it is part of the fingerprint.
EMBEDDING_TEXT_VERSION = 5
_DATA_PREFIXES = ("vectors-", "chunks-", "sentences-", "sections-", "model-")
_DATA_FILES = {"vectors", "chunks", "sentences", "sections", "model"}


def context_label(chunk: Chunk) -> str:
    """The heading a chunk sits under; the document title for the lead, which has none."""
    return " › ".join(chunk.section) if chunk.section else chunk.title


def section_keys(chunks: list[Chunk]) -> tuple[list[tuple[str, str]], np.ndarray]:
    """The distinct (document, section label) pairs, each document's title row ("") first, and
    each chunk's row. The title row tells which document a question is about."""
    rows: dict[tuple[str, str], int] = {}
    owner = []
    for chunk in chunks:
        rows.setdefault((chunk.doc, ""), len(rows))
        owner.append(rows.setdefault((chunk.doc, chunk.section_label), len(rows)))
    return list(rows), np.array(owner, dtype=np.int64)


def sentence_owner(chunks: list[Chunk]) -> np.ndarray:
    """The chunk position of each sentence, in the order sentence vectors are stored."""
    return np.array([pos for pos, c in enumerate(chunks) for _ in c.sentences], dtype=np.int64)


@dataclass
class StoredIndex:
    """A loaded index: chunks, their vectors in FAISS, and per-sentence vectors for quoting."""

    chunks: list[Chunk]
    faiss_index: object
    sentence_vectors: np.ndarray  # (n_sentences, dim), rows in chunk order
    section_vectors: np.ndarray  # (n_sections, dim): each distinct heading, embedded alone
    manifest: dict
    query_model: QueryModel | None = None  # what was learned from the labelled questions (bot/fitting.py)
    # Derived from the chunks (not stored): the chunk of each sentence row, the section row of each chunk.
    sentence_owner: np.ndarray = field(init=False)
    section_of_chunk: np.ndarray = field(init=False)

    @property
    def dim(self) -> int:
        return int(self.manifest["dim"])

    def sentence_rows(self, position: int) -> range:
        """Rows of `sentence_vectors` that belong to the chunk at `position`."""
        return range(int(self._first_row[position]), int(self._first_row[position + 1]))

    def __post_init__(self) -> None:
        self.sentence_owner = sentence_owner(self.chunks)
        _, self.section_of_chunk = section_keys(self.chunks)
        counts = np.bincount(self.sentence_owner, minlength=len(self.chunks))
        self._first_row = np.concatenate([[0], np.cumsum(counts)])

    @classmethod
    def create(cls, chunks: list[Chunk], vectors: np.ndarray, sentence_vectors: np.ndarray,
               section_vectors: np.ndarray, settings: Settings) -> StoredIndex:
        """An index in memory from freshly embedded chunks (bot/build.py), not yet written."""
        return cls(chunks, new_faiss_index(vectors, settings), sentence_vectors, section_vectors,
                   {"dim": int(vectors.shape[1])})

    def chunk_vector(self, position: int) -> np.ndarray:
        return self.faiss_index.reconstruct(position)

    def search(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Inner-product search; FAISS pads with id -1 when k exceeds the number of chunks."""
        return self.faiss_index.search(np.ascontiguousarray(vectors, dtype=np.float32), k)


def fingerprint(settings: Settings, digest: dict[str, str] | None = None) -> str:
    """sha256 over the corpus files, the index settings and the embedding-text format."""
    payload = {
        "format": FORMAT_VERSION,
        "embedding_text": EMBEDDING_TEXT_VERSION,
        "corpus": digest if digest is not None else corpus_digest(settings.corpus_dir),
        "questions": {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in question_files(settings.corpus_dir)},
        "settings": settings.index_settings(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def save_index(settings: Settings, index: StoredIndex, query_model: QueryModel, digest: dict[str, str],
               build_seconds: float = 0.0) -> dict:
    """Write the index folder atomically (new data files, then the manifest in one rename); return the manifest."""
    chunks = index.chunks
    index_dir = settings.index_dir
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        build = f"{time.strftime('%Y%m%d%H%M%S')}-{secrets.token_hex(3)}"
        files = {
            "vectors": _write_atomic(index_dir / f"vectors-{build}.faiss", faiss_bytes(index.faiss_index)),
            "chunks": _write_atomic(
                index_dir / f"chunks-{build}.jsonl",
                "".join(json.dumps(c.to_record(), ensure_ascii=False) + "\n" for c in chunks).encode(),
            ),
            "sentences": _write_atomic(index_dir / f"sentences-{build}.npy", _npy_bytes(index.sentence_vectors)),
            "sections": _write_atomic(index_dir / f"sections-{build}.npy", _npy_bytes(index.section_vectors)),
            "model": _write_atomic(index_dir / f"model-{build}.npz", query_model.to_bytes()),
        }
        manifest = {
            "format": FORMAT_VERSION,
            "model": settings.model,
            "dim": index.dim,
            "index_type": type(index.faiss_index).__name__,
            "fingerprint": fingerprint(settings, digest),
            "settings": settings.index_settings(),
            "embedding_text": EMBEDDING_TEXT_VERSION,
            "corpus": digest,
            "documents": sorted({c.doc for c in chunks}),
            "chunks": len(chunks),
            "sentences": len(index.sentence_vectors),
            "files": files,
            "versions": _versions(),
            "build_seconds": round(build_seconds, 2),
            "query_model": query_model.manifest_entry(),
        }
        _write_atomic(index_dir / MANIFEST, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode())
    except OSError as err:
        raise BotError(
            f"Could not write the index to {index_dir} ({err.strerror or err}). "
            "Make the folder writable, or point --index at a writable folder."
        ) from err
    _remove_unreferenced(index_dir, manifest)
    return manifest


def read_manifest(index_dir: Path) -> dict:
    """The manifest, or an error that says how to get a good one."""
    path = index_dir / MANIFEST
    if not path.is_file():
        raise IndexNotBuiltError(index_dir)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            raise ValueError("not an object")
        for key in ("format", "model", "dim", "fingerprint", "files", "chunks"):
            manifest[key]  # noqa: B018 - presence check
    except (ValueError, KeyError, UnicodeDecodeError) as err:
        raise DamagedIndexError(f"The index manifest {path} is damaged ({err}). {REBUILD_HINT}") from err
    return manifest


def check_fresh(settings: Settings, manifest: dict) -> None:
    """Raise StaleIndexError when the index was built from another corpus, model or settings."""
    if manifest.get("format") != FORMAT_VERSION:
        raise StaleIndexError(f"{settings.index_dir} was built by another version of the bot. {REBUILD_HINT}")
    if manifest["fingerprint"] == fingerprint(settings):
        return
    reasons = []
    if manifest.get("model") != settings.model:
        reasons.append(f"model {manifest.get('model')!r} → {settings.model!r}")
    built_settings = manifest.get("settings") or {}
    changed = [name for name, value in settings.index_settings().items() if built_settings.get(name) != value]
    if changed:
        reasons.append(f"settings changed: {', '.join(changed)}")
    current = corpus_digest(settings.corpus_dir)
    built = manifest.get("corpus", {})
    for doc in sorted(set(current) | set(built)):
        if doc not in built:
            reasons.append(f"{doc} added")
        elif doc not in current:
            reasons.append(f"{doc} removed")
        elif built[doc] != current[doc]:
            reasons.append(f"{doc} changed")
    detail = "; ".join(reasons) or "fingerprint differs"
    raise StaleIndexError(
        f"{settings.index_dir} was built from a different corpus or settings ({detail}). {REBUILD_HINT}"
    )


def load_index(settings: Settings) -> StoredIndex:
    """Load and verify the index folder: fresh, complete and uncorrupted, or an error."""
    import faiss

    index_dir = settings.index_dir
    manifest = read_manifest(index_dir)
    check_fresh(settings, manifest)
    blobs = {name: _read_verified(index_dir, name, entry) for name, entry in _file_entries(manifest, index_dir)}
    try:
        faiss_index = faiss.deserialize_index(np.frombuffer(blobs["vectors"], dtype=np.uint8))
        chunks = [Chunk.from_record(json.loads(line)) for line in blobs["chunks"].decode("utf-8").splitlines()]
        sentence_vectors = np.load(io.BytesIO(blobs["sentences"]), allow_pickle=False)
        section_vectors = np.load(io.BytesIO(blobs["sections"]), allow_pickle=False)
        query_model = QueryModel.from_parts(blobs["model"], manifest["query_model"])
    except (RuntimeError, ValueError, KeyError, TypeError, UnicodeDecodeError, OSError) as err:
        raise DamagedIndexError(f"The index in {index_dir} cannot be read ({err}). {REBUILD_HINT}") from err
    owner = sentence_owner(chunks)
    problems = []
    if faiss_index.ntotal != len(chunks) or len(chunks) != manifest["chunks"]:
        problems.append(f"{faiss_index.ntotal} vectors for {len(chunks)} chunks")
    if faiss_index.d != manifest["dim"] or sentence_vectors.ndim != 2 or sentence_vectors.shape[1] != manifest["dim"]:
        problems.append("vector dimensions disagree with the manifest")
    if sentence_vectors.shape[0] != len(owner):
        problems.append(f"{sentence_vectors.shape[0]} sentence vectors for {len(owner)} sentences")
    sections, _ = section_keys(chunks)
    if section_vectors.ndim != 2 or section_vectors.shape != (len(sections), manifest["dim"]):
        problems.append(f"section vectors {section_vectors.shape} for {len(sections)} sections")
    if query_model.adapter.shape != (manifest["dim"], manifest["dim"]) or (
            query_model.bank_vectors.shape[1:] != (manifest["dim"],)
            or len(query_model.bank_positives) != len(query_model.bank_vectors)):
        problems.append("the query model does not fit the vectors")
    if problems:
        raise DamagedIndexError(f"The index in {index_dir} is inconsistent ({'; '.join(problems)}). {REBUILD_HINT}")
    tune_search(faiss_index, settings.hnsw_ef_search)
    return StoredIndex(
        chunks, faiss_index, sentence_vectors.astype(np.float32, copy=False),
        section_vectors.astype(np.float32, copy=False), manifest, query_model,
    )


def _file_entries(manifest: dict, index_dir: Path):
    files = manifest["files"]
    if not isinstance(files, dict) or set(files) != _DATA_FILES:
        raise DamagedIndexError(f"The index manifest in {index_dir} does not list its data files. {REBUILD_HINT}")
    return files.items()


def _read_verified(index_dir: Path, name: str, entry: dict) -> bytes:
    try:
        path = index_dir / Path(entry["name"]).name
        data = path.read_bytes()
    except (OSError, KeyError, TypeError) as err:
        raise DamagedIndexError(f"The index file for {name} in {index_dir} is missing ({err}). {REBUILD_HINT}") from err
    if len(data) != entry.get("bytes") or hashlib.sha256(data).hexdigest() != entry.get("sha256"):
        raise DamagedIndexError(
            f"The index file {path} is truncated or corrupt (size or checksum differs). {REBUILD_HINT}"
        )
    return data


def new_faiss_index(vectors: np.ndarray, settings: Settings):
    import faiss

    dim = vectors.shape[1]
    if len(vectors) >= settings.ann_min_chunks:
        # Above this size an exact scan costs more than a query should; HNSW keeps recall@10 ≥ 0.95.
        index = faiss.IndexHNSWFlat(dim, settings.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = settings.hnsw_ef_construction
    else:
        index = faiss.IndexFlatIP(dim)
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def tune_search(faiss_index, ef_search: int) -> None:
    import faiss

    # Searches come one question at a time, from several request threads at once. An OpenMP team per
    # search only adds a barrier, and on a busy 2-core machine its spin-waiting threads starve each
    # other: flat search of 10k chunks took 0.7 ms with 1 thread, 1.8 ms with 2, ~13 ms with 2 under load.
    faiss.omp_set_num_threads(1)
    hnsw = faiss.downcast_index(faiss_index)
    if isinstance(hnsw, faiss.IndexHNSW):
        hnsw.hnsw.efSearch = ef_search


def faiss_bytes(faiss_index) -> bytes:
    import faiss

    return faiss.serialize_index(faiss_index).tobytes()


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array, dtype=np.float32), allow_pickle=False)
    return buffer.getvalue()


def _write_atomic(path: Path, data: bytes) -> dict:
    """Write through a temporary file and a rename, so readers see the old or the new file whole."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return {"name": path.name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _remove_unreferenced(index_dir: Path, manifest: dict) -> None:
    keep = {entry["name"] for entry in manifest["files"].values()}
    for path in index_dir.iterdir():
        stale_data = path.name.startswith(_DATA_PREFIXES) and path.name not in keep
        leftover_tmp = path.name.startswith(".") and path.name.endswith(".tmp")
        if stale_data or leftover_tmp:
            try:
                path.unlink()
            except OSError:  # another process may be reading it; it will go with the next build
                log.warning("Could not remove old index file %s", path)


def _versions() -> dict:
    versions = {"python": platform.python_version()}
    for package in ("sentence-transformers", "faiss-cpu", "torch", "numpy", "pysbd"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return versions
