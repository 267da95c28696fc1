from pathlib import Path

from conftest import SECOND_DOC, SEED_DOC

from bot.chunking import LEAD_SECTION, split_into_chunks
from bot.corpus import read_document

MAX = 420


def chunks_of(path: Path):
    document = read_document(path, path.parent)
    return document, split_into_chunks(document, MAX)


def test_seed_is_cut_along_its_sections_and_bullets() -> None:
    _, chunks = chunks_of(SEED_DOC)
    sections = [c.section_label for c in chunks]
    assert sections[0] == LEAD_SECTION and chunks[0].kind == "lead"
    assert sections.count("Causes of Back Muscle Spasms") == 4
    assert sections.count("Symptoms of Back Muscle Spasms") == 5
    assert sections.count("Treatment of Back Muscle Spasms") == 6
    assert all(c.kind == "bullet" for c in chunks if c.section)
    # Headings and the title line are section paths, never passages of their own.
    assert not any(c.text in {"Repeated Back Muscle Spasms", "Causes of Back Muscle Spasms"} for c in chunks)


def test_bullets_are_quoted_without_their_bullet_marker() -> None:
    _, chunks = chunks_of(SEED_DOC)
    bullets = [c for c in chunks if c.kind == "bullet"]
    assert bullets[0].text.startswith("A sudden catch or a pull in the muscle")
    assert not any(c.text.startswith(("•", "-", " ")) for c in chunks)


def test_every_chunk_is_the_file_text_at_its_offsets() -> None:
    for path in (SEED_DOC, SECOND_DOC):
        document, chunks = chunks_of(path)
        file_text = path.read_text(encoding="utf-8")
        for chunk in chunks:
            assert file_text[chunk.start : chunk.end] == chunk.text
            for start, end in chunk.sentences:
                assert chunk.start <= start < end <= chunk.end
                assert file_text[start:end].strip() == file_text[start:end]


def test_a_long_paragraph_is_split_between_sentences() -> None:
    _, chunks = chunks_of(SEED_DOC)
    intro = [c for c in chunks if c.section_label == LEAD_SECTION and c.kind == "paragraph"]
    assert len(intro) >= 2
    assert all(len(c.text) <= MAX for c in intro)
    assert all(c.text[-1] in ".!?" for c in intro)


def test_markdown_headings_nest_into_section_paths(tmp_path: Path) -> None:
    path = tmp_path / "doc.md"
    path.write_text(
        "# Guide\n\nLead paragraph that\nwraps over two lines.\n\n## Care\n\n1. First step.\n2. Second step\n"
        "   continues here.\n\n### At night\n\n- Sleep on your side.\n\n## Other\n\nPlain paragraph.\n",
        encoding="utf-8",
    )
    document, chunks = chunks_of(path)
    got = [(c.section, c.kind, c.text) for c in chunks]
    assert got == [
        ((), "lead", "Lead paragraph that\nwraps over two lines."),
        (("Care",), "numbered", "First step."),
        (("Care",), "numbered", "Second step\n   continues here."),
        (("Care", "At night"), "bullet", "Sleep on your side."),
        (("Other",), "paragraph", "Plain paragraph."),
    ]
    assert chunks[3].source == "Guide › Care › At night"


def test_the_second_document_has_numbered_items_and_sub_sections() -> None:
    _, chunks = chunks_of(SECOND_DOC)
    assert {c.kind for c in chunks} >= {"lead", "numbered", "bullet", "paragraph"}
    assert any(len(c.section) == 2 for c in chunks)
    assert all(c.title == "Tension-Type Headaches" for c in chunks)


def test_no_chunk_crosses_a_section() -> None:
    for path in (SEED_DOC, SECOND_DOC):
        document, chunks = chunks_of(path)
        text = document.text
        for chunk in chunks:
            assert "\n#" not in text[chunk.start : chunk.end]
            assert "Causes of Back Muscle Spasms\n" not in chunk.text
