"""The corpus folder → documents with their metadata.

A document is any `.md` or `.txt` file in the corpus folder. It may open with a YAML front-matter
block (between two `---` lines) giving its `title`, `source` and `examples` (a list of questions it
answers, shown on the page); without a title, it is the first Markdown `#` heading, else the first
line. The text is kept exactly as in the file, front matter included, so chunk offsets point into
the file itself.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

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
    examples: tuple[str, ...] = ()  # questions the document answers, from its front matter
    metadata: dict = field(default_factory=dict, compare=False)

    @property
    def body(self) -> str:
        return self.text[self.body_start :]


def parse_front_matter(text: str, name: str = "The document") -> tuple[dict, int]:
    """Return the mapping of a leading YAML front-matter block (keys lower-cased) and where the body starts.

    `name` (the file) begins the error message when the block is not a YAML mapping.
    """
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, 0
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" on line {mark.line + 2}" if mark is not None else ""  # +1 for the opening `---`
        problem = getattr(err, "problem", None) or "cannot be read"
        raise CorpusError(f"{name}: its front matter is not valid YAML ({problem}{where}). "
                          'Quote a value that holds ": " or starts with a special character.') from err
    if data is None:
        return {}, match.end()
    if not isinstance(data, dict):
        raise CorpusError(f"{name}: its front matter must be `key: value` lines, not a {type(data).__name__}.")
    return {str(key).strip().lower(): value for key, value in data.items()}, match.end()


def read_document(path: Path, corpus_dir: Path) -> Document:
    """Read one corpus file; the error names the file when it is not UTF-8 text or its front matter is bad."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise CorpusError(f"{path} is not UTF-8 text ({err.reason}). Save it as UTF-8 or remove it.") from err
    metadata, body_start = parse_front_matter(text, str(path))
    body = text[body_start:]
    fmt = "markdown" if path.suffix.lower() == ".md" else "text"
    title = _text_field(metadata, "title", path) or _title_from_body(body, fmt) or \
        path.stem.replace("-", " ").replace("_", " ")
    return Document(
        doc=path.relative_to(corpus_dir).as_posix(),
        title=title,
        source=_text_field(metadata, "source", path),
        text=text,
        body_start=body_start,
        format=fmt,
        examples=_examples(metadata, path),
        metadata=metadata,
    )


def _text_field(metadata: dict, key: str, path: Path) -> str:
    value = metadata.get(key)
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        raise CorpusError(f"{path}: `{key}:` in its front matter must be one line of text.")
    return str(value).strip()  # YAML reads `title: 2024` as a number; it is still the title


def _examples(metadata: dict, path: Path) -> tuple[str, ...]:
    value = metadata.get("examples")
    if value is None:
        return ()
    if not isinstance(value, list) or any(isinstance(q, (list, dict)) for q in value):
        raise CorpusError(f"{path}: `examples:` in its front matter must be a YAML list of questions, "
                          "one `- question` line each.")
    return tuple(q for q in (str(q).strip() for q in value if q is not None) if q)


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
