"""The article as the page's reading panel shows it: headings, paragraphs and list items, verbatim.

The panel (bot/data/page.js) draws these blocks with `textContent` only and finds each quote of an
answer in them by its words, so a citation opens the article at the quoted sentences. The blocks
come from the same chunking as the index, so a heading here is a section of a source line there.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..chunking import Chunk, split_into_chunks
from ..config import Settings
from ..corpus import Document


@dataclass(frozen=True)
class Block:
    """One thing the panel draws: a section heading, a paragraph or a list item."""

    kind: str  # "heading", "paragraph" or "item"
    text: str
    level: int = 0  # for a heading: how deep its section is (1 for a top-level section)

    def to_dict(self) -> dict:
        record = {"kind": self.kind, "text": self.text}
        if self.level:
            record["level"] = self.level
        return record


def article_blocks(document: Document, max_chunk_chars: int = Settings.max_chunk_chars) -> list[Block]:
    """The document's blocks in reading order; pieces of one long paragraph are one paragraph again."""
    blocks: list[Block] = []
    section: tuple[str, ...] = ()
    previous: Chunk | None = None
    block_start = 0  # where the paragraph or item being drawn starts in the file
    for chunk in split_into_chunks(document, max_chunk_chars):
        if previous is not None and _continues(document, previous, chunk):
            blocks[-1] = Block(blocks[-1].kind, document.text[block_start : chunk.end])
            previous = chunk
            continue
        if chunk.section != section:
            # The headings of the sections entered, from the first level that differs.
            same = 0
            while same < min(len(section), len(chunk.section)) and section[same] == chunk.section[same]:
                same += 1
            blocks += [Block("heading", name, level) for level, name in enumerate(chunk.section[same:], start=same + 1)]
            section = chunk.section
        is_item = chunk.kind in ("bullet", "numbered")
        if is_item and chunk.context and (previous is None or previous.context != chunk.context):
            # The paragraph that introduces a list is its items' context, not a chunk: drawn once, before them.
            blocks.append(Block("paragraph", chunk.context))
        blocks.append(Block("item" if is_item else "paragraph", chunk.text))
        block_start, previous = chunk.start, chunk
    return blocks


def _continues(document: Document, previous: Chunk, chunk: Chunk) -> bool:
    """Whether `chunk` is the next piece of the block `previous` belongs to (a long block cut in pieces)."""
    if previous.section != chunk.section or previous.kind != chunk.kind:
        return False
    gap = document.text[previous.end : chunk.start]
    if gap.strip():
        return False  # a bullet marker or a heading lies between them
    return "\n" not in gap if document.format == "text" else "\n\n" not in gap
