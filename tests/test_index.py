from dataclasses import replace
from pathlib import Path

import pytest

from bot.build import chunk_corpus
from bot.chatbot import Chatbot
from bot.config import REPO_ROOT, Settings
from bot.errors import DamagedIndexError, IndexNotBuiltError, StaleIndexError
from bot.index import MANIFEST, load_index, read_manifest


def data_file(settings: Settings, name: str) -> Path:
    return settings.index_dir / read_manifest(settings.index_dir)["files"][name]["name"]


def test_committed_index_matches_the_shipped_corpus() -> None:
    # Fails (StaleIndexError, naming `python -m bot build`) when corpus/ changed without a rebuild.
    index = load_index(Settings.for_repo(REPO_ROOT))
    assert [c.text for c in index.chunks] == [c.text for c in chunk_corpus(Settings.for_repo(REPO_ROOT))]


def test_round_trip_keeps_chunks_vectors_and_manifest(built_repo: Settings) -> None:
    index = load_index(built_repo)
    manifest = index.manifest
    assert manifest["model"] == "all-MiniLM-L6-v2" and manifest["dim"] == 384
    assert manifest["chunks"] == len(index.chunks) == index.faiss_index.ntotal
    assert manifest["sentences"] == len(index.sentence_vectors)
    assert set(manifest["versions"]) >= {"sentence-transformers", "faiss-cpu", "python"}
    assert list(manifest["corpus"]) == ["repeated-back-muscle-spasms.txt"]
    assert sorted(p.name for p in built_repo.index_dir.iterdir()) == sorted(
        [MANIFEST] + [f["name"] for f in manifest["files"].values()]
    )


def test_loading_before_building_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(IndexNotBuiltError, match="python -m bot build"):
        load_index(Settings.for_repo(tmp_path))


def test_an_edited_document_makes_the_index_stale(built_repo: Settings) -> None:
    document = built_repo.corpus_dir / "repeated-back-muscle-spasms.txt"
    document.write_text(document.read_text() + "\nA new line.\n")
    with pytest.raises(StaleIndexError, match=r"repeated-back-muscle-spasms.txt changed.*python -m bot build"):
        load_index(built_repo)


def test_an_added_document_makes_the_index_stale(built_repo: Settings) -> None:
    (built_repo.corpus_dir / "new.md").write_text("# New\n\nSomething else.\n")
    with pytest.raises(StaleIndexError, match="new.md added"):
        load_index(built_repo)


def test_changed_chunk_settings_or_model_make_the_index_stale(built_repo: Settings) -> None:
    with pytest.raises(StaleIndexError, match="settings changed: max_chunk_chars"):
        load_index(replace(built_repo, max_chunk_chars=200))
    with pytest.raises(StaleIndexError, match="model"):
        load_index(replace(built_repo, model="/somewhere/else"))


def test_a_changed_retrieval_setting_makes_the_index_stale(built_repo: Settings) -> None:
    """The query model was fitted by searching as the chat searches: under other tunables it is refitted."""
    with pytest.raises(StaleIndexError, match="settings changed: retrieval"):
        load_index(replace(built_repo, candidates=built_repo.candidates + 1))


def test_the_manifest_records_the_retrieval_settings_the_model_was_fitted_with(built_repo: Settings) -> None:
    manifest = read_manifest(built_repo.index_dir)
    assert manifest["settings"]["retrieval"]["candidates"] == built_repo.candidates
    assert manifest["settings"]["retrieval"]["top_k"] == built_repo.top_k


@pytest.mark.parametrize("name", ["vectors", "chunks", "sentences", "sections"])
def test_a_truncated_data_file_is_detected(built_repo: Settings, name: str) -> None:
    path = data_file(built_repo, name)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(DamagedIndexError, match="python -m bot build"):
        load_index(built_repo)


def test_a_corrupt_chunk_record_with_the_same_size_is_detected(built_repo: Settings) -> None:
    path = data_file(built_repo, "chunks")
    data = bytearray(path.read_bytes())
    data[100] = ord("X") if data[100] != ord("X") else ord("Y")
    path.write_bytes(bytes(data))
    with pytest.raises(DamagedIndexError, match="corrupt"):
        load_index(built_repo)


@pytest.mark.parametrize("content", ["", "{not json", "[]", '{"format": 1}'])
def test_a_damaged_manifest_is_detected(built_repo: Settings, content: str) -> None:
    (built_repo.index_dir / MANIFEST).write_text(content)
    with pytest.raises(DamagedIndexError, match="python -m bot build"):
        load_index(built_repo)


def test_a_missing_data_file_is_detected(built_repo: Settings) -> None:
    data_file(built_repo, "vectors").unlink()
    with pytest.raises(DamagedIndexError, match="missing"):
        load_index(built_repo)


def test_the_app_rebuilds_a_stale_index_at_start(built_repo: Settings, embedder, caplog) -> None:
    (built_repo.corpus_dir / "new.md").write_text("# Sleep hygiene\n\nKeep a regular bedtime.\n")
    bot = Chatbot.load(built_repo, embedder=embedder, rebuild=True)
    assert "Rebuilding" in caplog.text
    assert any(c.doc == "new.md" for c in bot.index.chunks)


def test_without_rebuild_a_stale_index_is_refused(built_repo: Settings, embedder) -> None:
    (built_repo.corpus_dir / "new.md").write_text("# Other\n\nText.\n")
    with pytest.raises(StaleIndexError):
        Chatbot.load(built_repo, embedder=embedder, rebuild=False)
