"""Document → chunks along its structure: title, lead, sections, paragraphs, bullets.

A chunk is one focused unit a person can read as a quote: a bullet, a numbered item or a short
paragraph. Headings are not chunks of their own; they become the chunk's section path. A block
longer than `max_chars` is split at sentence boundaries, and no chunk crosses a section.

Two formats are understood:
- Markdown (`.md`): `#` headings, `-`/`*`/`+` bullets, `1.` numbered items, paragraphs separated by
  blank lines (a paragraph may wrap over several lines).
- Plain text (`.txt`): one block per line; a bullet line starts with a bullet character; a short
  line with no closing punctuation followed by more text is a heading; lines before the title line
  are the lead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from .corpus import Document

LEAD_SECTION = "Introduction"

_MD_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_BULLET = re.compile(r"[ \t]*(?:[-*+•·▪‣◦●]|\d{1,3}[.)])[ \t]+")
_NUMBERED = re.compile(r"^[ \t]*\d{1,3}[.)][ \t]+")
_TEXT_HEADING_MAX_CHARS = 80


@dataclass(frozen=True)
class Chunk:
    """A passage of a document, with where it sits in the document and in the file."""

    id: int
    doc: str
    title: str
    section: tuple[str, ...]
    kind: str  # "lead", "paragraph", "bullet" or "numbered"
    text: str  # exactly file_text[start:end]
    start: int
    end: int
    sentences: tuple[tuple[int, int], ...]  # absolute (start, end) offsets of each sentence
    context: str = ""  # for a list item: the paragraph that introduces the list ("Common triggers include:")

    @property
    def section_label(self) -> str:
        return " › ".join(self.section) if self.section else LEAD_SECTION

    @property
    def source(self) -> str:
        """The citation line a person reads: article › section."""
        return f"{self.title} › {self.section_label}"

    def sentence_texts(self) -> list[str]:
        return [self.text[s - self.start : e - self.start] for s, e in self.sentences]

    def to_record(self) -> dict:
        return {
            "id": self.id, "doc": self.doc, "title": self.title, "section": list(self.section),
            "kind": self.kind, "text": self.text, "start": self.start, "end": self.end,
            "sentences": [list(span) for span in self.sentences], "context": self.context,
        }

    @classmethod
    def from_record(cls, record: dict) -> Chunk:
        return cls(
            id=int(record["id"]), doc=record["doc"], title=record["title"],
            section=tuple(record["section"]), kind=record["kind"], text=record["text"],
            start=int(record["start"]), end=int(record["end"]),
            sentences=tuple((int(s), int(e)) for s, e in record["sentences"]),
            context=record.get("context", ""),
        )


@dataclass(frozen=True)
class _Block:
    kind: str  # "heading", "paragraph", "bullet", "numbered"
    start: int
    end: int
    level: int = 0


def split_into_chunks(document: Document, max_chars: int, first_id: int = 0) -> list[Chunk]:
    """Cut a document into chunks along its structure, with exact file offsets."""
    text = document.text
    blocks = list(_markdown_blocks(text, document.body_start) if document.format == "markdown"
                  else _text_blocks(text, document.body_start))
    chunks: list[Chunk] = []
    section: list[tuple[int, str]] = []  # (level, heading) stack
    seen_title = False
    lead_in = ""  # a paragraph ending in ":" that introduces the list after it
    for index, block in enumerate(blocks):
        if block.kind not in ("bullet", "numbered"):
            lead_in = ""
        if block.kind == "paragraph" and _introduces_list(text, block, blocks[index + 1 : index + 2]):
            # Not a passage of its own (it answers nothing alone): it gives the items their context.
            lead_in = text[block.start : block.end]
            continue
        if block.kind == "heading":
            heading = _heading_text(text[block.start : block.end])
            if not seen_title and heading.casefold() == document.title.casefold():
                seen_title = True
                section = []
                continue
            seen_title = True
            section = [(lvl, h) for lvl, h in section if lvl < block.level] + [(block.level, heading)]
            continue
        kind = block.kind
        if kind == "paragraph" and not section:
            kind = "lead" if not seen_title or document.format == "markdown" else "paragraph"
        path = tuple(h for _, h in section)
        for start, end, sentences in _pieces(text, block.start, block.end, max_chars):
            chunks.append(Chunk(
                id=first_id + len(chunks), doc=document.doc, title=document.title, section=path,
                kind=kind, text=text[start:end], start=start, end=end, sentences=sentences,
                context=lead_in,
            ))
    return chunks


def _introduces_list(text: str, block: _Block, following: list[_Block]) -> bool:
    return text[block.end - 1] == ":" and bool(following) and following[0].kind in ("bullet", "numbered")


def _heading_text(raw: str) -> str:
    match = _MD_HEADING.match(raw)
    return (match.group(2) if match else raw).strip()


def _lines(text: str, offset: int) -> Iterator[tuple[int, int]]:
    """(start, end) of each line from `offset`, without the newline."""
    position = offset
    while position < len(text):
        newline = text.find("\n", position)
        end = len(text) if newline == -1 else newline
        yield position, end
        position = end + 1


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _content_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of a line without its bullet marker and surrounding white space."""
    start, end = _strip_span(text, start, end)
    match = _BULLET.match(text, start, end)
    if match:
        start = match.end()
    return _strip_span(text, start, end)


def _text_blocks(text: str, offset: int) -> Iterator[_Block]:
    lines = [(s, e) for s, e in _lines(text, offset) if text[s:e].strip()]
    for position, (start, end) in enumerate(lines):
        line = text[start:end]
        if _BULLET.match(line):
            kind = "numbered" if _NUMBERED.match(line) else "bullet"
            yield _Block(kind, *_content_span(text, start, end))
        elif position + 1 < len(lines) and _looks_like_text_heading(line):
            yield _Block("heading", *_strip_span(text, start, end), level=2)
        else:
            yield _Block("paragraph", *_strip_span(text, start, end))


def _looks_like_text_heading(line: str) -> bool:
    stripped = line.strip()
    return (
        len(stripped) <= _TEXT_HEADING_MAX_CHARS
        and stripped[-1] not in ".!?:;,\"'”)"
        and stripped[0].isupper()
        and len(stripped.split()) <= 12
    )


def _markdown_blocks(text: str, offset: int) -> Iterator[_Block]:
    current: list[int] | None = None  # [kind-index, start, end]
    kinds = ("paragraph", "bullet", "numbered")
    in_fence = False

    def flush() -> Iterator[_Block]:
        nonlocal current
        if current is not None:
            start, end = _strip_span(text, current[1], current[2])
            if end > start:
                yield _Block(kinds[current[0]], start, end)
        current = None

    for start, end in _lines(text, offset):
        line = text[start:end]
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            yield from flush()
            continue
        if in_fence:
            continue
        if not line.strip():
            yield from flush()
            continue
        heading = _MD_HEADING.match(line)
        if heading:
            yield from flush()
            yield _Block("heading", *_strip_span(text, start, end), level=len(heading.group(1)))
            continue
        if _BULLET.match(line):
            yield from flush()
            kind = 2 if _NUMBERED.match(line) else 1
            content_start, _ = _content_span(text, start, end)
            current = [kind, content_start, end]
            continue
        if current is None:
            current = [0, start, end]
        else:
            current[2] = end  # a wrapped line continues the paragraph or list item
    yield from flush()


def _pieces(text: str, start: int, end: int, max_chars: int) -> Iterator[tuple[int, int, tuple]]:
    """Split a block into pieces of at most `max_chars`, cutting only between sentences."""
    sentences = split_sentences(text, start, end)
    piece: list[tuple[int, int]] = []
    for span in sentences:
        if piece and span[1] - piece[0][0] > max_chars:
            yield piece[0][0], piece[-1][1], tuple(piece)
            piece = []
        piece.append(span)
    if piece:
        yield piece[0][0], piece[-1][1], tuple(piece)


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Absolute (start, end) offsets of the sentences of text[start:end], without surrounding white space."""
    block = text[start:end]
    spans: list[tuple[int, int]] = []
    for span in _segmenter().segment(block):
        s, e = _strip_span(block, span.start, span.end)
        if e > s:
            spans.append((start + s, start + e))
    # pysbd drops a sentence it cannot find again in the text; keep what follows the last span as
    # one more sentence, so a chunk never loses the end of its block.
    rest_start, rest_end = _strip_span(text, spans[-1][1] if spans else start, end)
    if rest_end > rest_start:
        spans.append((rest_start, rest_end))
    return spans or [(start, end)]


@cache
def _segmenter():
    # pysbd: rule-based, pure Python, no data download. Imported lazily to keep start-up quick.
    # char_span gives each sentence's offsets in the block (with its trailing white space).
    import pysbd

    return pysbd.Segmenter(language="en", clean=False, char_span=True)
