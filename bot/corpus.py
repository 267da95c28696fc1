"""The corpus folder → documents with their metadata.

A document is any `.md` or `.txt` file in the corpus folder. It may open with a front-matter
block (`---` lines around `key: value` lines) giving its `title` and `source`; without one, the
title is its first Markdown `#` heading, else its first line. The text is kept exactly as in the
file, so chunk offsets point into the file itself.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from .config import DOCUMENT_SUFFIXES
from .errors import CorpusError

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_MD_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)


@dataclass(frozen=True)
class Document:
    """One file of the corpus."""

    doc: str  # path relative to the corpus folder, with forward slashes
    title: str
    source: str
    text: str  # the whole file, front matter included, exactly as read
    body_start: int  # offset where the content after any front matter begins
    format: str  # "markdown" or "text"
    metadata: dict = field(default_factory=dict, compare=False)

    @property
    def body(self) -> str:
        return self.text[self.body_start :]


def parse_front_matter(text: str) -> tuple[dict[str, str], int]:
    """Return the `key: value` pairs of a leading front-matter block and where the body starts."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, 0
    metadata: dict[str, str] = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            metadata[key.strip().lower()] = value.strip().strip("\"'")
    return metadata, match.end()


def read_document(path: Path, corpus_dir: Path) -> Document:
    """Read one corpus file; the error names the file when it is not UTF-8 text."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise CorpusError(f"{path} is not UTF-8 text ({err.reason}). Save it as UTF-8 or remove it.") from err
    metadata, body_start = parse_front_matter(text)
    body = text[body_start:]
    fmt = "markdown" if path.suffix.lower() == ".md" else "text"
    title = metadata.get("title") or _title_from_body(body, fmt) or path.stem.replace("-", " ").replace("_", " ")
    return Document(
        doc=path.relative_to(corpus_dir).as_posix(),
        title=title,
        source=metadata.get("source", ""),
        text=text,
        body_start=body_start,
        format=fmt,
        metadata=metadata,
    )


def _title_from_body(body: str, fmt: str) -> str:
    if fmt == "markdown" and (match := _MD_HEADING.search(body)):
        return match.group(1).strip()
    for line in body.splitlines():
        if line.strip():
            return line.strip().lstrip("#").strip()
    return ""


def corpus_files(corpus_dir: Path) -> list[Path]:
    """The document files of a corpus folder, in a stable order."""
    if not corpus_dir.is_dir():
        raise CorpusError(f"Corpus folder {corpus_dir} does not exist. Put .md or .txt documents there.")
    files = sorted(
        p for p in corpus_dir.rglob("*")
        if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES and not p.name.startswith(".")
    )
    if not files:
        raise CorpusError(f"Corpus folder {corpus_dir} has no .md or .txt documents.")
    return files


def load_corpus(corpus_dir: Path) -> list[Document]:
    """Every document of the corpus folder."""
    return [read_document(path, corpus_dir) for path in corpus_files(corpus_dir)]


def corpus_digest(corpus_dir: Path) -> dict[str, str]:
    """sha256 of each document file, keyed by its corpus-relative path (for the index manifest)."""
    return {
        p.relative_to(corpus_dir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in corpus_files(corpus_dir)
    }
