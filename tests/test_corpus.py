from pathlib import Path

import pytest
from conftest import SECOND_DOC, SEED_DOC

from bot.corpus import load_corpus, parse_front_matter, read_document
from bot.errors import CorpusError


def test_seed_article_keeps_its_title_names_no_source_it_does_not_know_and_drops_the_citation_tail() -> None:
    document = read_document(SEED_DOC, SEED_DOC.parent)
    assert document.title == "Repeated Back Muscle Spasms"
    # No publisher or URL is known: the front matter names none (nor how the file got here), none is invented.
    assert not document.source and not {"source", "publisher", "url"} & set(document.metadata)
    assert "How to Cite" not in document.text and "More from" not in document.text
    assert document.body.startswith("Back spasm is often misunderstood")


def test_seed_body_is_the_seed_file_verbatim() -> None:
    seed = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_c962aa94308573a3.txt"
    if not seed.exists():
        pytest.skip("shared/ is not beside this checkout")
    document = read_document(SEED_DOC, SEED_DOC.parent)
    assert seed.read_text(encoding="utf-8").startswith(document.body.rstrip("\n"))


def test_markdown_document_without_front_matter_takes_its_title_from_the_first_heading() -> None:
    document = read_document(SECOND_DOC, SECOND_DOC.parent)
    assert document.title == "Tension-Type Headaches"
    assert document.format == "markdown"


def test_front_matter_is_parsed_and_the_body_offset_is_exact() -> None:
    text = "---\nTitle: 'A: B'\nsource: somewhere\nexamples:\n  - One?\n  - Two?\n---\nBody"
    metadata, start = parse_front_matter(text)
    assert metadata == {"title": "A: B", "source": "somewhere", "examples": ["One?", "Two?"]}
    assert text[start:] == "Body"


def test_the_seed_article_lists_its_example_questions() -> None:
    document = read_document(SEED_DOC, SEED_DOC.parent)
    assert len(document.examples) == 6
    assert document.examples[0] == "What can trigger a back spasm?"


@pytest.mark.parametrize("front_matter, problem", [
    ("title: A: B", "not valid YAML"),  # an unquoted ": " inside a value
    ("- just\n- a list", "must be `key: value` lines"),
    ("examples: What helps? | What hurts?", "must be a YAML list"),  # the old `a | b` form
    ("title:\n  - a\n  - b", "must be one line of text"),
])
def test_bad_front_matter_is_an_error_naming_the_file(tmp_path: Path, front_matter: str, problem: str) -> None:
    (tmp_path / "bad.md").write_text(f"---\n{front_matter}\n---\n# Title\n\nText.\n")
    with pytest.raises(CorpusError, match=problem) as caught:
        load_corpus(tmp_path)
    assert "bad.md" in str(caught.value)


def test_every_md_and_txt_file_is_a_document(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# Alpha\n\nText.\n")
    (tmp_path / "b.txt").write_text("Beta\n\nMore text.\n")
    (tmp_path / "notes.json").write_text("{}")
    assert [d.title for d in load_corpus(tmp_path)] == ["Alpha", "Beta"]


def test_an_empty_corpus_says_what_to_put_there(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"no \.md or \.txt"):
        load_corpus(tmp_path)


def test_a_non_utf8_document_is_named_in_the_error(tmp_path: Path) -> None:
    (tmp_path / "bad.txt").write_bytes(b"caf\xe9\xff")
    with pytest.raises(CorpusError, match="bad.txt"):
        load_corpus(tmp_path)
